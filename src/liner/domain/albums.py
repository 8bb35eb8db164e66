"""Top albums derived from a person's top tracks, and the short "top" lists.

Contract (the product rules, in order):

1. De-duplication: a track counts once, at its first position. Tracks are the
   same when they share an ``id``; local files and tracks without an ``id``
   are compared by ``uri`` instead. A track with neither is never a duplicate.
   A track's *rank* is its 1-based position in the de-duplicated pool (local
   files and singles keep their place in that pool, so they still take a rank).
2. A track feeds an album only when it is not a local file, its album has an
   ``id``, and the album's ``album_type`` (any casing) is ``album`` or
   ``compilation``. Singles, EPs and a missing ``album_type`` are skipped.
3. Editions are one album: tracks group by (id of the album's first artist,
   album name NFC-normalised and casefolded). An album with no artists, or
   whose first artist has no id, groups by its album id alone, so it never
   merges with anything it cannot be proven to match. The album shown is the
   edition (album id) holding most of the person's tracks; on a tie, the
   edition whose best track ranks higher. Its fields come from the
   ``AlbumRef`` of that edition's best-ranked track; ``album_type`` is
   lower-cased.
4. ``score`` is the exact mean popularity of the group's tracks (all
   editions) as a ``Fraction``; tracks without popularity are left out, and a
   group with none has ``score=None``.
5. Order: scored albums first; higher score first (exact ``Fraction``
   comparison); then larger ``track_count`` (all editions); then lower
   ``best_rank``. Ranks are unique, so the order is total and deterministic.
6. ``limit`` albums are kept (fewer if fewer qualify).

Pure: standard library only, no I/O.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from liner.domain.music import Album, AlbumRef, Artist, Track

__all__ = [
    "album_group_key",
    "dedupe_artists",
    "dedupe_tracks",
    "derive_albums",
    "top_artists",
    "top_tracks",
]

_ALBUM_TYPES = frozenset({"album", "compilation"})


def _check_limit(limit: int) -> None:
    if limit < 0:
        raise ValueError(f"limit must not be negative, got {limit}")


def _track_key(track: Track) -> tuple[str, str] | None:
    """What makes two tracks "the same"; None when nothing identifies the track."""
    # Local files have no catalogue id worth trusting; their uri names the file.
    if track.id is not None and not track.is_local:
        return ("id", track.id)
    if track.uri is not None:
        return ("uri", track.uri)
    return None


def dedupe_tracks(tracks: Iterable[Track]) -> list[Track]:
    """The tracks in order, each duplicate kept once at its first position."""
    seen: set[tuple[str, str]] = set()
    pool: list[Track] = []
    for track in tracks:
        key = _track_key(track)
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        pool.append(track)
    return pool


def _normalise_name(name: str) -> str:
    # NFC first so composed and decomposed accents casefold alike; NFC again
    # because casefolding can itself produce decomposed sequences.
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def album_group_key(album: AlbumRef | Album) -> tuple[str, ...]:
    """The key under which editions of one album are grouped (rule 3).

    Accepts the shown ``Album`` too: every edition in a group shares this key,
    so the key of a derived album is the key of its group.
    """
    if album.artists and album.artists[0].id is not None:
        return ("artist", album.artists[0].id, _normalise_name(album.name))
    # Without a first-artist id we cannot tell two same-named albums apart,
    # so only the album id itself is trusted.
    return ("album", album.id or "")


@dataclass
class _Edition:
    id: str
    album_type: str  # already lower-cased
    ref: AlbumRef  # from this edition's best-ranked (first-seen) track
    best_rank: int
    track_count: int = 0


@dataclass
class _Group:
    best_rank: int
    track_count: int = 0
    popularity_sum: int = 0
    popularity_count: int = 0
    editions: dict[str, _Edition] = field(default_factory=dict)

    def add(self, candidate: _Edition, rank: int, popularity: int | None) -> None:
        self.track_count += 1
        self.best_rank = min(self.best_rank, rank)
        if popularity is not None:
            self.popularity_sum += popularity
            self.popularity_count += 1
        # The first track seen of an edition is its best-ranked, so its ref is kept.
        edition = self.editions.setdefault(candidate.id, candidate)
        edition.track_count += 1

    def to_album(self) -> Album:
        shown = min(self.editions.values(), key=lambda e: (-e.track_count, e.best_rank))
        ref = shown.ref
        score = (
            Fraction(self.popularity_sum, self.popularity_count) if self.popularity_count else None
        )
        return Album(
            id=shown.id,
            name=ref.name,
            artists=ref.artists,
            album_type=shown.album_type,
            track_count=self.track_count,
            best_rank=self.best_rank,
            score=score,
            image_url=ref.image_url,
            release_date=ref.release_date,
            url=ref.url,
        )


def _edition_of(track: Track, rank: int) -> _Edition | None:
    """The edition the track would feed, or None when rule 2 skips the track."""
    album = track.album
    if track.is_local or album is None or not album.id or album.album_type is None:
        return None
    album_type = album.album_type.lower()
    if album_type not in _ALBUM_TYPES:
        return None
    return _Edition(id=album.id, album_type=album_type, ref=album, best_rank=rank)


def _order(album: Album) -> tuple[bool, Fraction, int, int]:
    # Negating a Fraction is exact, so ordering never depends on float rounding.
    return (
        album.score is None,
        -album.score if album.score is not None else Fraction(0),
        -album.track_count,
        album.best_rank,
    )


def derive_albums(tracks: Sequence[Track], limit: int = 5) -> list[Album]:
    """The person's top albums, best first, at most ``limit`` of them."""
    _check_limit(limit)
    groups: dict[tuple[str, ...], _Group] = {}
    for rank, track in enumerate(dedupe_tracks(tracks), start=1):
        edition = _edition_of(track, rank)
        if edition is None:
            continue
        key = album_group_key(edition.ref)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(best_rank=rank)
        group.add(edition, rank, track.popularity)
    albums = sorted((group.to_album() for group in groups.values()), key=_order)
    return albums[:limit]


def dedupe_artists(artists: Iterable[Artist]) -> list[Artist]:
    """The artists in order, each id kept once at its first position."""
    seen: set[str] = set()
    unique: list[Artist] = []
    for artist in artists:
        if artist.id in seen:
            continue
        seen.add(artist.id)
        unique.append(artist)
    return unique


def top_artists(artists: Sequence[Artist], limit: int = 6) -> list[Artist]:
    """The first ``limit`` distinct artists, in the service's order."""
    _check_limit(limit)
    return dedupe_artists(artists)[:limit]


def top_tracks(tracks: Sequence[Track], limit: int = 3) -> list[Track]:
    """The first ``limit`` tracks of the de-duplicated pool."""
    _check_limit(limit)
    return dedupe_tracks(tracks)[:limit]
