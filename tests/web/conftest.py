"""Liner served for real on 127.0.0.1, with the sandbox Spotify mounted inside it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.liner_app import LinerHarness, running_liner


@pytest.fixture
def liner(tmp_path: Path) -> Iterator[LinerHarness]:
    """The embedded default: SQLite and the local key file."""
    with running_liner(tmp_path) as harness:
        yield harness


@pytest.fixture(params=["sqlite", "dynamodb"])
def liner_any_store(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LinerHarness]:
    """The same app on SQLite and on DynamoDB (moto's server over its wire protocol)."""
    if request.param == "dynamodb":
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", request.getfixturevalue("moto_endpoint"))
    with running_liner(tmp_path, store=request.param) as harness:
        yield harness
