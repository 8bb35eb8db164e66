"""Blobs as objects in one S3 bucket (production; moto's S3 in tests).

External contract:

- A key maps to the object ``<prefix><key>`` in ``bucket``; ``check_key``
  refuses unsafe keys before any request. ``prefix`` (e.g. ``"liner/"``) lets
  several deployments share a bucket.
- ``put`` is one ``PutObject`` with ``ContentType``; S3 makes it atomic.
  ``get`` is one ``GetObject``; a missing key (``NoSuchKey``/404) is ``None``.
  ``delete`` is one ``DeleteObject``, which S3 treats as a no-op for a missing key.
- ``create_bucket()`` is an idempotent helper for set-up and tests
  (``HeadBucket``, then ``CreateBucket`` in the client's region if needed).
- Endpoint and region: ``endpoint_url``/``region_name`` when given, otherwise
  boto3's usual resolution (``AWS_ENDPOINT_URL_S3``, ``AWS_ENDPOINT_URL``,
  ``AWS_REGION``, profiles). With an explicit endpoint (moto, MinIO) requests
  use path-style addressing, which needs no wildcard DNS.
- Short connect/read timeouts and two attempts: a preview image is never worth
  a long wait. Every botocore failure becomes ``BlobError`` with a short
  message naming the operation and the error code; the original is chained.

boto3 is imported here only, so nothing else pays for it unless S3 is chosen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from liner.adapters.blobs import check_key
from liner.ports.blobs import BlobError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.literals import BucketLocationConstraintType

__all__ = ["S3BlobStore"]

_MISSING = {"NoSuchKey", "404", "NotFound", "NoSuchBucket"}


class S3BlobStore:
    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region_name: str | None = None,
        prefix: str = "",
    ) -> None:
        if prefix:
            check_key(prefix.rstrip("/"))
            prefix = prefix.rstrip("/") + "/"
        self.bucket = bucket
        self.prefix = prefix
        config = Config(
            connect_timeout=2,
            read_timeout=10,
            retries={"max_attempts": 2, "mode": "standard"},
            s3={"addressing_style": "path"} if endpoint_url else None,
        )
        # Creating a client makes no network call; clients are thread-safe.
        self._client: S3Client = boto3.client(
            "s3", endpoint_url=endpoint_url, region_name=region_name, config=config
        )

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def create_bucket(self) -> bool:
        """Create the bucket unless it exists; True when this call created it."""
        try:
            self._client.head_bucket(Bucket=self.bucket)
            return False
        except ClientError as exc:
            if _code(exc) not in {"404", "NoSuchBucket", "NotFound"}:
                raise _error("head bucket", exc) from exc
        except BotoCoreError as exc:
            raise _error("head bucket", exc) from exc
        region = self._client.meta.region_name
        try:
            if region and region != "us-east-1":
                self._client.create_bucket(
                    Bucket=self.bucket,
                    CreateBucketConfiguration={
                        "LocationConstraint": cast("BucketLocationConstraintType", region)
                    },
                )
            else:
                self._client.create_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if _code(exc) in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                return False
            raise _error("create bucket", exc) from exc
        except BotoCoreError as exc:
            raise _error("create bucket", exc) from exc
        return True

    def put(self, key: str, data: bytes, *, content_type: str) -> None:
        name = self._key(key)
        try:
            self._client.put_object(
                Bucket=self.bucket, Key=name, Body=data, ContentType=content_type
            )
        except (ClientError, BotoCoreError) as exc:
            raise _error("put", exc) from exc

    def get(self, key: str) -> bytes | None:
        name = self._key(key)
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=name)
            return response["Body"].read()
        except ClientError as exc:
            if _code(exc) in _MISSING - {"NoSuchBucket"}:
                return None
            raise _error("get", exc) from exc
        except BotoCoreError as exc:
            raise _error("get", exc) from exc

    def delete(self, key: str) -> None:
        name = self._key(key)
        try:
            self._client.delete_object(Bucket=self.bucket, Key=name)
        except (ClientError, BotoCoreError) as exc:
            raise _error("delete", exc) from exc


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _error(operation: str, exc: ClientError | BotoCoreError) -> BlobError:
    if isinstance(exc, ClientError):
        return BlobError(f"S3 {operation} failed: {_code(exc) or 'UnknownError'}")
    return BlobError(f"S3 {operation} failed: {type(exc).__name__}")
