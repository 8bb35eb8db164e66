"""Blobs as files under one folder (the embedded default).

External contract:

- A key maps to ``root / key``; ``check_key`` refuses anything that could
  leave ``root`` (``..``, absolute paths, odd characters).
- ``put`` is atomic: the bytes go to a temporary file in the target's folder,
  are flushed to disk, then ``os.replace`` swaps it in, so a reader sees the old
  blob or the new one, never half of one. Missing folders are created. Files
  are written ``0644`` so a front web server may serve the folder directly.
- ``content_type`` is not stored: whoever serves a file derives it from the
  key's extension (keys end in ``.png``).
- ``get`` of a missing key is ``None``; ``delete`` of a missing key is a no-op.
- Every other ``OSError`` becomes ``BlobError`` with a short message.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from liner.adapters.blobs import check_key
from liner.ports.blobs import BlobError

__all__ = ["FolderBlobStore"]


class FolderBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def put(self, key: str, data: bytes, *, content_type: str) -> None:
        path = self._path(key)
        temp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temp, 0o644)
            os.replace(temp, path)
            temp = None
            _fsync_dir(path.parent)
        except OSError as exc:
            raise BlobError(f"could not write blob {key}: {type(exc).__name__}") from exc
        finally:
            if temp is not None:
                Path(temp).unlink(missing_ok=True)

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise BlobError(f"could not read blob {key}: {type(exc).__name__}") from exc

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise BlobError(f"could not delete blob {key}: {type(exc).__name__}") from exc


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX); harmless to skip where unsupported."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
