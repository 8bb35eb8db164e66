"""Domain objects to JSON-ready dicts for the API (explicit fields, never a dump)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from liner.domain.music import Album, Artist, Track
from liner.ports.store import Note, Session
from liner.services.accounts import Me
from liner.services.notes import NotesView
from liner.services.publishing import Publication
from liner.services.taste import MusicView


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def me(view: Me, csrf_token: str) -> dict[str, Any]:
    return {
        "id": view.user.id,
        "display_name": view.user.display_name,
        "handle": view.user.handle,
        "email": view.user.email,
        "google": {"connected": view.user.google_sub is not None},
        "spotify": {
            "connected": view.spotify_connected,
            "needs_reconnect": view.spotify_needs_reconnect,
        },
        "csrf_token": csrf_token,
    }


def artist(a: Artist) -> dict[str, Any]:
    return {"id": a.id, "name": a.name, "image_url": a.image_url, "genres": list(a.genres)}


def album(a: Album) -> dict[str, Any]:
    return {
        "id": a.id,
        "name": a.name,
        "artists": [r.name for r in a.artists],
        "image_url": a.image_url,
        "album_type": a.album_type,
        "score": round(float(a.score), 4) if a.score is not None else None,
        "track_count": a.track_count,
    }


def track(t: Track) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "artists": [r.name for r in t.artists],
        "album": t.album.name if t.album else None,
        "is_local": t.is_local,
    }


def music(view: MusicView) -> dict[str, Any]:
    snap = view.snapshot
    return {
        "artists": [artist(a) for a in snap.top_artists] if snap else [],
        "albums": [album(a) for a in snap.albums] if snap else [],
        "tracks": [track(t) for t in snap.top_tracks] if snap else [],
        "refreshed_at": iso(view.refreshed_at),
        "next_refresh_at": iso(view.next_refresh_at),
    }


def session(s: Session, *, current: str) -> dict[str, Any]:
    return {
        "id": s.id_hash,
        "device": s.device or "Unknown device",
        "created_at": iso(s.created_at),
        "last_seen": iso(s.last_seen),
        "expires_at": iso(s.expires_at),
        "current": s.id_hash == current,
    }


def note(n: Note | None) -> dict[str, Any] | None:
    if n is None:
        return None
    return {
        "text": n.text,
        "origin": n.origin,
        "updated_at": iso(n.updated_at),
        "generated_at": iso(n.generated_at),
        "can_revert": n.origin == "edited" and bool(n.generated_text),
    }


def notes(view: NotesView) -> dict[str, Any]:
    return {
        "bio": note(view.bio),
        "captions": {album_id: note(n) for album_id, n in view.captions.items()},
        "albums": view.album_ids,
        "problems": view.problems,
    }


def publication(view: Publication, base_url: str) -> dict[str, Any]:
    return {
        "handle": view.handle,
        "published": view.published,
        "featured": view.featured,
        "has_bio": view.has_bio,
        "views": view.views,
        "published_at": iso(view.published_at),
        "url": f"{base_url}/{view.handle}" if view.handle and view.published else None,
    }
