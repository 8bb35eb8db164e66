"""One contract for blob stores: a folder, and S3 through moto's server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from liner.adapters.files.folder import FolderBlobStore
from liner.adapters.files.s3 import S3BlobStore
from liner.ports.blobs import BlobError, BlobStore
from support.live_server import bind_free_socket


@pytest.fixture(params=["folder", "s3"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "folder":
        yield FolderBlobStore(tmp_path / "blobs")
        return
    store = S3BlobStore(
        f"b-{uuid.uuid4().hex[:12]}", endpoint_url=request.getfixturevalue("moto_endpoint")
    )
    assert store.create_bucket() is True
    assert store.create_bucket() is False
    yield store


def test_a_blob_round_trips_and_can_be_replaced(blobs: BlobStore) -> None:
    blobs.put("og/maren-1.png", b"\x89PNG one", content_type="image/png")
    assert blobs.get("og/maren-1.png") == b"\x89PNG one"
    blobs.put("og/maren-1.png", b"two", content_type="image/png")
    assert blobs.get("og/maren-1.png") == b"two"


def test_a_missing_blob_is_none_and_deleting_it_is_fine(blobs: BlobStore) -> None:
    assert blobs.get("og/nobody-1.png") is None
    blobs.put("og/x-1.png", b"x", content_type="image/png")
    blobs.delete("og/x-1.png")
    blobs.delete("og/x-1.png")
    assert blobs.get("og/x-1.png") is None


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "og/../x", "OG/Upper.png", "og//x", ""])
def test_keys_that_could_escape_are_refused(blobs: BlobStore, key: str) -> None:
    with pytest.raises(ValueError):
        blobs.put(key, b"x", content_type="image/png")


def test_an_unreachable_s3_is_a_blob_error(monkeypatch: pytest.MonkeyPatch) -> None:
    sock = bind_free_socket()
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    try:
        store = S3BlobStore("nope", endpoint_url=f"http://127.0.0.1:{sock.getsockname()[1]}")
        with pytest.raises(BlobError):
            store.put("og/a-1.png", b"x", content_type="image/png")
    finally:
        sock.close()
