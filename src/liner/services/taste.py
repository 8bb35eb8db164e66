"""Taste: read a person's stored music, and refresh it from their music source.

Reads never call the music service once a snapshot exists. A refresh first
claims the right to refresh with a conditional write (so twenty concurrent
clicks make one pair of Spotify calls), fetches top artists and tracks
concurrently, derives the albums, and writes everything in one transaction.
A failed refresh releases the claim and leaves the previous snapshot and the
cooldown untouched.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from liner import errors
from liner.domain.albums import dedupe_artists, dedupe_tracks, derive_albums
from liner.domain.cooldown import can_refresh, format_wait, seconds_until
from liner.domain.music import Snapshot
from liner.ports.music_source import MusicSource, MusicSourceError
from liner.ports.store import ClaimLost, RefreshRefused, Store, StoredMusic
from liner.services.clock import Clock
from liner.services.errors import spotify_error
from liner.services.spotify_link import SpotifyTokens

log = logging.getLogger(__name__)

# Longer than the slowest fetch (retries and timeouts included), short enough that a
# crashed refresh does not lock a person out for long.
CLAIM_LEASE_SECONDS = 120
# A refresh gives up well before its claim lapses, so a slow one never overwrites
# a newer one (the transaction would refuse it anyway) and always answers.
FETCH_DEADLINE_SECONDS = 90
TOP_ALBUMS = 5


@dataclass(frozen=True, slots=True)
class MusicView:
    snapshot: Snapshot | None
    refreshed_at: datetime | None
    next_refresh_at: datetime | None
    now: datetime

    @property
    def can_refresh(self) -> bool:
        return can_refresh(self.now, self.next_refresh_at)

    @property
    def wait_seconds(self) -> int:
        if self.next_refresh_at is None:
            return 0
        return seconds_until(self.now, self.next_refresh_at)

    @property
    def wait_text(self) -> str:
        return format_wait(self.wait_seconds)


class TasteService:
    def __init__(
        self,
        store: Store,
        tokens: SpotifyTokens,
        source: MusicSource,
        clock: Clock,
        *,
        cooldown: timedelta,
        time_range: str = "medium_term",
    ) -> None:
        self._store = store
        self._tokens = tokens
        self._source = source
        self._clock = clock
        self._cooldown = cooldown
        self._time_range = time_range
        # Set by the bootstrap: e.g. write captions for albums new to the top 5.
        self.after_refresh: Callable[[str, Snapshot], Awaitable[None]] | None = None

    def _view(self, stored: StoredMusic) -> MusicView:
        return MusicView(
            snapshot=stored.snapshot,
            refreshed_at=stored.meta.refreshed_at,
            next_refresh_at=stored.meta.next_refresh_at,
            now=self._clock(),
        )

    async def stored(self, user_id: str) -> MusicView:
        """What the store holds, with no call to the music service."""
        return self._view(await asyncio.to_thread(self._store.get_music, user_id))

    async def music(self, user_id: str) -> MusicView:
        """The stored snapshot; the very first read (none stored yet) fetches one."""
        view = await self.stored(user_id)
        if view.snapshot is not None:
            return view
        try:
            return await self.refresh(user_id)
        except errors.Cooldown:
            # Another request is fetching the first snapshot right now.
            return await self.stored(user_id)

    async def refresh(self, user_id: str) -> MusicView:
        # Fail fast (without a claim) when the connection cannot work anyway.
        await self._tokens.link(user_id)
        now = self._clock()
        token = secrets.token_urlsafe(16)
        try:
            await asyncio.to_thread(
                self._store.claim_refresh,
                user_id,
                now=now,
                lease_seconds=CLAIM_LEASE_SECONDS,
                token=token,
            )
        except RefreshRefused as refused:
            raise self._cooldown_error(refused, now) from None
        try:
            try:
                async with asyncio.timeout(FETCH_DEADLINE_SECONDS):
                    snapshot = await self._fetch(user_id, now)
            except TimeoutError:
                raise errors.SpotifyUnavailable(
                    "Spotify took too long to answer. Please try again in a few minutes."
                ) from None
            next_at = now + self._cooldown
            try:
                await asyncio.to_thread(
                    self._store.save_snapshot,
                    user_id,
                    snapshot,
                    next_refresh_at=next_at,
                    token=token,
                )
            except ClaimLost:
                raise errors.Cooldown(
                    "Another refresh took over while this one was waiting for Spotify.",
                    retry_after=60,
                ) from None
        except BaseException:
            await asyncio.to_thread(self._store.release_refresh, user_id, token=token)
            raise
        if self.after_refresh is not None:
            try:
                await self.after_refresh(user_id, snapshot)
            except Exception:  # the refresh itself succeeded; never undo it for this
                log.exception("after-refresh step failed")
        return MusicView(snapshot=snapshot, refreshed_at=now, next_refresh_at=next_at, now=now)

    def _cooldown_error(self, refused: RefreshRefused, now: datetime) -> errors.Cooldown:
        if refused.in_progress or refused.next_refresh_at is None:
            # Come back when the running refresh must have finished (its claim lapses).
            until = refused.claim_until or now + timedelta(seconds=CLAIM_LEASE_SECONDS)
            return errors.Cooldown(
                "Your music is being refreshed right now. It will show here in a moment.",
                retry_after=max(1, seconds_until(now, max(until, now))),
            )
        wait = seconds_until(now, refused.next_refresh_at)
        return errors.Cooldown(
            f"Your music was refreshed recently. Next refresh in {format_wait(wait)}.",
            retry_after=max(1, wait),
        )

    async def _fetch(self, user_id: str, now: datetime) -> Snapshot:
        async def both(access_token: str) -> Snapshot:
            # Concurrent: a refresh costs about one call's latency, not two.
            # return_exceptions: both calls finish before we decide, so no task is orphaned.
            artists, tracks = await asyncio.gather(
                self._source.top_artists(access_token, time_range=self._time_range),
                self._source.top_tracks(access_token, time_range=self._time_range),
                return_exceptions=True,
            )
            if isinstance(artists, BaseException):
                raise artists
            if isinstance(tracks, BaseException):
                raise tracks
            pool = dedupe_tracks(tracks)
            return Snapshot(
                artists=tuple(dedupe_artists(artists)),
                albums=tuple(derive_albums(pool, limit=TOP_ALBUMS)),
                tracks=tuple(pool),
                refreshed_at=now,
                source=self._source.name,
                time_range=self._time_range,
            )

        try:
            return await self._tokens.call(user_id, both)
        except MusicSourceError as exc:
            log.info("refresh for a user failed: %s", type(exc).__name__)
            raise spotify_error(exc) from None
