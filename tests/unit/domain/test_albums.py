"""The top-album rules from the product issue, one by one, then as properties."""

from __future__ import annotations

import itertools
import unicodedata
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liner.domain.albums import (
    album_group_key,
    dedupe_artists,
    dedupe_tracks,
    derive_albums,
    top_artists,
    top_tracks,
)
from liner.domain.music import Album, AlbumRef, Artist, ArtistRef, Track

RADIOHEAD = ArtistRef(name="Radiohead", id="ar-radiohead")
BJORK = ArtistRef(name="Björk", id="ar-bjork")
VARIOUS = ArtistRef(name="Various Artists", id="ar-various")


def album(
    album_id: str | None,
    name: str | None = None,
    *,
    album_type: str | None = "album",
    artists: tuple[ArtistRef, ...] = (RADIOHEAD,),
    image_url: str | None = None,
    release_date: str | None = None,
) -> AlbumRef:
    return AlbumRef(
        name=name if name is not None else f"Album {album_id}",
        id=album_id,
        album_type=album_type,
        artists=artists,
        image_url=image_url,
        release_date=release_date,
        url=f"https://open.example/album/{album_id}" if album_id else None,
    )


def track(
    track_id: str | None,
    on: AlbumRef | None = None,
    *,
    popularity: int | None = 50,
    uri: str | None = None,
    is_local: bool = False,
) -> Track:
    return Track(
        name=f"Track {track_id or uri}",
        id=track_id,
        uri=uri if uri is not None else (f"spotify:track:{track_id}" if track_id else None),
        album=on,
        popularity=popularity,
        is_local=is_local,
    )


def local_file(uri: str, on: AlbumRef | None = None) -> Track:
    return track(None, on, uri=uri, is_local=True, popularity=None)


def ids(albums: list[Album]) -> list[str]:
    return [a.id for a in albums]


# Rule 1: de-duplication and ranks


def test_a_track_repeated_by_id_counts_once_at_its_first_position() -> None:
    a, b = track("t1"), track("t2")
    pool = dedupe_tracks([a, b, track("t1", popularity=99), b])
    assert pool == [a, b]


def test_local_files_are_deduplicated_by_uri() -> None:
    first = local_file("spotify:local:a")
    other = local_file("spotify:local:b")
    assert dedupe_tracks([first, local_file("spotify:local:a"), other]) == [first, other]


def test_a_local_file_with_an_id_is_still_compared_by_uri() -> None:
    # A local file's id (if a client sends one) does not name a catalogue track.
    a = track("same", uri="spotify:local:a", is_local=True)
    b = track("same", uri="spotify:local:b", is_local=True)
    assert dedupe_tracks([a, b]) == [a, b]


def test_a_catalogue_track_without_an_id_is_deduplicated_by_uri() -> None:
    a = track(None, uri="spotify:track:x")
    assert dedupe_tracks([a, track(None, uri="spotify:track:x", popularity=1)]) == [a]


def test_a_track_with_neither_id_nor_uri_is_never_a_duplicate() -> None:
    a, b = Track(name="Mystery"), Track(name="Mystery")
    assert dedupe_tracks([a, b]) == [a, b]


def test_ids_and_uris_never_collide() -> None:
    by_id = track("x", uri="u1")
    by_uri = track(None, uri="x")
    assert dedupe_tracks([by_id, by_uri]) == [by_id, by_uri]


def test_ranks_are_positions_after_deduplication() -> None:
    ok = album("ok")
    tracks = [track("t1"), track("t1"), track("t1"), track("t2", ok)]
    # t2 is the 4th input but the 2nd distinct track.
    [derived] = derive_albums(tracks)
    assert derived.best_rank == 2


def test_skipped_tracks_still_take_a_rank() -> None:
    single = album("s", album_type="single")
    full = album("full")
    tracks = [track("t1", single), local_file("spotify:local:x"), track("t3", full)]
    [derived] = derive_albums(tracks)
    assert derived.best_rank == 3


def test_a_duplicate_does_not_add_to_the_track_count_or_score() -> None:
    ok = album("ok")
    tracks = [track("t1", ok, popularity=10), track("t1", ok, popularity=90)]
    [derived] = derive_albums(tracks)
    assert derived.track_count == 1
    assert derived.score == 10


# Rule 2: which tracks feed an album


def test_a_single_never_becomes_a_top_album() -> None:
    assert derive_albums([track("t1", album("s", album_type="single"))]) == []


def test_an_ep_never_becomes_a_top_album() -> None:
    assert derive_albums([track("t1", album("e", album_type="ep"))]) == []


def test_an_album_without_an_album_type_is_skipped() -> None:
    assert derive_albums([track("t1", album("n", album_type=None))]) == []


def test_an_unknown_album_type_is_skipped() -> None:
    assert derive_albums([track("t1", album("n", album_type="appears_on"))]) == []


def test_a_local_file_never_feeds_an_album() -> None:
    on_disk = album("disk")
    assert derive_albums([local_file("spotify:local:x", on_disk)]) == []


def test_an_album_without_an_id_is_skipped() -> None:
    assert derive_albums([track("t1", album(None, "Bootleg"))]) == []
    assert derive_albums([track("t1", album("", "Bootleg"))]) == []


def test_a_track_without_an_album_is_skipped() -> None:
    assert derive_albums([track("t1", None)]) == []


def test_album_type_is_case_insensitive_and_shown_in_lower_case() -> None:
    [derived] = derive_albums([track("t1", album("loud", album_type="ALBUM"))])
    assert derived.album_type == "album"


def test_compilations_are_kept() -> None:
    comp = album("comp", album_type="Compilation", artists=(VARIOUS,))
    [derived] = derive_albums([track("t1", comp)])
    assert derived.id == "comp"
    assert derived.album_type == "compilation"


# Rule 3: editions


def test_two_editions_are_one_album_shown_as_the_edition_with_most_tracks() -> None:
    original = album("ok", "OK Computer", release_date="1997", image_url="img-1997")
    deluxe = album("okd", "OK Computer", release_date="2017", image_url="img-2017")
    tracks = [
        track("t1", original, popularity=80),
        track("t2", deluxe, popularity=60),
        track("t3", deluxe, popularity=70),
    ]
    [derived] = derive_albums(tracks)
    assert derived == Album(
        id="okd",
        name="OK Computer",
        artists=(RADIOHEAD,),
        album_type="album",
        track_count=3,
        best_rank=1,
        score=Fraction(210, 3),
        image_url="img-2017",
        release_date="2017",
        url="https://open.example/album/okd",
    )


def test_on_an_edition_tie_the_one_with_the_better_ranked_track_is_shown() -> None:
    original = album("ok", "OK Computer")
    deluxe = album("okd", "OK Computer")
    tracks = [
        track("t1", deluxe),
        track("t2", original),
        track("t3", original),
        track("t4", deluxe),
    ]
    [derived] = derive_albums(tracks)
    assert derived.id == "okd"
    assert derived.track_count == 4


def test_editions_match_whatever_their_name_casing() -> None:
    tracks = [track("t1", album("a", "Kid A")), track("t2", album("b", "KID A"))]
    [derived] = derive_albums(tracks)
    assert derived.track_count == 2


def test_composed_and_decomposed_accents_are_the_same_album_name() -> None:
    composed = unicodedata.normalize("NFC", "Homogénic")
    decomposed = unicodedata.normalize("NFD", "Homogénic")
    assert composed != decomposed
    tracks = [
        track("t1", album("h1", composed, artists=(BJORK,))),
        track("t2", album("h2", decomposed, artists=(BJORK,))),
    ]
    [derived] = derive_albums(tracks)
    assert derived.track_count == 2


def test_casefolding_merges_names_that_lower_case_alone_would_not() -> None:
    tracks = [
        track("t1", album("a", "Straße", artists=(BJORK,))),
        track("t2", album("b", "STRASSE", artists=(BJORK,))),
    ]
    [derived] = derive_albums(tracks)
    assert derived.track_count == 2


def test_same_name_by_a_different_first_artist_is_a_different_album() -> None:
    tracks = [
        track("t1", album("r", "Greatest Hits", artists=(RADIOHEAD,))),
        track("t2", album("b", "Greatest Hits", artists=(BJORK,))),
    ]
    assert sorted(ids(derive_albums(tracks))) == ["b", "r"]


def test_only_the_first_artist_decides_the_group() -> None:
    tracks = [
        track("t1", album("a", "Collab", artists=(RADIOHEAD, BJORK))),
        track("t2", album("b", "Collab", artists=(RADIOHEAD,))),
    ]
    [derived] = derive_albums(tracks)
    assert derived.track_count == 2


def test_albums_without_artists_group_by_album_id_alone() -> None:
    tracks = [
        track("t1", album("a", "Untitled", artists=())),
        track("t2", album("b", "Untitled", artists=())),
        track("t3", album("a", "Untitled", artists=())),
    ]
    derived = derive_albums(tracks)
    assert [(a.id, a.track_count) for a in derived] == [("a", 2), ("b", 1)]


def test_albums_whose_first_artist_has_no_id_group_by_album_id_alone() -> None:
    anonymous = ArtistRef(name="Unknown")
    tracks = [
        track("t1", album("a", "Demo", artists=(anonymous,))),
        track("t2", album("b", "Demo", artists=(anonymous,))),
    ]
    assert sorted(ids(derive_albums(tracks))) == ["a", "b"]


def test_the_group_key_is_first_artist_id_and_normalised_name() -> None:
    assert album_group_key(album("x", "ÉTÉ", artists=(BJORK,))) == album_group_key(
        album("y", unicodedata.normalize("NFD", "été"), artists=(BJORK, RADIOHEAD))
    )
    assert album_group_key(album("x", "A", artists=())) != album_group_key(
        album("y", "A", artists=())
    )


# Rule 4: score


def test_the_score_is_the_exact_mean_popularity_across_editions() -> None:
    original, deluxe = album("ok", "OK"), album("okd", "OK")
    tracks = [
        track("t1", original, popularity=1),
        track("t2", deluxe, popularity=1),
        track("t3", deluxe, popularity=2),
    ]
    [derived] = derive_albums(tracks)
    assert derived.score == Fraction(4, 3)
    assert isinstance(derived.score, Fraction)


def test_tracks_without_popularity_are_left_out_of_the_score_but_still_counted() -> None:
    ok = album("ok")
    tracks = [track("t1", ok, popularity=None), track("t2", ok, popularity=40)]
    [derived] = derive_albums(tracks)
    assert derived.score == 40
    assert derived.track_count == 2


def test_an_album_with_no_popularity_at_all_has_no_score() -> None:
    [derived] = derive_albums([track("t1", album("ok"), popularity=None)])
    assert derived.score is None


def test_a_popularity_of_zero_is_a_score_not_a_missing_one() -> None:
    [derived] = derive_albums([track("t1", album("ok"), popularity=0)])
    assert derived.score == 0


# Rule 5: order


def test_a_higher_score_comes_first() -> None:
    low, high = album("low"), album("high")
    tracks = [track("t1", low, popularity=10), track("t2", high, popularity=90)]
    assert ids(derive_albums(tracks)) == ["high", "low"]


def test_scores_are_compared_exactly_where_floats_would_tie() -> None:
    # Means 2**53 and 2**53 + 1 are distinct Fractions but the same float;
    # a float comparison would fall through to track_count and pick "many".
    many, one = album("many"), album("one")
    big = 2**53
    assert float(Fraction(big)) == float(Fraction(big + 1))
    tracks = [
        track("t1", many, popularity=big),
        track("t2", many, popularity=big),
        track("t3", one, popularity=big + 1),
    ]
    derived = derive_albums(tracks)
    assert ids(derived) == ["one", "many"]
    assert derived[0].score == big + 1


def test_close_realistic_means_are_ordered_exactly() -> None:
    # 200/3 = 66.666..., 133/2 = 66.5, 667/10 would need ten tracks: exact comparison.
    thirds, halves, whole = album("thirds"), album("halves"), album("whole")
    tracks = [
        track("a1", thirds, popularity=66),
        track("a2", thirds, popularity=67),
        track("a3", thirds, popularity=67),
        track("b1", halves, popularity=66),
        track("b2", halves, popularity=67),
        track("c1", whole, popularity=67),
    ]
    derived = derive_albums(tracks)
    assert ids(derived) == ["whole", "thirds", "halves"]
    assert [a.score for a in derived] == [Fraction(67), Fraction(200, 3), Fraction(133, 2)]


def test_albums_without_a_score_come_last_whatever_their_track_count() -> None:
    unscored, scored = album("unscored"), album("scored")
    tracks = [
        track("t1", unscored, popularity=None),
        track("t2", unscored, popularity=None),
        track("t3", unscored, popularity=None),
        track("t4", scored, popularity=0),
    ]
    assert ids(derive_albums(tracks)) == ["scored", "unscored"]


def test_on_equal_scores_more_of_the_users_tracks_come_first() -> None:
    one, two = album("one"), album("two")
    tracks = [
        track("t1", one, popularity=50),
        track("t2", two, popularity=50),
        track("t3", two, popularity=50),
    ]
    assert ids(derive_albums(tracks)) == ["two", "one"]


def test_on_equal_scores_and_counts_the_better_ranked_album_comes_first() -> None:
    later, earlier = album("later"), album("earlier")
    tracks = [
        track("t1", earlier, popularity=50),
        track("t2", later, popularity=50),
    ]
    assert ids(derive_albums(tracks)) == ["earlier", "later"]


def test_unscored_albums_are_ordered_by_track_count_then_rank() -> None:
    a, b, c = album("a"), album("b"), album("c")
    tracks = [
        track("t1", a, popularity=None),
        track("t2", b, popularity=None),
        track("t3", c, popularity=None),
        track("t4", c, popularity=None),
    ]
    assert ids(derive_albums(tracks)) == ["c", "a", "b"]


# Rule 6: limits


def test_it_keeps_at_most_limit_albums_the_best_ones() -> None:
    tracks = [track(f"t{i}", album(f"al{i}"), popularity=i) for i in range(8)]
    assert ids(derive_albums(tracks)) == ["al7", "al6", "al5", "al4", "al3"]
    assert ids(derive_albums(tracks, limit=2)) == ["al7", "al6"]
    assert derive_albums(tracks, limit=0) == []


def test_fewer_than_limit_albums_are_returned_when_fewer_qualify() -> None:
    assert len(derive_albums([track("t1", album("a"))], limit=5)) == 1
    assert derive_albums([]) == []


def test_a_negative_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="limit"):
        derive_albums([], limit=-1)
    with pytest.raises(ValueError, match="limit"):
        top_artists([], limit=-1)
    with pytest.raises(ValueError, match="limit"):
        top_tracks([], limit=-1)


def test_top_artists_are_the_first_distinct_artists_in_order() -> None:
    names = ["a", "b", "a", "c", "d", "b", "e", "f", "g"]
    artists = [Artist(id=n, name=n.upper()) for n in names]
    assert [a.id for a in top_artists(artists)] == ["a", "b", "c", "d", "e", "f"]
    assert [a.id for a in top_artists(artists, limit=2)] == ["a", "b"]


def test_a_repeated_artist_keeps_its_first_entry() -> None:
    first = Artist(id="a", name="First", popularity=1)
    assert dedupe_artists([first, Artist(id="a", name="Second")]) == [first]


def test_top_tracks_are_the_first_of_the_deduplicated_pool() -> None:
    tracks = [track("t1"), track("t1"), track("t2"), track("t3"), track("t4")]
    assert [t.id for t in top_tracks(tracks)] == ["t1", "t2", "t3"]
    assert [t.id for t in top_tracks(tracks, limit=10)] == ["t1", "t2", "t3", "t4"]


# Properties

NAMELESS = ArtistRef(name="Nameless")
HOMOGENIC_NFD = unicodedata.normalize("NFD", "Homogénic")

# A small catalogue where editions, look-alikes and skipped kinds all occur.
CATALOGUE = [
    AlbumRef("OK Computer", "a1", "album", (RADIOHEAD,)),
    AlbumRef("ok computer", "a2", "ALBUM", (RADIOHEAD,)),  # an edition of a1
    AlbumRef("Homogénic", "a3", "album", (BJORK,)),
    AlbumRef(HOMOGENIC_NFD, "a4", "Compilation", (BJORK,)),  # an edition of a3
    AlbumRef("Homogénic", "a5", "album", (RADIOHEAD,)),  # same name, other artist
    AlbumRef("Untitled", "a6", "album", ()),
    AlbumRef("Untitled", "a7", "album", ()),
    AlbumRef("Demo", "a8", "compilation", (NAMELESS,)),
    AlbumRef("Demo", "a9", "compilation", (NAMELESS,)),
    AlbumRef("A Single", "a10", "single", (RADIOHEAD,)),
    AlbumRef("An EP", "a11", "ep", (BJORK,)),
    AlbumRef("Untyped", "a12", None, (BJORK,)),
    AlbumRef("No id", None, "album", (BJORK,)),
]

# Free-form albums too, so the properties do not rely on a tidy catalogue.
free_albums = st.builds(
    AlbumRef,
    name=st.sampled_from(["OK Computer", "OK COMPUTER", "Homogénic", HOMOGENIC_NFD, "X"]),
    id=st.sampled_from(["f1", "f2", "f3", "a1", "", None]),
    album_type=st.sampled_from(["album", "Album", "compilation", "single", "EP", None]),
    artists=st.lists(st.sampled_from([RADIOHEAD, BJORK, NAMELESS]), max_size=2).map(tuple),
)
album_refs = st.sampled_from(CATALOGUE) | free_albums


@st.composite
def tracks_(draw: st.DrawFn) -> Track:
    is_local = draw(st.booleans())
    track_id = None if is_local else draw(st.sampled_from([f"t{i}" for i in range(12)] + [None]))
    return Track(
        name="x",
        id=track_id,
        uri=draw(st.sampled_from([f"u{i}" for i in range(12)] + [None])),
        album=draw(st.none() | album_refs),
        popularity=draw(st.none() | st.integers(0, 100)),
        is_local=is_local,
    )


track_lists = st.lists(tracks_(), max_size=40)
limits = st.integers(0, 8)


def sort_key(a: Album) -> tuple[bool, Fraction, int, int]:
    return (a.score is None, -(a.score or Fraction(0)), -a.track_count, a.best_rank)


def eligible_count(tracks: list[Track]) -> int:
    return sum(
        1
        for t in dedupe_tracks(tracks)
        if not t.is_local
        and t.album is not None
        and t.album.id
        and (t.album.album_type or "").lower() in {"album", "compilation"}
    )


@given(track_lists, limits)
def test_property_it_never_returns_more_than_limit(tracks: list[Track], limit: int) -> None:
    assert len(derive_albums(tracks, limit)) <= limit


@given(track_lists, limits)
def test_property_no_two_albums_share_a_group_key(tracks: list[Track], limit: int) -> None:
    keys = [album_group_key(a) for a in derive_albums(tracks, limit)]
    assert len(keys) == len(set(keys))


@given(track_lists)
def test_property_scored_albums_precede_unscored(tracks: list[Track]) -> None:
    scored = [a.score is not None for a in derive_albums(tracks, limit=50)]
    assert scored == sorted(scored, reverse=True)


@given(track_lists)
def test_property_the_order_follows_the_sort_key(tracks: list[Track]) -> None:
    keys = [sort_key(a) for a in derive_albums(tracks, limit=50)]
    assert all(k1 < k2 for k1, k2 in itertools.pairwise(keys))


@given(track_lists, limits)
def test_property_track_counts_never_exceed_the_eligible_pool(
    tracks: list[Track], limit: int
) -> None:
    total = sum(a.track_count for a in derive_albums(tracks, limit))
    assert total <= eligible_count(tracks)


@given(track_lists)
def test_property_without_a_limit_every_eligible_track_is_counted_once(
    tracks: list[Track],
) -> None:
    total = sum(a.track_count for a in derive_albums(tracks, limit=len(tracks)))
    assert total == eligible_count(tracks)


@given(track_lists, limits)
def test_property_it_is_deterministic(tracks: list[Track], limit: int) -> None:
    assert derive_albums(tracks, limit) == derive_albums(list(tracks), limit)


@given(track_lists, limits)
def test_property_a_smaller_limit_is_a_prefix(tracks: list[Track], limit: int) -> None:
    assert derive_albums(tracks, limit) == derive_albums(tracks, limit + 3)[:limit]


@given(track_lists)
def test_property_deduplication_is_idempotent(tracks: list[Track]) -> None:
    once = dedupe_tracks(tracks)
    assert dedupe_tracks(once) == once
    assert derive_albums(once) == derive_albums(tracks)


@given(track_lists)
def test_property_each_album_shows_an_edition_the_user_listened_to(tracks: list[Track]) -> None:
    heard = {t.album.id for t in dedupe_tracks(tracks) if t.album is not None}
    for derived in derive_albums(tracks, limit=50):
        assert derived.id in heard
        assert 1 <= derived.best_rank <= len(dedupe_tracks(tracks))
