"""One contract for every BlobStore adapter: a folder, and S3 on moto's server.

S3 runs against moto on 127.0.0.1 (the session fixture ``moto_endpoint``), so
requests travel over S3's real wire protocol; each test gets its own bucket.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from liner.adapters.blobs import check_key
from liner.adapters.blobs.folder import FolderBlobStore
from liner.adapters.blobs.s3 import S3BlobStore
from liner.ports.blobs import BlobError, BlobStore
from support.live_server import bind_free_socket

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


def _s3(endpoint: str, **options: str) -> S3BlobStore:
    store = S3BlobStore(f"blobs-{uuid.uuid4().hex[:20]}", endpoint_url=endpoint, **options)
    assert store.create_bucket() is True
    return store


@pytest.fixture(params=["folder", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "folder":
        return FolderBlobStore(tmp_path / "blobs")
    return _s3(request.getfixturevalue("moto_endpoint"))


# The contract


def test_a_stored_blob_reads_back_byte_for_byte(store: BlobStore) -> None:
    store.put("og/alice-1.png", PNG, content_type="image/png")
    assert store.get("og/alice-1.png") == PNG


def test_a_missing_key_reads_as_none(store: BlobStore) -> None:
    assert store.get("og/nobody-1.png") is None


def test_a_second_put_replaces_the_first(store: BlobStore) -> None:
    store.put("og/alice-1.png", b"first", content_type="image/png")
    store.put("og/alice-1.png", b"second", content_type="image/png")
    assert store.get("og/alice-1.png") == b"second"


def test_keys_are_independent(store: BlobStore) -> None:
    store.put("og/alice-1.png", b"alice", content_type="image/png")
    store.put("og/bob-1.png", b"bob", content_type="image/png")
    assert store.get("og/alice-1.png") == b"alice"
    assert store.get("og/bob-1.png") == b"bob"


def test_a_deleted_blob_is_gone_and_deleting_again_is_harmless(store: BlobStore) -> None:
    store.put("og/alice-1.png", PNG, content_type="image/png")
    store.delete("og/alice-1.png")
    assert store.get("og/alice-1.png") is None
    store.delete("og/alice-1.png")
    store.delete("og/never-stored.png")


def test_an_empty_blob_is_a_blob_not_a_missing_one(store: BlobStore) -> None:
    store.put("og/empty.png", b"", content_type="image/png")
    assert store.get("og/empty.png") == b""


INVALID_KEYS = [
    "",
    "/og/alice.png",
    "og/../alice.png",
    "../alice.png",
    "og/./alice.png",
    "og//alice.png",
    "og/alice.png/",
    "og/.hidden.png",
    "OG/Alice.png",
    "og/alice png",
    "og\\alice.png",
    "og/alice.png?x=1",
    "og/élan.png",
    "og/" + "a" * 300 + ".png",
]


@pytest.mark.parametrize("key", INVALID_KEYS)
def test_it_refuses_keys_that_could_escape_or_surprise(store: BlobStore, key: str) -> None:
    with pytest.raises(ValueError):
        store.put(key, b"x", content_type="image/png")
    with pytest.raises(ValueError):
        store.get(key)
    with pytest.raises(ValueError):
        store.delete(key)


def test_the_key_rules_accept_the_keys_publishing_uses() -> None:
    for key in ["og/alice-3.png", "og/a_b.c-12.png", "x", "og/2024/alice.v2.png"]:
        assert check_key(key) == key


# What only the folder must do


def test_the_folder_store_keeps_blobs_under_its_root_and_leaves_no_temp_files(
    tmp_path: Path,
) -> None:
    root = tmp_path / "blobs"
    store = FolderBlobStore(root)
    store.put("og/alice-1.png", PNG, content_type="image/png")
    store.put("og/alice-1.png", PNG[::-1], content_type="image/png")
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == [
        "og",
        "og/alice-1.png",
    ]
    assert (root / "og" / "alice-1.png").stat().st_mode & 0o777 == 0o644


def test_the_folder_store_reports_an_unusable_root_as_a_blob_error(tmp_path: Path) -> None:
    root = tmp_path / "not-a-folder"
    root.write_text("a file where the folder should be")
    store = FolderBlobStore(root)
    with pytest.raises(BlobError, match=r"^could not write blob og/alice-1\.png"):
        store.put("og/alice-1.png", PNG, content_type="image/png")
    with pytest.raises(BlobError):
        store.get("og/alice-1.png")


# What only S3 must do


def test_s3_create_bucket_is_idempotent(moto_endpoint: str) -> None:
    store = _s3(moto_endpoint)
    assert store.create_bucket() is False


def test_s3_keeps_the_content_type_and_the_prefix(moto_endpoint: str) -> None:
    import boto3

    store = _s3(moto_endpoint, prefix="liner")
    store.put("og/alice-1.png", PNG, content_type="image/png")
    client = boto3.client("s3", endpoint_url=moto_endpoint)
    head = client.head_object(Bucket=store.bucket, Key="liner/og/alice-1.png")
    assert head["ContentType"] == "image/png"
    assert head["ContentLength"] == len(PNG)


def test_s3_a_missing_bucket_is_an_error_not_a_missing_blob(moto_endpoint: str) -> None:
    store = S3BlobStore(f"absent-{uuid.uuid4().hex[:20]}", endpoint_url=moto_endpoint)
    with pytest.raises(BlobError, match="S3 get failed: NoSuchBucket"):
        store.get("og/alice-1.png")


def test_s3_unreachable_is_a_prompt_blob_error() -> None:
    sock = bind_free_socket()  # bound but not listening: connections are refused
    try:
        port = sock.getsockname()[1]
        store = S3BlobStore("liner-previews", endpoint_url=f"http://127.0.0.1:{port}")
        started = time.monotonic()
        for call in (
            lambda: store.put("og/alice-1.png", PNG, content_type="image/png"),
            lambda: store.get("og/alice-1.png"),
            lambda: store.delete("og/alice-1.png"),
            store.create_bucket,
        ):
            with pytest.raises(BlobError, match=r"^S3 .+ failed: EndpointConnectionError$"):
                call()
        assert time.monotonic() - started < 10
    finally:
        sock.close()
