"""Publishing: the public page at /<handle>, its preview image, and its views.

A public address resolves through one small item (``PagePointer``: owner,
published, version). Every change that alters a page (publish, unpublish,
notes, name, refresh) bumps the version, so each app instance renders a page
once per version and serves it from memory afterwards; pointers are cached
for ``pointer_ttl`` seconds, so changes show everywhere within that time.
Views are counted off the render path, without the owner, previews, crawlers
and link unfurlers, or repeats from the same client within a window.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from liner import errors
from liner.domain.music import Album, Artist, Track
from liner.ports.store import Conflict, FeaturedPage, PagePointer, Store
from liner.services.clock import Clock

log = logging.getLogger(__name__)

# Crawlers, link unfurlers and preview fetchers: their visits are not views.
BOT_AGENTS = re.compile(
    r"bot\b|crawl|spider|slurp|facebookexternalhit|facebookcatalog|embedly|quora link|"
    r"whatsapp|telegram|discord|slack|skype|vkshare|pinterest|redditbot|linkedin|"
    r"preview|headless|curl/|wget/|python-|httpx|go-http|okhttp|java/|libwww|bingpreview",
    re.IGNORECASE,
)
REPEAT_WINDOW_SECONDS = 30 * 60


@dataclass(frozen=True, slots=True)
class CaptionedAlbum:
    album: Album
    caption: str | None


@dataclass(frozen=True, slots=True)
class PublicPage:
    handle: str
    version: int
    display_name: str
    bio: str | None
    artists: tuple[Artist, ...]
    albums: tuple[CaptionedAlbum, ...]
    tracks: tuple[Track, ...]
    source: str
    refreshed_at: datetime | None
    published: bool


@dataclass(frozen=True, slots=True)
class Publication:
    handle: str | None
    published: bool
    featured: bool
    has_bio: bool
    views: int
    published_at: datetime | None


PreviewMaker = Callable[[PublicPage], Awaitable[None]]


class PublishingService:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        pointer_ttl: float = 2.0,
        on_change: PreviewMaker | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._pointer_ttl = pointer_ttl
        self._pointers: dict[str, tuple[float, PagePointer | None]] = {}
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()
        self.on_change = on_change  # e.g. render and store the preview image

    # --- the owner's controls -----------------------------------------------------------

    async def publication(self, user_id: str) -> Publication:
        user, notes, music = await asyncio.gather(
            asyncio.to_thread(self._store.get_user, user_id),
            asyncio.to_thread(self._store.get_notes, user_id),
            asyncio.to_thread(self._store.get_music, user_id),
        )
        if user is None:
            raise errors.Unauthenticated()
        return Publication(
            handle=user.handle,
            published=user.published,
            featured=user.featured,
            has_bio=any(n.kind == "bio" for n in notes),
            views=music.meta.views,
            published_at=user.published_at,
        )

    async def set_publication(
        self,
        user_id: str,
        *,
        published: bool,
        featured: bool | None = None,
        confirm_no_bio: bool = False,
    ) -> Publication:
        current = await self.publication(user_id)
        if current.handle is None:
            raise errors.HandleRequired()
        if published and not current.has_bio and not confirm_no_bio:
            raise errors.BioMissing()
        try:
            pointer = await asyncio.to_thread(
                self._store.set_publication,
                user_id,
                current.handle,
                published=published,
                featured=current.featured if featured is None else featured,
                now=self._clock(),
            )
        except Conflict:
            raise errors.Conflict() from None
        self._pointers[pointer.handle] = (time.monotonic(), pointer)
        await self._after_change(pointer)
        return await self.publication(user_id)

    async def changed(self, user_id: str) -> None:
        """Something on the page changed (notes, name, music): new version, new preview."""
        user = await asyncio.to_thread(self._store.get_user, user_id)
        if user is None or user.handle is None:
            return
        pointer = await asyncio.to_thread(self._store.bump_page, user_id, user.handle)
        if pointer is not None:
            self._pointers[pointer.handle] = (time.monotonic(), pointer)
            await self._after_change(pointer)

    async def _after_change(self, pointer: PagePointer) -> None:
        if self.on_change is None or not pointer.published:
            return
        try:
            page = await self.page(pointer)
            await self.on_change(page)
        except Exception:  # a preview image is never a reason for a failed publish
            log.exception("preview image not made")

    # --- the public side -------------------------------------------------------------------

    async def resolve(self, handle: str) -> PagePointer | None:
        """The pointer for a public address: at most one small read, often none."""
        cached = self._pointers.get(handle)
        if cached is not None and time.monotonic() - cached[0] < self._pointer_ttl:
            return cached[1]
        pointer = await asyncio.to_thread(self._store.page_pointer, handle)
        if len(self._pointers) > 10_000:
            self._pointers.clear()
        self._pointers[handle] = (time.monotonic(), pointer)
        return pointer

    async def page(self, pointer: PagePointer) -> PublicPage:
        user, music, notes = await asyncio.gather(
            asyncio.to_thread(self._store.get_user, pointer.user_id),
            asyncio.to_thread(self._store.get_music, pointer.user_id),
            asyncio.to_thread(self._store.get_notes, pointer.user_id),
        )
        if user is None:
            raise errors.NotFound()
        snapshot = music.snapshot
        captions = {n.album_id: n.text for n in notes if n.kind == "caption" and n.album_id}
        bio = next((n.text for n in notes if n.kind == "bio"), None)
        return PublicPage(
            handle=pointer.handle,
            version=pointer.version,
            display_name=user.display_name,
            bio=bio,
            artists=snapshot.top_artists if snapshot else (),
            albums=tuple(CaptionedAlbum(a, captions.get(a.id)) for a in snapshot.albums)
            if snapshot
            else (),
            tracks=snapshot.tracks[:10] if snapshot else (),
            source=snapshot.source if snapshot else "spotify",
            refreshed_at=music.meta.refreshed_at,
            published=pointer.published,
        )

    async def featured(self, limit: int = 6) -> list[FeaturedPage]:
        return await asyncio.to_thread(self._store.featured_pages, limit)

    async def published_handles(self, limit: int = 50_000) -> list[str]:
        return await asyncio.to_thread(self._store.published_handles, limit)

    async def examples(self, *, include_all_published: bool, limit: int = 6) -> list[FeaturedPage]:
        """Pages for the landing page: those that opted in; on the sandbox, where every
        page is a sample listener's, any published page."""
        featured = await self.featured(limit)
        if not include_all_published or len(featured) >= limit:
            return featured
        seen = {f.handle for f in featured}
        for handle in await self.published_handles(limit * 2):
            if handle in seen or len(featured) >= limit:
                continue
            pointer = await self.resolve(handle)
            user = (
                await asyncio.to_thread(self._store.get_user, pointer.user_id) if pointer else None
            )
            if user is not None and user.published and user.published_at is not None:
                featured.append(FeaturedPage(handle, user.display_name, user.published_at))
                seen.add(handle)
        return featured

    # --- views -----------------------------------------------------------------------------

    def count_view(
        self,
        pointer: PagePointer,
        *,
        viewer_user_id: str | None,
        client: str,
        user_agent: str,
        prefetch: bool,
    ) -> bool:
        """Decide now, count later (never on the render path). Returns True if counted."""
        if viewer_user_id == pointer.user_id or prefetch or not user_agent:
            return False
        if BOT_AGENTS.search(user_agent):
            return False
        # Kept in memory only, for the window: never stored or logged.
        key = f"{pointer.handle}|{client}|{user_agent[:200]}"
        now = time.monotonic()
        while self._seen and next(iter(self._seen.values())) < now - REPEAT_WINDOW_SECONDS:
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        if len(self._seen) > 100_000:
            self._seen.popitem(last=False)
        task = asyncio.get_running_loop().create_task(self._add_view(pointer.user_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _add_view(self, user_id: str) -> None:
        try:
            await asyncio.to_thread(self._store.add_view, user_id)
        except Exception:
            log.warning("a view was not counted", exc_info=True)

    async def drain(self) -> None:
        """Wait for pending view counts (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))
