"""Liner served for real on 127.0.0.1, with the sandbox Spotify mounted inside it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from liner.sandbox.mail import SmtpSink
from liner.sandbox.models import FakeModelPeer
from liner.sandbox.oidc import FakeOidcProvider
from support.liner_app import LinerHarness, running_liner
from support.live_server import serve


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
    # Many people sign in from 127.0.0.1 here: lift the per-client email limit.
    with running_liner(
        tmp_path, store=request.param, email_links_per_client_per_hour=1000
    ) as harness:
        yield harness


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A real SMTP server on 127.0.0.1 that keeps what it receives."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def liner_mail(tmp_path: Path, smtp_sink: SmtpSink) -> Iterator[LinerHarness]:
    """Liner sending its mail over SMTP to the sink."""
    with running_liner(
        tmp_path,
        mailer="smtp",
        smtp_host=smtp_sink.host,
        smtp_port=smtp_sink.port,
        smtp_starttls=False,
        mail_from="Liner <liner@liner.test>",
    ) as harness:
        yield harness


@pytest.fixture
def google() -> Iterator[tuple[FakeOidcProvider, str]]:
    """A fake Google (OpenID Connect) on 127.0.0.1; yields it and its issuer URL."""
    provider = FakeOidcProvider()
    with serve(provider.app()) as url:
        yield provider, url


@pytest.fixture
def liner_google(tmp_path: Path, google: tuple[FakeOidcProvider, str]) -> Iterator[LinerHarness]:
    provider, issuer = google
    with running_liner(
        tmp_path,
        google_client_id=provider.client_id,
        google_client_secret=provider.client_secret,
        google_discovery_url=issuer + "/.well-known/openid-configuration",
    ) as harness:
        yield harness


@pytest.fixture
def model_peer() -> Iterator[tuple[FakeModelPeer, str]]:
    """A fake OpenAI-compatible (and Anthropic, Bedrock) model server on 127.0.0.1."""
    peer = FakeModelPeer()
    with serve(peer.app()) as url:
        yield peer, url


@pytest.fixture
def liner_model(tmp_path: Path, model_peer: tuple[FakeModelPeer, str]) -> Iterator[LinerHarness]:
    """Liner whose writer is a model behind an OpenAI-compatible endpoint."""
    _, url = model_peer
    with running_liner(
        tmp_path,
        writer="openai",
        writer_model="test-model",
        writer_base_url=url + "/v1",
        writer_timeout_seconds=2,
    ) as harness:
        yield harness
