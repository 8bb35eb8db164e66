"""The local cipher: AES-256-GCM with a key kept in a file.

Key file contract:

- Exactly 32 raw bytes. Created on first use when missing: random bytes from
  ``os.urandom``, mode 0600, parent directory created (0700) if needed. The
  new key is written to a private temporary file (``O_CREAT | O_EXCL``, 0600)
  and then hard-linked into place, which fails if the name already exists: two
  processes racing to create the key both end up using the same, complete
  key, and nobody ever reads a half-written file.
- A key file that any group or other user can access (``mode & 0o077``), that
  is not a regular file, or that is not exactly 32 bytes is refused with a
  ``CipherError`` that names the path and the problem, never the key bytes.
- The key is read once per ``LocalCipher`` and kept in memory.

Ciphertext format (version 1)::

    0x01 | nonce (12 random bytes) | AES-GCM ciphertext | tag (16 bytes)

The encryption context is authenticated as GCM associated data, serialised
canonically as JSON with sorted keys, no whitespace, UTF-8
(``{"purpose":"spotify-token","user":"alice"}``). The context is not stored:
decrypting with any other context, another key, or altered or truncated bytes
raises ``CipherError``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
import threading
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from liner.ports.cipher import CipherError, CipherUnavailable

__all__ = ["KEY_SIZE", "LocalCipher", "canonical_context"]

KEY_SIZE = 32  # AES-256
_VERSION = b"\x01"
_NONCE_SIZE = 12  # the GCM standard nonce; random nonces are safe far beyond our volume
_TAG_SIZE = 16
_MIN_CIPHERTEXT = len(_VERSION) + _NONCE_SIZE + _TAG_SIZE


def canonical_context(context: Mapping[str, str]) -> bytes:
    """The context as associated data: sorted-key JSON, no whitespace, UTF-8."""
    for key, value in context.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError("encryption context keys and values must be strings")
    return json.dumps(
        dict(context), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


class LocalCipher:
    """AES-256-GCM with a key file; see the module docstring for the formats."""

    def __init__(self, key_file: Path) -> None:
        self._key_file = Path(key_file)
        self._aead: AESGCM | None = None
        self._lock = threading.Lock()

    def encrypt(self, plaintext: bytes, context: Mapping[str, str]) -> bytes:
        aad = canonical_context(context)
        nonce = secrets.token_bytes(_NONCE_SIZE)
        return _VERSION + nonce + self._cipher().encrypt(nonce, plaintext, aad)

    def decrypt(self, ciphertext: bytes, context: Mapping[str, str]) -> bytes:
        aad = canonical_context(context)
        if len(ciphertext) < _MIN_CIPHERTEXT:
            raise CipherError("ciphertext is truncated")
        if ciphertext[:1] != _VERSION:
            raise CipherError("ciphertext has an unknown format version")
        nonce = ciphertext[1 : 1 + _NONCE_SIZE]
        body = ciphertext[1 + _NONCE_SIZE :]
        aead = self._cipher()
        try:
            return aead.decrypt(nonce, body, aad)
        except InvalidTag:
            # GCM cannot tell these apart, and saying which would help an attacker.
            raise CipherError(
                "ciphertext does not match this key and encryption context "
                "(wrong key, wrong context, or altered data)"
            ) from None

    def _cipher(self) -> AESGCM:
        with self._lock:
            if self._aead is None:
                self._aead = AESGCM(self._load_or_create_key())
            return self._aead

    def _load_or_create_key(self) -> bytes:
        try:
            try:
                return self._read_key()
            except FileNotFoundError:
                pass
            self._create_key()
            return self._read_key()
        except OSError as exc:
            # e.g. a key file we may not read; the OS message names no key bytes.
            raise CipherUnavailable(f"cannot read the key file {self._key_file}: {exc}") from exc

    def _read_key(self) -> bytes:
        path = self._key_file
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            # fstat the open descriptor, so the checks apply to the bytes we read.
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise CipherUnavailable(f"key file {path} is not a regular file")
            mode = stat.S_IMODE(info.st_mode)
            if mode & 0o077:
                raise CipherUnavailable(
                    f"key file {path} is accessible by group or others "
                    f"(mode {mode:04o}); restrict it with: chmod 600 {path}"
                )
            if info.st_size != KEY_SIZE:
                raise CipherUnavailable(
                    f"key file {path} must hold exactly {KEY_SIZE} bytes, it holds {info.st_size}"
                )
            key = os.read(fd, KEY_SIZE + 1)
        finally:
            os.close(fd)
        if len(key) != KEY_SIZE:
            # The file changed between fstat and read.
            raise CipherUnavailable(f"key file {path} must hold exactly {KEY_SIZE} bytes")
        return key

    def _create_key(self) -> None:
        path = self._key_file
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise CipherUnavailable(
                f"cannot create the key directory {path.parent}: {exc}"
            ) from exc
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
        try:
            fd = os.open(
                temporary,
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                0o600,
            )
        except OSError as exc:
            raise CipherUnavailable(f"cannot create the key file {path}: {exc}") from exc
        try:
            try:
                # The umask can only remove bits; make sure the owner can read it back.
                os.fchmod(fd, 0o600)
                written = os.write(fd, os.urandom(KEY_SIZE))
                if written != KEY_SIZE:
                    raise CipherUnavailable(f"short write creating the key file {path}")
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                # link() refuses an existing name: whoever links first wins, and
                # the loser silently uses the winner's complete key.
                os.link(temporary, path)
            except FileExistsError:
                return
            except OSError as exc:
                raise CipherUnavailable(f"cannot create the key file {path}: {exc}") from exc
            _fsync_directory(path.parent)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)


def _fsync_directory(directory: Path) -> None:
    """Make the new directory entry durable (best effort: not every OS allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
