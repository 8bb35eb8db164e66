"""What a person listens to, as Liner understands it.

Everything a music service may omit (popularity, genres, images, album ids for
local files) is optional here, so the rest of the code cannot forget it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class ArtistRef:
    """An artist as credited on a track or album."""

    name: str
    id: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Artist:
    """One of a person's top artists."""

    id: str
    name: str
    image_url: str | None = None
    genres: tuple[str, ...] = ()
    popularity: int | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class AlbumRef:
    """The album a track belongs to, as the music service describes it."""

    name: str
    id: str | None = None
    album_type: str | None = None  # "album", "single", "compilation", "ep"; any casing
    artists: tuple[ArtistRef, ...] = ()
    image_url: str | None = None
    release_date: str | None = None  # "1997", "1997-05" or "1997-05-21"
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Track:
    """One of a person's top tracks, in the service's order."""

    name: str
    id: str | None = None
    uri: str | None = None
    artists: tuple[ArtistRef, ...] = ()
    album: AlbumRef | None = None
    popularity: int | None = None
    is_local: bool = False
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Album:
    """A top album derived from a person's top tracks."""

    id: str
    name: str
    artists: tuple[ArtistRef, ...]
    album_type: str
    track_count: int  # how many of the person's top tracks are on it (all editions)
    best_rank: int  # 1-based rank of its best track in the de-duplicated pool
    score: Fraction | None = None  # exact mean popularity; None when no track had one
    image_url: str | None = None
    release_date: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A person's stored listening at one moment: what a refresh writes atomically."""

    artists: tuple[Artist, ...]  # de-duplicated, in the service's order
    albums: tuple[Album, ...]  # ranked top albums (at most 5)
    tracks: tuple[Track, ...]  # the whole de-duplicated pool (up to 50), in order
    refreshed_at: datetime
    source: str = "spotify"
    time_range: str = "medium_term"
    top_artist_count: int = field(default=6, compare=False)
    top_track_count: int = field(default=3, compare=False)

    @property
    def top_artists(self) -> tuple[Artist, ...]:
        return self.artists[: self.top_artist_count]

    @property
    def top_tracks(self) -> tuple[Track, ...]:
        return self.tracks[: self.top_track_count]
