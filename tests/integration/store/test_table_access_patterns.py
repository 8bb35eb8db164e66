"""Liner's access patterns over every backend: round trips, atomic refresh, in-place metadata."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from liner.adapters.store.table import METADATA, Table, user_key
from liner.domain.music import Album, AlbumRef, Artist, ArtistRef, Snapshot, Track
from liner.ports.items import ItemStore, Update
from liner.ports.store import ClaimLost, PendingSignIn, RefreshRefused, Session, User

# Real time: backends hide items whose ttl has passed in real time.
NOW = datetime.now(UTC).replace(microsecond=0)
DAY = timedelta(days=1)


def snapshot(at: datetime, suffix: str = "") -> Snapshot:
    ref = ArtistRef("Sigur Rós", "sr")
    album = AlbumRef("Ágætis byrjun", "ab", "album", (ref,), "https://i/ab.jpg", "1999")
    return Snapshot(
        artists=(Artist("sr", "Sigur Rós", genres=("post-rock",), popularity=61),),
        albums=(
            Album("ab", "Ágætis byrjun", (ref,), "album", 2, 1, Fraction(121, 2), None, "1999"),
        ),
        tracks=(
            Track("Svefn-g-englar" + suffix, "t1", "spotify:track:t1", (ref,), album, 60),
            Track("Starálfur", "t2", "spotify:track:t2", (ref,), album, 61),
            Track("Demo", None, "spotify:local:x", (ref,), None, None, is_local=True),
        ),
        refreshed_at=at,
    )


@pytest.fixture
def table(item_store: ItemStore) -> Table:
    return Table(item_store)


def refresh(table: Table, user: str, at: datetime, snap: Snapshot, token: str = "t") -> None:
    table.claim_refresh(user, now=at, lease_seconds=120, token=token)
    table.save_snapshot(user, snap, next_refresh_at=at + DAY, token=token)


def test_a_snapshot_round_trips_exactly_and_reads_in_one_round_trip(table: Table) -> None:
    refresh(table, "alice", NOW, snapshot(NOW))
    before = table.round_trips()
    stored = table.get_music("alice")
    assert table.round_trips() - before == 1
    assert stored.snapshot == snapshot(NOW)
    assert stored.snapshot.albums[0].score == Fraction(121, 2)
    assert stored.meta.refreshed_at == NOW
    assert stored.meta.next_refresh_at == NOW + DAY


def test_a_refresh_costs_two_round_trips(table: Table) -> None:
    before = table.round_trips()
    refresh(table, "alice", NOW, snapshot(NOW))
    assert table.round_trips() - before == 2


def test_nobody_has_music_before_their_first_refresh(table: Table) -> None:
    stored = table.get_music("bob")
    assert stored.snapshot is None
    assert stored.meta.next_refresh_at is None


def test_a_claim_inside_the_cooldown_is_refused_with_when_to_come_back(table: Table) -> None:
    refresh(table, "alice", NOW, snapshot(NOW))
    with pytest.raises(RefreshRefused) as refused:
        table.claim_refresh("alice", now=NOW + DAY / 2, lease_seconds=120, token="u")
    assert refused.value.next_refresh_at == NOW + DAY
    assert not refused.value.in_progress
    table.claim_refresh("alice", now=NOW + DAY, lease_seconds=120, token="u")


def test_a_live_claim_blocks_another_until_its_lease_ends(table: Table) -> None:
    table.claim_refresh("alice", now=NOW, lease_seconds=120, token="a")
    with pytest.raises(RefreshRefused) as refused:
        table.claim_refresh("alice", now=NOW + timedelta(seconds=60), lease_seconds=120, token="b")
    assert refused.value.in_progress
    # A crashed refresh does not lock the person out for long.
    table.claim_refresh("alice", now=NOW + timedelta(seconds=121), lease_seconds=120, token="c")
    with pytest.raises(ClaimLost):
        table.save_snapshot("alice", snapshot(NOW), next_refresh_at=NOW + DAY, token="a")
    assert table.get_music("alice").snapshot is None


def test_a_released_claim_starts_no_cooldown(table: Table) -> None:
    refresh(table, "alice", NOW, snapshot(NOW))
    later = NOW + 2 * DAY
    table.claim_refresh("alice", now=later, lease_seconds=120, token="fail")
    table.release_refresh("alice", token="fail")
    assert table.get_music("alice").snapshot == snapshot(NOW)
    table.claim_refresh("alice", now=later, lease_seconds=120, token="again")


def test_refresh_metadata_is_updated_in_place_so_a_view_counter_survives(
    table: Table, item_store: ItemStore
) -> None:
    refresh(table, "alice", NOW, snapshot(NOW))
    item_store.write(Update(user_key("alice", METADATA), add={"views": 41}))
    item_store.write(Update(user_key("alice", METADATA), add={"views": 1}))
    for day in (1, 2, 3):
        refresh(table, "alice", NOW + day * DAY, snapshot(NOW + day * DAY, f" {day}"), f"t{day}")
    meta = item_store.get(user_key("alice", METADATA))
    assert meta is not None
    assert meta["views"] == 42
    assert table.get_music("alice").snapshot == snapshot(NOW + 3 * DAY, " 3")


def test_one_users_refresh_never_touches_another_users_music(table: Table) -> None:
    refresh(table, "alice", NOW, snapshot(NOW, " a"))
    refresh(table, "bob", NOW, snapshot(NOW, " b"))
    assert table.get_music("alice").snapshot == snapshot(NOW, " a")
    assert table.get_music("bob").snapshot == snapshot(NOW, " b")


def test_who_is_due_for_a_refresh_is_an_index_query(table: Table) -> None:
    refresh(table, "alice", NOW, snapshot(NOW))
    refresh(table, "bob", NOW + DAY / 2, snapshot(NOW))
    assert table.users_due_for_refresh(NOW) == []
    assert table.users_due_for_refresh(NOW + DAY) == ["alice"]
    assert table.users_due_for_refresh(NOW + 2 * DAY) == ["alice", "bob"]


def test_a_spotify_account_belongs_to_one_user(table: Table) -> None:
    from liner.ports.store import IdentityTaken

    table.create_user(User("u1", "Alice", NOW, spotify_id="sp-alice"))
    with pytest.raises(IdentityTaken):
        table.create_user(User("u2", "Mallory", NOW, spotify_id="sp-alice"))
    assert table.get_user("u2") is None
    found = table.find_user_by_spotify_id("sp-alice")
    assert found is not None and found.id == "u1"


def test_sessions_expire_even_before_the_ttl_sweeper_runs(table: Table) -> None:
    table.create_session(Session("h1", "u1", "csrf", NOW, NOW + DAY))
    assert table.get_session("h1", NOW) is not None
    assert table.get_session("h1", NOW + 2 * DAY) is None
    table.delete_session("h1")
    assert table.get_session("h1", NOW) is None


def test_a_pending_sign_in_is_taken_once(table: Table) -> None:
    table.put_pending_sign_in(PendingSignIn("s1", "verifier", NOW + timedelta(minutes=10)))
    taken = table.take_pending_sign_in("s1", NOW)
    assert taken is not None and taken.code_verifier == "verifier"
    assert table.take_pending_sign_in("s1", NOW) is None


def test_an_expired_pending_sign_in_is_refused(table: Table) -> None:
    table.put_pending_sign_in(PendingSignIn("s2", "verifier", NOW + timedelta(minutes=10)))
    assert table.take_pending_sign_in("s2", NOW + timedelta(minutes=11)) is None
