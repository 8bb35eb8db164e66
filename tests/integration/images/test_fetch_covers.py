"""Fetching cover images for the preview, from a small image host served for real.

The host answers with a JPEG, a PNG, a 404, garbage, a 500, a redirect, an
oversize body, and a response too slow to wait for; ``fetch_covers`` must
return the bytes of the good ones, ``None`` for the rest, and return promptly.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence

import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from liner.adapters.http import HttpClient, RetryPolicy
from liner.adapters.images.og import fetch_covers
from support.live_server import bind_free_socket, serve


def image_bytes(fmt: str, colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(buffer, format=fmt)
    return buffer.getvalue()


JPEG = image_bytes("JPEG", (200, 40, 40))
PNG = image_bytes("PNG", (40, 40, 200))
HUGE = JPEG[:3] + b"\x00" * 300_000  # starts like a JPEG, far too big
SLOW_SECONDS = 10.0
Endpoint = Callable[[Request], Awaitable[Response]]


async def slow(request: Request) -> Response:
    """Answers only after SLOW_SECONDS, or gives up once the client has gone."""
    deadline = time.monotonic() + SLOW_SECONDS
    while time.monotonic() < deadline:
        if await request.is_disconnected():
            break
        await asyncio.sleep(0.05)
    return Response(JPEG, media_type="image/jpeg")


def app() -> Starlette:
    def fixed(body: bytes, status: int = 200, media_type: str = "image/jpeg") -> Endpoint:
        async def endpoint(request: Request) -> Response:
            return Response(body, status_code=status, media_type=media_type)

        return endpoint

    async def moved(request: Request) -> Response:
        return RedirectResponse("/cover.jpg")

    return Starlette(
        routes=[
            Route("/cover.jpg", fixed(JPEG)),
            Route("/cover.png", fixed(PNG, media_type="image/png")),
            Route("/missing.jpg", fixed(b"not found", 404, "text/plain")),
            Route("/garbage.jpg", fixed(b"<html>this is not an image</html>")),
            Route("/broken.jpg", fixed(b"server error", 500, "text/plain")),
            Route("/huge.jpg", fixed(HUGE)),
            Route("/moved.jpg", moved),
            Route("/slow.jpg", slow),
        ]
    )


@pytest.fixture(scope="module")
def host() -> Iterator[str]:
    with serve(app()) as url:
        yield url


def fetch(urls: Sequence[str | None], **options: float) -> tuple[list[bytes | None], float]:
    """Run fetch_covers in its own loop with a client made (and closed) inside it."""

    async def main() -> tuple[list[bytes | None], float]:
        http = HttpClient(timeout=5, policy=RetryPolicy(attempts=2, backoff_seconds=0.01))
        try:
            started = time.monotonic()
            covers = await fetch_covers(http, urls, **options)
            return covers, time.monotonic() - started
        finally:
            await http.aclose()

    return asyncio.run(main())


def test_good_covers_come_back_byte_for_byte(host: str) -> None:
    covers, _ = fetch([f"{host}/cover.jpg", f"{host}/cover.png"])
    assert covers == [JPEG, PNG]


def test_every_kind_of_failure_is_none_and_never_raises(host: str) -> None:
    urls = [
        f"{host}/cover.jpg",
        None,
        "",
        f"{host}/missing.jpg",
        f"{host}/garbage.jpg",
        f"{host}/broken.jpg",
        f"{host}/huge.jpg",
        f"{host}/moved.jpg",
        f"{host}/slow.jpg",
        "ftp://127.0.0.1/cover.jpg",
        "file:///etc/passwd",
        "not a url at all",
        "http://[::1",  # malformed
        f"{host}/cover.png",
    ]
    covers, elapsed = fetch(urls, timeout=0.5, max_bytes=100_000)
    assert covers == [JPEG] + [None] * 12 + [PNG]
    assert elapsed < 3


def test_a_slow_host_costs_one_timeout_however_many_covers_wait_on_it(host: str) -> None:
    covers, elapsed = fetch([f"{host}/slow.jpg"] * 4 + [f"{host}/cover.jpg"], timeout=0.4)
    assert covers == [None] * 4 + [JPEG]
    assert 0.35 < elapsed < 2


def test_an_unreachable_host_is_none_promptly() -> None:
    sock = bind_free_socket()  # bound, not listening: connections are refused
    try:
        port = sock.getsockname()[1]
        covers, elapsed = fetch([f"http://127.0.0.1:{port}/cover.jpg"], timeout=1)
    finally:
        sock.close()
    assert covers == [None]
    assert elapsed < 2


def test_the_size_limit_is_inclusive(host: str) -> None:
    covers, _ = fetch([f"{host}/cover.jpg"], max_bytes=len(JPEG))
    assert covers == [JPEG]
    covers, _ = fetch([f"{host}/cover.jpg"], max_bytes=len(JPEG) - 1)
    assert covers == [None]


def test_no_urls_means_no_covers() -> None:
    covers, _ = fetch([])
    assert covers == []
