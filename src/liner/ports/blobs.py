"""Storing files (preview images): a folder on the embedded default, S3 in production."""

from __future__ import annotations

from typing import Protocol


class BlobError(Exception):
    """The blob store failed; ``str(error)`` is short and safe to log."""


class BlobStore(Protocol):
    def put(self, key: str, data: bytes, *, content_type: str) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> None: ...
