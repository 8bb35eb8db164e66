"""JSON encoding of the music snapshot for storage.

Explicit field-by-field mapping in both directions: stored JSON is never
splatted into a dataclass, so an unexpected key can't become an attribute.
The exact album score is stored as a numerator/denominator pair.
"""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

from liner.domain.music import Album, AlbumRef, Artist, ArtistRef, Track

Json = dict[str, Any]


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _opt_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _ref_to_json(ref: ArtistRef) -> Json:
    return {"name": ref.name, "id": ref.id, "url": ref.url}


def _ref_from_json(data: Json) -> ArtistRef:
    return ArtistRef(
        name=str(data["name"]), id=_opt_str(data.get("id")), url=_opt_str(data.get("url"))
    )


def artist_to_json(a: Artist) -> Json:
    return {
        "id": a.id,
        "name": a.name,
        "image_url": a.image_url,
        "genres": list(a.genres),
        "popularity": a.popularity,
        "url": a.url,
    }


def artist_from_json(d: Json) -> Artist:
    return Artist(
        id=str(d["id"]),
        name=str(d["name"]),
        image_url=_opt_str(d.get("image_url")),
        genres=tuple(str(g) for g in d.get("genres") or ()),
        popularity=_opt_int(d.get("popularity")),
        url=_opt_str(d.get("url")),
    )


def _album_ref_to_json(a: AlbumRef) -> Json:
    return {
        "name": a.name,
        "id": a.id,
        "album_type": a.album_type,
        "artists": [_ref_to_json(r) for r in a.artists],
        "image_url": a.image_url,
        "release_date": a.release_date,
        "url": a.url,
    }


def _album_ref_from_json(d: Json) -> AlbumRef:
    return AlbumRef(
        name=str(d["name"]),
        id=_opt_str(d.get("id")),
        album_type=_opt_str(d.get("album_type")),
        artists=tuple(_ref_from_json(r) for r in d.get("artists") or ()),
        image_url=_opt_str(d.get("image_url")),
        release_date=_opt_str(d.get("release_date")),
        url=_opt_str(d.get("url")),
    )


def track_to_json(t: Track) -> Json:
    return {
        "name": t.name,
        "id": t.id,
        "uri": t.uri,
        "artists": [_ref_to_json(r) for r in t.artists],
        "album": _album_ref_to_json(t.album) if t.album else None,
        "popularity": t.popularity,
        "is_local": t.is_local,
        "url": t.url,
    }


def track_from_json(d: Json) -> Track:
    album = d.get("album")
    return Track(
        name=str(d["name"]),
        id=_opt_str(d.get("id")),
        uri=_opt_str(d.get("uri")),
        artists=tuple(_ref_from_json(r) for r in d.get("artists") or ()),
        album=_album_ref_from_json(album) if isinstance(album, dict) else None,
        popularity=_opt_int(d.get("popularity")),
        is_local=bool(d.get("is_local", False)),
        url=_opt_str(d.get("url")),
    )


def album_to_json(a: Album) -> Json:
    return {
        "id": a.id,
        "name": a.name,
        "artists": [_ref_to_json(r) for r in a.artists],
        "album_type": a.album_type,
        "track_count": a.track_count,
        "best_rank": a.best_rank,
        "score": [a.score.numerator, a.score.denominator] if a.score is not None else None,
        "image_url": a.image_url,
        "release_date": a.release_date,
        "url": a.url,
    }


def album_from_json(d: Json) -> Album:
    score = d.get("score")
    return Album(
        id=str(d["id"]),
        name=str(d["name"]),
        artists=tuple(_ref_from_json(r) for r in d.get("artists") or ()),
        album_type=str(d.get("album_type") or "album"),
        track_count=int(d["track_count"]),
        best_rank=int(d["best_rank"]),
        score=Fraction(int(score[0]), int(score[1])) if score else None,
        image_url=_opt_str(d.get("image_url")),
        release_date=_opt_str(d.get("release_date")),
        url=_opt_str(d.get("url")),
    )


def dumps(items: list[Json]) -> str:
    # Compact and non-ASCII kept as is: smaller items, readable in the SQLite file.
    return json.dumps(items, ensure_ascii=False, separators=(",", ":"))


def loads(text: str) -> list[Json]:
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError("expected a JSON list")
    return [d for d in data if isinstance(d, dict)]
