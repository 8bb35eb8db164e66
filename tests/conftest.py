"""Fixtures shared by every tier: fake AWS credentials and one moto server per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.moto_server import moto_server, use_fake_aws_credentials

use_fake_aws_credentials()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's server on 127.0.0.1 (DynamoDB, KMS, S3), shared by the whole run.
    Tests isolate themselves by unique table names / keys."""
    with moto_server() as url:
        yield url
