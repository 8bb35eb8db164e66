"""The model writers against one fake model peer served for real on 127.0.0.1.

``writer`` is parametrized over the three adapters; each write builds a fresh
adapter inside its own event loop and closes it there, so no SDK client outlives
the loop it was used in (and none is left unclosed).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest

from liner.adapters.writer.anthropic import AnthropicWriter
from liner.adapters.writer.bedrock import BedrockWriter
from liner.adapters.writer.openai_compat import OpenAICompatWriter
from liner.domain.music import Album, AlbumRef, Artist, ArtistRef, Snapshot, Track
from liner.ports.writer import NoteKind, NoteRequest, WriterError, Written
from liner.sandbox.models import FakeModelPeer
from support.live_server import serve

T = TypeVar("T")
ADAPTERS = ("bedrock", "anthropic", "openai")
ModelWriter = BedrockWriter | AnthropicWriter | OpenAICompatWriter
SECRET = "sk-test-SECRET"  # the key every writer is given; it must never show in an error
MODELS = {
    "bedrock": "anthropic.claude-test-v1:0",
    "anthropic": "claude-test",
    "openai": "llama-test",
}
ALICE_EMAIL = "alice@example.com"


def snapshot_of(name: str) -> Snapshot:
    """A small snapshot; alice's and bob's differ so their user prompts differ."""
    band = ArtistRef("Corvid Lane", id=f"{name}-a1")
    duo = ArtistRef("Ivy Tallow", id=f"{name}-a2")
    first = Album(
        id=f"{name}-al1",
        name="Salt Year" if name == "alice" else "Amber Relay",
        artists=(band,),
        album_type="album",
        track_count=4,
        best_rank=1,
        release_date="2019-05-03",
    )
    single = Album(
        id=f"{name}-al2",
        name="Tallow Songs",
        artists=(duo,),
        album_type="single",
        track_count=1,
        best_rank=3,
    )
    return Snapshot(
        artists=(
            Artist(id=f"{name}-a1", name="Corvid Lane", genres=("chamber folk",)),
            Artist(id=f"{name}-a2", name="Ivy Tallow"),
        ),
        albums=(first, single),
        tracks=(
            Track(name="Harbour Lights", artists=(band,), album=AlbumRef(first.name)),
            Track(name="Wick", artists=(duo,), album=AlbumRef("Tallow Songs")),
        ),
        refreshed_at=datetime(2025, 1, 1, tzinfo=UTC),
    )


def request_for(
    name: str = "alice",
    *,
    kind: NoteKind = "bio",
    album_id: str | None = None,
    seed: int = 0,
    feedback: tuple[str, ...] = (),
    previous: str | None = None,
) -> NoteRequest:
    display = {"alice": "Alice Liddell", "bob": "Bob Marlowe"}[name]
    return NoteRequest(
        kind=kind,
        snapshot=snapshot_of(name),
        display_name=display,
        album_id=album_id,
        seed=seed,
        feedback=feedback,
        previous=previous,
    )


def run_in_fresh_loop(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(main())`` on a worker thread.

    The main thread may already be running an event loop for the rest of the
    session (Playwright's sync API in the e2e tier leaves one), and
    ``asyncio.run`` refuses to start inside one.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(main())).result()


def closed_port_url() -> str:
    """A loopback URL nobody listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@dataclass
class WriterHarness:
    """Builds one adapter against the peer and runs a write in a fresh event loop."""

    kind: str
    base_url: str
    peer: FakeModelPeer
    secret: str = SECRET

    @property
    def model(self) -> str:
        return MODELS[self.kind]

    def build(
        self,
        *,
        timeout: float = 5.0,
        max_tokens: int = 300,
        api_key: str | None = SECRET,
        base_url: str | None = None,
    ) -> ModelWriter:
        url = base_url or self.base_url
        if self.kind == "bedrock":
            return BedrockWriter(
                MODELS["bedrock"],
                region_name="eu-west-1",
                endpoint_url=url,
                timeout=timeout,
                max_tokens=max_tokens,
            )
        if self.kind == "anthropic":
            return AnthropicWriter(
                MODELS["anthropic"],
                api_key=api_key or "",
                base_url=url,
                timeout=timeout,
                max_tokens=max_tokens,
            )
        return OpenAICompatWriter(
            MODELS["openai"],
            base_url=f"{url}/v1",
            api_key=api_key,
            timeout=timeout,
            max_tokens=max_tokens,
        )

    def write(self, request: NoteRequest, **options: Any) -> Written:
        async def main() -> Written:
            writer = self.build(**options)
            try:
                written: Written = await writer.write(request)
                return written
            finally:
                await writer.aclose()

        return run_in_fresh_loop(main)

    def failure(self, request: NoteRequest, **options: Any) -> WriterError:
        with pytest.raises(WriterError) as info:
            self.write(request, **options)
        return info.value


@pytest.fixture(scope="session")
def model_peer() -> FakeModelPeer:
    return FakeModelPeer(api_key=SECRET)


@pytest.fixture(scope="session")
def model_peer_url(model_peer: FakeModelPeer) -> Iterator[str]:
    with serve(model_peer.app()) as url:
        yield url


@pytest.fixture(autouse=True)
def _clean_peer(model_peer: FakeModelPeer) -> Iterator[None]:
    model_peer.reset()
    model_peer.api_key = SECRET
    yield
    model_peer.reset()
    model_peer.api_key = SECRET


@pytest.fixture(params=ADAPTERS)
def writer(
    request: pytest.FixtureRequest, model_peer: FakeModelPeer, model_peer_url: str
) -> WriterHarness:
    """The contract subject: each test runs once per adapter."""
    return WriterHarness(kind=request.param, base_url=model_peer_url, peer=model_peer)


@pytest.fixture
def writer_for(model_peer: FakeModelPeer, model_peer_url: str) -> Callable[[str], WriterHarness]:
    """One named adapter, for tests of a single provider's specifics."""
    return lambda kind: WriterHarness(kind=kind, base_url=model_peer_url, peer=model_peer)


@pytest.fixture
def make_request() -> Callable[..., NoteRequest]:
    """``make_request("alice" | "bob", kind=..., album_id=..., feedback=..., previous=...)``."""
    return request_for


@pytest.fixture
def dead_url() -> str:
    return closed_port_url()


@pytest.fixture
def alice_email() -> str:
    return ALICE_EMAIL
