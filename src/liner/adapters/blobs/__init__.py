"""Blob stores (preview images): a folder for the embedded default, S3 in production.

Keys are relative, lower-case paths such as ``og/alice-3.png``. Every adapter
checks them with ``check_key`` before touching the disk or the network, so a
key can never climb out of the folder or the S3 prefix.

This package imports no SDK: ``blobs.s3`` (boto3) loads only when asked for.
"""

from __future__ import annotations

import re

__all__ = ["MAX_KEY_LENGTH", "check_key"]

MAX_KEY_LENGTH = 256
_SEGMENT = re.compile(r"[a-z0-9_-][a-z0-9._-]*")


def check_key(key: str) -> str:
    """Return ``key`` if it is a safe relative path, else raise ValueError.

    Allowed: ``[a-z0-9._/-]``, segments separated by single slashes, no leading
    or trailing slash, no ``.``/``..`` segments and no segment starting with a
    dot (so hidden files, including the folder store's temporary files, are
    never keys).
    """
    if not isinstance(key, str) or not key:
        raise ValueError("blob key must be a non-empty string")
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"blob key is longer than {MAX_KEY_LENGTH} characters")
    for segment in key.split("/"):
        if not _SEGMENT.fullmatch(segment):
            raise ValueError(f"invalid blob key {key!r}: use relative paths of [a-z0-9._-]")
    return key
