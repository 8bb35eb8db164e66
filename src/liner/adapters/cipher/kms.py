"""The AWS KMS cipher: every encrypt and decrypt is one KMS call.

External contract:

- ``Encrypt`` and ``Decrypt`` with ``KeyId=<key_id>`` and
  ``EncryptionContext=<context>``. KMS binds the context to the ciphertext, so
  a decrypt with any other context fails (``InvalidCiphertextException``).
  Passing ``KeyId`` on decrypt too makes KMS refuse ciphertexts made under
  another key instead of silently using it.
- The stored ciphertext is KMS's ``CiphertextBlob`` unchanged. The plaintext
  sent to KMS is one framing byte (``0x01``) followed by the caller's bytes,
  because KMS refuses an empty plaintext; so callers may encrypt up to 4095
  bytes (KMS's limit is 4096), which is ample for OAuth tokens.
- Endpoint and region: ``endpoint_url``/``region_name`` when given, otherwise
  boto3's usual resolution (``AWS_ENDPOINT_URL_KMS``, ``AWS_ENDPOINT_URL``,
  ``AWS_REGION``/``AWS_DEFAULT_REGION``, profiles), which is how tests reach
  moto on 127.0.0.1.
- Every botocore failure (service errors, connection errors, missing
  credentials, parameter validation) becomes ``CipherError`` with a short
  message naming the operation and the error code; the original error is
  chained for logs.

boto3 is imported here only, so nothing else pays for it unless KMS is chosen.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from liner.ports.cipher import CipherError, CipherUnavailable

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

__all__ = ["MAX_PLAINTEXT", "KmsCipher"]

_FRAME = b"\x01"
MAX_PLAINTEXT = 4096 - len(_FRAME)


def _context(context: Mapping[str, str]) -> dict[str, str]:
    for key, value in context.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError("encryption context keys and values must be strings")
    return dict(context)


class KmsCipher:
    """Encrypts with one KMS key; see the module docstring for the contract."""

    def __init__(
        self,
        key_id: str,
        *,
        endpoint_url: str | None = None,
        region_name: str | None = None,
    ) -> None:
        self._key_id = key_id
        # Clients are thread-safe and creating one makes no network call.
        self._client: KMSClient = boto3.client(
            "kms", endpoint_url=endpoint_url, region_name=region_name
        )

    def encrypt(self, plaintext: bytes, context: Mapping[str, str]) -> bytes:
        encryption_context = _context(context)
        if len(plaintext) > MAX_PLAINTEXT:
            raise CipherError(f"plaintext is too long for KMS ({MAX_PLAINTEXT} bytes at most)")
        try:
            response = self._client.encrypt(
                KeyId=self._key_id,
                Plaintext=_FRAME + plaintext,
                EncryptionContext=encryption_context,
            )
        except (ClientError, BotoCoreError) as exc:
            raise _error("encrypt", exc) from exc
        return response["CiphertextBlob"]

    def decrypt(self, ciphertext: bytes, context: Mapping[str, str]) -> bytes:
        encryption_context = _context(context)
        if not ciphertext:
            raise CipherError("ciphertext is empty")
        try:
            response = self._client.decrypt(
                KeyId=self._key_id,
                CiphertextBlob=ciphertext,
                EncryptionContext=encryption_context,
            )
        except (ClientError, BotoCoreError) as exc:
            raise _error("decrypt", exc) from exc
        framed = response["Plaintext"]
        if framed[:1] != _FRAME:
            raise CipherError("KMS plaintext has an unknown framing")
        return framed[1:]


# Codes that say nothing about the ciphertext: KMS or the network is having a bad moment.
_TRANSIENT = {
    "KMSInternalException",
    "ThrottlingException",
    "DependencyTimeoutException",
    "KMSInvalidStateException",
    "DisabledException",
    "KeyUnavailableException",
    "AccessDeniedException",
}


def _error(operation: str, exc: ClientError | BotoCoreError) -> CipherError:
    if isinstance(exc, BotoCoreError):
        return CipherUnavailable(_describe(operation, exc))
    code = exc.response.get("Error", {}).get("Code", "")
    cls = CipherUnavailable if code in _TRANSIENT else CipherError
    return cls(_describe(operation, exc))


def _describe(operation: str, exc: ClientError | BotoCoreError) -> str:
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "UnknownError")
        return f"KMS {operation} failed: {code}"
    return f"KMS {operation} failed: {type(exc).__name__}"
