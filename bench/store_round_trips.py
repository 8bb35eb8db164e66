"""Store round trips (and time) per snapshot read and per refresh, on SQLite and DynamoDB.

Usage: .venv/bin/python bench/store_round_trips.py [--reads 200]
DynamoDB runs against moto's server on 127.0.0.1 (its real wire protocol), so
its times show protocol and serialisation cost, not AWS network latency.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import _paths  # noqa: F401
from liner.adapters.store.dynamodb import DynamoDbItemStore
from liner.adapters.store.sqlite import SqliteItemStore
from liner.adapters.store.table import Table
from liner.domain.albums import dedupe_tracks, derive_albums
from liner.domain.music import AlbumRef, Artist, ArtistRef, Snapshot, Track
from liner.ports.items import ItemStore
from support.moto_server import moto_server, use_fake_aws_credentials


def realistic_snapshot(now: datetime) -> Snapshot:
    """50 artists and a 50-track pool with long-ish names, like a real refresh."""
    artists = [
        Artist(
            id=f"artist{i:02d}xxxxxxxxxxxxxxx",
            name=f"Artist Number {i} and the Orchestra",
            image_url=f"https://i.example/artist/{i}.jpg",
            genres=("art pop", "nordic folk"),
            popularity=40 + i % 50,
        )
        for i in range(50)
    ]
    tracks = []
    for i in range(50):
        a = artists[i % 9]  # each album has one artist, as in real data
        album = AlbumRef(
            name=f"Album {i % 9} (Deluxe Edition)",
            id=f"album{i % 9:02d}xxxxxxxxxxxxxxxx",
            album_type="album",
            artists=(ArtistRef(a.name, a.id),),
            image_url=f"https://i.example/album/{i % 9}.jpg",
            release_date="2001-05-21",
        )
        tracks.append(
            Track(
                name=f"Track {i} — a song with a longer title",
                id=f"track{i:02d}xxxxxxxxxxxxxxxx",
                uri=f"spotify:track:track{i:02d}",
                artists=(ArtistRef(a.name, a.id),),
                album=album,
                popularity=30 + (i * 7) % 60,
            )
        )
    pool = dedupe_tracks(tracks)
    return Snapshot(
        artists=tuple(artists),
        albums=tuple(derive_albums(pool)),
        tracks=tuple(pool),
        refreshed_at=now,
    )


@contextmanager
def backends() -> Iterator[list[tuple[str, Callable[[], ItemStore]]]]:
    use_fake_aws_credentials()
    with tempfile.TemporaryDirectory() as tmp, moto_server() as endpoint:

        def sqlite() -> ItemStore:
            return SqliteItemStore(Path(tmp) / f"{uuid.uuid4().hex}.sqlite3")

        def dynamodb() -> ItemStore:
            store = DynamoDbItemStore(f"bench-{uuid.uuid4().hex[:8]}", endpoint_url=endpoint)
            store.create_table()
            return store

        yield [("sqlite", sqlite), ("dynamodb (moto)", dynamodb)]


def measure(name: str, make: Callable[[], ItemStore], reads: int) -> None:
    table = Table(make())
    now = datetime(2026, 11, 25, tzinfo=UTC)
    user = "bench-user"
    snapshot = realistic_snapshot(now)

    refresh_trips, refresh_times = [], []
    for i in range(20):
        moment = now + timedelta(days=i)
        before = table.round_trips()
        started = time.perf_counter()
        table.claim_refresh(user, now=moment, lease_seconds=120, token=f"t{i}")
        table.save_snapshot(
            user, snapshot, next_refresh_at=moment + timedelta(days=1), token=f"t{i}"
        )
        refresh_times.append(time.perf_counter() - started)
        refresh_trips.append(table.round_trips() - before)

    read_trips, read_times = [], []
    for _ in range(reads):
        before = table.round_trips()
        started = time.perf_counter()
        stored = table.get_music(user)
        read_times.append(time.perf_counter() - started)
        read_trips.append(table.round_trips() - before)
        assert stored.snapshot is not None and len(stored.snapshot.tracks) == 50

    def ms(values: list[float]) -> str:
        q = statistics.quantiles(values, n=100)
        return f"p50 {q[49] * 1000:6.2f} ms  p99 {q[98] * 1000:6.2f} ms"

    print(
        f"{name:16s} read:    {statistics.mean(read_trips):.0f} round trip(s)   {ms(read_times)}"
        f"   ({reads} reads)"
    )
    print(
        f"{name:16s} refresh: {statistics.mean(refresh_trips):.0f} round trip(s)   "
        f"{ms(refresh_times)}   (claim + transaction, {len(refresh_times)} refreshes)"
    )
    close = getattr(table.items, "close", None)
    if callable(close):
        close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reads", type=int, default=200)
    args = parser.parse_args()
    with backends() as choices:
        for name, make in choices:
            measure(name, make, args.reads)


if __name__ == "__main__":
    main()
