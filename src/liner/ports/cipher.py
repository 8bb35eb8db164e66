"""Encryption of secrets at rest (Spotify tokens).

Every call names an encryption context, e.g. ``{"purpose": "spotify-token",
"user": "<id>"}``. The context is authenticated but not stored in the clear by
callers: decrypting with a different context must fail, so a ciphertext copied
onto another user's record is useless.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class CipherError(Exception):
    """Encryption or decryption failed: wrong key, wrong context, tampered data."""


class CipherUnavailable(CipherError):
    """The cipher cannot work right now (KMS unreachable or throttled, key file unreadable):
    not the data's fault, so nobody should be asked to reconnect over it."""


class Cipher(Protocol):
    def encrypt(self, plaintext: bytes, context: Mapping[str, str]) -> bytes: ...

    def decrypt(self, ciphertext: bytes, context: Mapping[str, str]) -> bytes:
        """Raises CipherError when the ciphertext or context does not match."""
        ...
