"""A person's profile and their rights over their data: name, export, deletion."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from liner import errors
from liner.ports.store import Store, User
from liner.services.clock import Clock

DISPLAY_NAME_MAX = 100
# Stored attributes that are secrets or internal bookkeeping: never exported.
_NEVER_EXPORTED = {"access_token_enc", "refresh_token_enc", "csrf_token", "claim_token", "ttl"}


def clean_display_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise errors.InvalidInput("Enter a display name.", field="display_name")
    if len(name) > DISPLAY_NAME_MAX:
        raise errors.InvalidInput(
            f"Keep the display name to {DISPLAY_NAME_MAX} characters.", field="display_name"
        )
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in name):
        raise errors.InvalidInput("The display name has control characters.", field="display_name")
    return name


class ProfileService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self.on_change: Callable[[str], Awaitable[None]] | None = None

    async def set_display_name(self, user_id: str, raw: str) -> User:
        name = clean_display_name(raw)
        user = await asyncio.to_thread(self._store.set_display_name, user_id, name)
        if self.on_change is not None:
            await self.on_change(user_id)
        return user

    async def export(self, user_id: str) -> dict[str, Any]:
        """Everything Liner holds about the person, without secrets, as plain JSON."""
        items = await asyncio.to_thread(self._store.user_items, user_id)
        by_sk = {str(item["sk"]): item for item in items}
        profile = by_sk.get("PROFILE")
        if profile is None:
            raise errors.Unauthenticated()
        spotify = by_sk.get("SPOTIFY")

        def music(sk: str) -> Any:
            item = by_sk.get(sk)
            return json.loads(str(item["data"])) if item and item.get("data") else []

        meta = by_sk.get("PROFILE#METADATA", {})
        sessions = [
            {
                "device": item.get("device"),
                "created_at": item.get("created_at"),
                "last_seen": item.get("last_seen"),
                "expires_at": item.get("expires_at"),
            }
            for sk, item in sorted(by_sk.items())
            if sk.startswith("SESSION#")
        ]
        content = {
            sk: {k: v for k, v in item.items() if k not in _NEVER_EXPORTED and k not in ("pk",)}
            for sk, item in by_sk.items()
            if sk.startswith("CONTENT#")
        }
        return {
            "profile": {
                "id": profile.get("id"),
                "display_name": profile.get("display_name"),
                "handle": profile.get("handle"),
                "created_at": profile.get("created_at"),
            },
            "linked_accounts": {
                "spotify": (
                    {
                        "id": spotify.get("spotify_id"),
                        "connected_at": spotify.get("connected_at"),
                        "scope": spotify.get("scope"),
                        "needs_reconnect": bool(spotify.get("needs_reconnect")),
                    }
                    if spotify
                    else None
                ),
                "google": {"subject": profile["google_sub"]} if profile.get("google_sub") else None,
                "email": profile.get("email"),
            },
            "music": {
                "refreshed_at": meta.get("refreshed_at"),
                "next_refresh_at": meta.get("next_refresh_at"),
                "artists": music("MUSIC#ARTISTS"),
                "albums": music("MUSIC#ALBUMS"),
                "tracks": music("MUSIC#TRACKS"),
            },
            "notes": content,
            "sessions": sessions,
            "exported_at": self._clock().isoformat(timespec="seconds"),
        }

    async def delete_account(self, user_id: str) -> None:
        await asyncio.to_thread(self._store.delete_user, user_id)
