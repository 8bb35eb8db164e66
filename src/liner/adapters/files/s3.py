"""``S3BlobStore``: blobs as objects in one S3 bucket (production; moto in tests).

boto3 honours ``AWS_ENDPOINT_URL_S3``; errors become ``BlobError`` with the
AWS error code only.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from liner.adapters.files.folder import check_key
from liner.ports.blobs import BlobError


class S3BlobStore:
    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region_name: str | None = None,
        prefix: str = "",
    ) -> None:
        self._bucket = bucket
        self._prefix = prefix
        self._s3: Any = boto3.client("s3", endpoint_url=endpoint_url, region_name=region_name)

    def _key(self, key: str) -> str:
        return self._prefix + check_key(key)

    def create_bucket(self) -> bool:
        try:
            self._s3.head_bucket(Bucket=self._bucket)
            return False
        except ClientError:
            pass
        except BotoCoreError as exc:
            raise BlobError(f"s3 unreachable: {type(exc).__name__}") from exc
        region = self._s3.meta.region_name
        try:
            if region and region != "us-east-1":
                self._s3.create_bucket(
                    Bucket=self._bucket,
                    CreateBucketConfiguration={"LocationConstraint": region},
                )
            else:
                self._s3.create_bucket(Bucket=self._bucket)
        except (ClientError, BotoCoreError) as exc:
            raise BlobError(f"s3 create_bucket failed: {_code(exc)}") from exc
        return True

    def put(self, key: str, data: bytes, *, content_type: str) -> None:
        try:
            self._s3.put_object(
                Bucket=self._bucket, Key=self._key(key), Body=data, ContentType=content_type
            )
        except (ClientError, BotoCoreError) as exc:
            raise BlobError(f"s3 put failed: {_code(exc)}") from exc

    def get(self, key: str) -> bytes | None:
        try:
            answer = self._s3.get_object(Bucket=self._bucket, Key=self._key(key))
            return bytes(answer["Body"].read())
        except ClientError as exc:
            if _code(exc) in ("NoSuchKey", "404"):
                return None
            raise BlobError(f"s3 get failed: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise BlobError(f"s3 get failed: {_code(exc)}") from exc

    def delete(self, key: str) -> None:
        try:
            self._s3.delete_object(Bucket=self._bucket, Key=self._key(key))
        except (ClientError, BotoCoreError) as exc:
            raise BlobError(f"s3 delete failed: {_code(exc)}") from exc


def _code(exc: ClientError | BotoCoreError) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "Unknown"))
    return type(exc).__name__
