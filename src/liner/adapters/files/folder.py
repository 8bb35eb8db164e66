"""``FolderBlobStore``: blobs as files under one folder (the embedded default).

Keys are relative paths of ``[a-z0-9._-]`` segments; writes are atomic (a
temporary file renamed into place), so a reader never sees half an image.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from liner.ports.blobs import BlobError

KEY = re.compile(r"^[a-z0-9][a-z0-9._-]*(?:/[a-z0-9][a-z0-9._-]*)*$")


def check_key(key: str) -> str:
    if len(key) > 512 or not KEY.match(key) or ".." in key:
        raise ValueError(f"not a valid blob key: {key!r}")
    return key


class FolderBlobStore:
    def __init__(self, root: Path) -> None:
        self._root = root

    def _path(self, key: str) -> Path:
        return self._root / check_key(key)

    def put(self, key: str, data: bytes, *, content_type: str) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as file:
                file.write(data)
            os.replace(tmp, path)
        except OSError as exc:
            raise BlobError(f"cannot write {key}: {exc.strerror}") from exc

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise BlobError(f"cannot read {key}: {exc.strerror}") from exc

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise BlobError(f"cannot delete {key}: {exc.strerror}") from exc
