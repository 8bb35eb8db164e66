"""Refresh wall time with the sandbox Spotify adding latency to every call.

Usage: .venv/bin/python bench/refresh_latency.py [--latency-ms 100] [--runs 15]

Liner runs for real on 127.0.0.1 (SQLite store, no cooldown, sandbox Spotify
mounted inside it) and a client calls POST /api/v1/me/music/refresh. Top artists and top
tracks are fetched concurrently, so a refresh should cost about one call's
latency, not two. For reference the same two calls are also timed one after
the other through the same Spotify adapter.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import _paths  # noqa: F401
from liner.adapters.http import HttpClient
from liner.adapters.music.spotify import Spotify
from support.liner_app import running_liner
from support.personas import ALICE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency-ms", type=float, default=100)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    latency = args.latency_ms / 1000

    with (
        tempfile.TemporaryDirectory() as tmp,
        running_liner(Path(tmp), cooldown_seconds=0) as liner,
    ):
        client = liner.sign_in(ALICE)
        client.get("/api/v1/me/music")  # the first snapshot
        csrf = liner.csrf(client)
        liner.sandbox.latency = latency

        concurrent: list[float] = []
        for _ in range(args.runs):
            before = dict(liner.sandbox.calls)
            started = time.perf_counter()
            response = client.post("/api/v1/me/music/refresh", headers={"X-CSRF-Token": csrf})
            concurrent.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
            calls = {k: liner.sandbox.calls[k] - before.get(k, 0) for k in liner.sandbox.calls}
            assert calls.get("top_artists") == 1 and calls.get("top_tracks") == 1

        # Reference: the same two calls, one after the other, through a Spotify adapter
        # of the same make (its own HTTP client: this runs on another event loop).
        user_id = client.get("/api/v1/me").json()["data"]["id"]
        link = liner.services.table.get_spotify_link(user_id)
        assert link is not None
        token = liner.services.tokens.decrypt(user_id, "access", link.access_token_enc)
        settings = liner.services.settings

        async def sequential_once() -> float:
            http = HttpClient(timeout=10)
            spotify = Spotify(
                http,
                client_id=settings.effective_spotify_client_id,
                client_secret=settings.effective_spotify_client_secret,
                accounts_url=settings.effective_accounts_url,
                api_url=settings.effective_api_url,
            )
            try:
                started = time.perf_counter()
                await spotify.top_artists(token, time_range="medium_term")
                await spotify.top_tracks(token, time_range="medium_term")
                return time.perf_counter() - started
            finally:
                await http.aclose()

        sequential = [asyncio.run(sequential_once()) for _ in range(args.runs)]

    def ms(values: list[float]) -> str:
        return (
            f"median {statistics.median(values) * 1000:6.1f} ms   max {max(values) * 1000:6.1f} ms"
        )

    print(f"sandbox latency per Spotify call: {args.latency_ms:.0f} ms, {args.runs} runs each")
    print(f"refresh (HTTP, concurrent fetch, store write): {ms(concurrent)}")
    print(f"the two calls one after the other (reference): {ms(sequential)}")
    ratio = statistics.median(concurrent) / statistics.median(sequential)
    print(f"refresh / sequential = {ratio:.2f}  (about 0.5 means the fetches overlap)")


if __name__ == "__main__":
    main()
