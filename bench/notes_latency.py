"""How long a full set of liner notes takes with a model adding latency to every call.

Usage: .venv/bin/python bench/notes_latency.py [--latency-ms 300] [--runs 5]

A fake OpenAI-compatible model runs on 127.0.0.1 and sleeps on every call; the
real OpenAI-compatible writer and the notes service write a bio and five
captions (six calls) into an in-memory store. Calls run with the service's
concurrency bound (3); the same work one call at a time is the reference.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta

import _paths  # noqa: F401
from liner.adapters.store.memory import MemoryItemStore
from liner.adapters.store.table import Table
from liner.adapters.writer.openai_compat import OpenAICompatWriter
from liner.ports.store import User
from liner.sandbox.models import FakeModelPeer
from liner.services.notes import CAPTION_CONCURRENCY, NotesService
from store_round_trips import realistic_snapshot
from support.live_server import serve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency-ms", type=float, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    # A well-behaved model: every answer names an artist from the snapshot and follows
    # the rules, so the figures measure latency, not retries.
    peer = FakeModelPeer(default_reply=lambda _: "Artist Number 0 and the Orchestra, heard often.")
    peer.latency = args.latency_ms / 1000
    now = datetime.now(UTC)
    with serve(peer.app()) as url:

        async def once(concurrency: int) -> float:
            table = Table(MemoryItemStore())
            table.create_user(User("bench", "Maren Solberg", now))
            snapshot = realistic_snapshot(now)
            table.claim_refresh("bench", now=now, lease_seconds=60, token="t")
            table.save_snapshot(
                "bench", snapshot, next_refresh_at=now + timedelta(days=1), token="t"
            )
            writer = OpenAICompatWriter(
                "bench-model", base_url=url + "/v1", api_key=None, timeout=10, max_tokens=300
            )
            notes = NotesService(
                table, writer, lambda: now, daily_limit=1000, concurrency=concurrency
            )
            try:
                started = time.perf_counter()
                view = await notes.generate("bench", "all")
                elapsed = time.perf_counter() - started
            finally:
                await writer.aclose()
            assert view.bio is not None and len(view.captions) == len(snapshot.albums), (
                view.problems
            )
            return elapsed

        bounded = [asyncio.run(once(CAPTION_CONCURRENCY)) for _ in range(args.runs)]
        serial = [asyncio.run(once(1)) for _ in range(args.runs)]
        calls = len(peer.requests) // (2 * args.runs)

    print(f"fake model latency: {args.latency_ms:.0f} ms per call; {calls} calls per full set")
    print(
        f"concurrent (bound {CAPTION_CONCURRENCY}): median "
        f"{statistics.median(bounded) * 1000:7.1f} ms  max {max(bounded) * 1000:7.1f} ms"
    )
    print(
        f"one call at a time (reference): median "
        f"{statistics.median(serial) * 1000:7.1f} ms  max {max(serial) * 1000:7.1f} ms"
    )


if __name__ == "__main__":
    main()
