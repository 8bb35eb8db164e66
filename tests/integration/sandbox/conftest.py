"""The Spotify sandbox served for real on 127.0.0.1, mounted as Liner mounts it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from liner.sandbox.spotify import SandboxSpotify
from support.live_server import serve


@pytest.fixture(scope="session")
def sandbox() -> SandboxSpotify:
    return SandboxSpotify()


@pytest.fixture(scope="session")
def sandbox_url(sandbox: SandboxSpotify) -> Iterator[str]:
    """The sandbox's base URL, mounted under /sandbox/spotify inside a host app."""
    host = Starlette(routes=[Mount("/sandbox/spotify", app=sandbox.app())])
    with serve(host) as url:
        yield f"{url}/sandbox/spotify"


@pytest.fixture(autouse=True)
def _clean_switches(sandbox: SandboxSpotify) -> Iterator[None]:
    sandbox.reset()
    yield
    sandbox.reset()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(follow_redirects=False, timeout=10) as client:
        yield client
