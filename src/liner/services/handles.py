"""Handles: claiming one (atomic, validated) and checking availability (rate-limited)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from liner import errors
from liner.domain.handles import InvalidHandle, problems, validate
from liner.ports.store import Conflict, HandleTaken, Store
from liner.services.clock import Clock

# Availability checks are cheap to make and say whether a name is in use, so they are
# limited per client: enough for typing in a form, too few to enumerate at speed.
AVAILABILITY_PER_MINUTE = 30


@dataclass(frozen=True, slots=True)
class Availability:
    handle: str
    available: bool
    reason: str | None  # a problem code, "taken", or None


class HandleService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self.on_change: Callable[[str], Awaitable[None]] | None = None

    async def claim(self, user_id: str, raw: str) -> str:
        try:
            handle = validate(raw)
        except InvalidHandle as exc:
            raise errors.InvalidHandle(
                " ".join(p.message for p in exc.problems),
                problems=[p.code for p in exc.problems],
            ) from None
        user = await asyncio.to_thread(self._store.get_user, user_id)
        if user is None:
            raise errors.Unauthenticated()
        if user.handle == handle:
            return handle
        try:
            await asyncio.to_thread(
                self._store.claim_handle,
                user_id,
                handle,
                previous=user.handle,
                published=user.published,
            )
        except HandleTaken:
            raise errors.HandleTaken(f"@{handle} is taken. Try another.") from None
        except Conflict:
            raise errors.Conflict(
                "Your handle changed at the same time in another window. Reload and try again."
            ) from None
        if self.on_change is not None:
            await self.on_change(user_id)
        return handle

    async def availability(self, raw: str, *, client: str, user_id: str | None) -> Availability:
        count = await asyncio.to_thread(
            self._store.count_hit, "handle-check", client, now=self._clock(), window_seconds=60
        )
        if count > AVAILABILITY_PER_MINUTE:
            raise errors.RateLimited(
                "Too many handle checks. Please wait a minute.", retry_after=60
            )
        found = problems(raw)
        normalised = raw.strip().lower()[:64]
        if found:
            return Availability(normalised, False, found[0].code)
        owner = await asyncio.to_thread(self._store.handle_owner, normalised)
        if owner is not None and owner != user_id:
            return Availability(normalised, False, "taken")
        return Availability(normalised, True, None)
