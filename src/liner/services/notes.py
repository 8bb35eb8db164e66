"""Liner notes: a short bio and one caption per top album.

Every text, whoever wrote it, goes through ``liner.domain.notes``. A writer's
text that breaks the rules is sent back with the violations named, at most
twice; text that still fails is never stored and the previous text stays.
A person's own edits are checked too and refused with the reasons. Captions
are written concurrently, with a bound. Generations count against a daily
per-person quota; each call's token usage is logged.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from liner import errors
from liner.domain.music import Snapshot
from liner.domain.notes import check, check_edit, names_in
from liner.ports.store import Note, Store
from liner.ports.writer import (
    NoteKind,
    NoteRequest,
    Writer,
    WriterError,
    WriterTimeout,
    WriterUnavailable,
)
from liner.services.clock import Clock

log = logging.getLogger(__name__)

MAX_RETRIES = 2
CAPTION_CONCURRENCY = 3
What = Literal["all", "bio", "captions"]


@dataclass(frozen=True, slots=True)
class NotesView:
    bio: Note | None
    captions: dict[str, Note]  # by album id: every stored caption, current albums or not
    album_ids: list[str]  # the current top albums, in order
    problems: list[str]  # what could not be written this time, in words


class NotesService:
    def __init__(
        self,
        store: Store,
        writer: Writer,
        clock: Clock,
        *,
        daily_limit: int = 30,
        concurrency: int = CAPTION_CONCURRENCY,
    ) -> None:
        self._concurrency = concurrency
        self.on_change: Callable[[str], Awaitable[None]] | None = None
        self._store = store
        self._writer = writer
        self._clock = clock
        self._daily_limit = daily_limit

    # --- reading ---------------------------------------------------------------------

    async def notes(self, user_id: str, problems: list[str] | None = None) -> NotesView:
        stored, music = await asyncio.gather(
            asyncio.to_thread(self._store.get_notes, user_id),
            asyncio.to_thread(self._store.get_music, user_id),
        )
        album_ids = [a.id for a in music.snapshot.albums] if music.snapshot else []
        return NotesView(
            bio=next((n for n in stored if n.kind == "bio"), None),
            captions={n.album_id: n for n in stored if n.kind == "caption" and n.album_id},
            album_ids=album_ids,
            problems=problems or [],
        )

    async def _snapshot(self, user_id: str) -> Snapshot:
        music = await asyncio.to_thread(self._store.get_music, user_id)
        if music.snapshot is None or not (music.snapshot.albums or music.snapshot.artists):
            raise errors.NoMusicYet()
        return music.snapshot

    async def _display_name(self, user_id: str) -> str:
        user = await asyncio.to_thread(self._store.get_user, user_id)
        if user is None:
            raise errors.Unauthenticated()
        return user.display_name

    async def _spend_quota(self, user_id: str) -> None:
        used = await asyncio.to_thread(
            self._store.count_hit, "writer", user_id, now=self._clock(), window_seconds=86400
        )
        if used > self._daily_limit:
            raise errors.QuotaReached(retry_after=86400 - int(self._clock().timestamp()) % 86400)

    async def _changed(self, user_id: str) -> None:
        if self.on_change is not None:
            await self.on_change(user_id)

    # --- writing -----------------------------------------------------------------------

    async def _write(
        self,
        kind: NoteKind,
        snapshot: Snapshot,
        display_name: str,
        *,
        album_id: str | None = None,
        seed: int,
    ) -> str:
        """One text that passes the rules, or NotesRejected / WriterFailed."""
        names = names_in(snapshot)
        feedback: tuple[str, ...] = ()
        previous: str | None = None
        for attempt in range(MAX_RETRIES + 1):
            request = NoteRequest(
                kind=kind,
                snapshot=snapshot,
                display_name=display_name,
                album_id=album_id,
                seed=seed + attempt,
                feedback=feedback,
                previous=previous,
            )
            try:
                written = await self._writer.write(request)
            except WriterTimeout:
                raise errors.WriterFailed(
                    "The writer took too long to answer. Please try again."
                ) from None
            except WriterUnavailable as exc:
                raise errors.WriterFailed(f"The writer is not available right now: {exc}") from None
            except WriterError as exc:
                raise errors.NotesRejected(str(exc)) from None
            log.info(
                "writer %s wrote a %s: %d input and %d output tokens (model %s, attempt %d)",
                self._writer.name,
                kind,
                written.input_tokens,
                written.output_tokens,
                written.model or "-",
                attempt + 1,
            )
            text = written.text.strip()
            violations = check(text, kind=kind, names=names)
            if not violations:
                return text
            feedback = tuple(v.message for v in violations)
            previous = text
        what = "bio" if kind == "bio" else "caption"
        raise errors.NotesRejected(
            f"The writer's {what} kept breaking the rules ({'; '.join(feedback)}). "
            "The previous text stays."
        )

    async def generate(
        self, user_id: str, what: What = "all", *, replace_edits: bool = False
    ) -> NotesView:
        snapshot = await self._snapshot(user_id)
        current = await self.notes(user_id)
        targets: list[tuple[NoteKind, str | None]] = []
        if what in ("all", "bio"):
            targets.append(("bio", None))
        if what in ("all", "captions"):
            targets += [("caption", album.id) for album in snapshot.albums]
        await self._refuse_lost_edits(current, targets, replace_edits)
        await self._spend_quota(user_id)
        return await self._write_all(user_id, snapshot, current, targets)

    async def regenerate_caption(
        self, user_id: str, album_id: str, *, replace_edits: bool = False
    ) -> NotesView:
        snapshot = await self._snapshot(user_id)
        if album_id not in {a.id for a in snapshot.albums}:
            raise errors.NotFound("That album is not one of your top albums.")
        current = await self.notes(user_id)
        targets: list[tuple[NoteKind, str | None]] = [("caption", album_id)]
        await self._refuse_lost_edits(current, targets, replace_edits)
        await self._spend_quota(user_id)
        view = await self._write_all(user_id, snapshot, current, targets)
        if view.problems:
            raise errors.NotesRejected(view.problems[0])
        return view

    async def write_missing_captions(self, user_id: str, snapshot: Snapshot) -> None:
        """After a refresh: captions for albums that have none. Only for people who
        already have notes; failures are logged, never the refresh's problem."""
        current = await self.notes(user_id)
        if current.bio is None and not current.captions:
            return
        targets: list[tuple[NoteKind, str | None]] = [
            ("caption", a.id) for a in snapshot.albums if a.id not in current.captions
        ]
        if targets:
            view = await self._write_all(user_id, snapshot, current, targets)
            for problem in view.problems:
                log.warning("automatic caption not written: %s", problem)

    async def _refuse_lost_edits(
        self,
        current: NotesView,
        targets: list[tuple[NoteKind, str | None]],
        replace_edits: bool,
    ) -> None:
        if replace_edits:
            return
        for kind, album_id in targets:
            note = current.bio if kind == "bio" else current.captions.get(album_id or "")
            if note is not None and note.origin == "edited":
                raise errors.EditWouldBeLost(
                    "This would replace text you edited. Send replace_edits to confirm."
                    if kind == "bio"
                    else "This would replace a caption you edited. Confirm to replace it."
                )

    async def _write_all(
        self,
        user_id: str,
        snapshot: Snapshot,
        current: NotesView,
        targets: list[tuple[NoteKind, str | None]],
    ) -> NotesView:
        display_name = await self._display_name(user_id)
        # One text per item, even if a source lists an album twice.
        targets = list(dict.fromkeys(targets))
        seed = secrets.randbits(32)  # regenerating gives another version
        limit = asyncio.Semaphore(self._concurrency)

        async def one(index: int, kind: NoteKind, album_id: str | None) -> str:
            async with limit:
                return await self._write(
                    kind, snapshot, display_name, album_id=album_id, seed=seed + 7919 * index
                )

        results = await asyncio.gather(
            *(one(i, kind, album_id) for i, (kind, album_id) in enumerate(targets)),
            return_exceptions=True,
        )
        now = self._clock()
        written: list[Note] = []
        problems: list[str] = []
        unavailable: errors.WriterFailed | None = None
        for (kind, album_id), result in zip(targets, results, strict=True):
            if isinstance(result, errors.WriterFailed):
                unavailable = result
                continue
            if isinstance(result, errors.LinerError):
                problems.append(result.message)
                continue
            if isinstance(result, BaseException):
                raise result
            written.append(
                Note(
                    kind=kind,
                    album_id=album_id,
                    text=result,
                    origin="generated",
                    updated_at=now,
                    generated_text=result,
                    generated_at=now,
                )
            )
        if written:
            await asyncio.to_thread(self._store.put_notes, user_id, written)
            await self._changed(user_id)
        if unavailable is not None and not written:
            raise unavailable
        if unavailable is not None:
            problems.append(unavailable.message)
        if problems and not written:
            raise errors.NotesRejected(problems[0])
        return await self.notes(user_id, problems)

    # --- a person's own words --------------------------------------------------------

    async def edit(
        self, user_id: str, *, bio: str | None, captions: Mapping[str, str]
    ) -> NotesView:
        snapshot = await self._snapshot(user_id)
        current = await self.notes(user_id)
        names = names_in(snapshot)
        known_albums = {a.id for a in snapshot.albums} | set(current.captions)
        reasons: dict[str, list[str]] = {}
        now = self._clock()
        changed: list[Note] = []
        if bio is not None:
            text = bio.strip()
            problems = check_edit(text, kind="bio", names=names)
            if problems:
                reasons["bio"] = [p.message for p in problems]
            else:
                changed.append(_edited(current.bio, "bio", None, text, now))
        for album_id, raw in captions.items():
            if album_id not in known_albums:
                reasons[f"captions.{album_id}"] = ["That album is not one of your top albums."]
                continue
            text = raw.strip()
            problems = check_edit(text, kind="caption", names=names)
            if problems:
                reasons[f"captions.{album_id}"] = [p.message for p in problems]
            else:
                changed.append(
                    _edited(current.captions.get(album_id), "caption", album_id, text, now)
                )
        if reasons:
            summary = " ".join(msg for messages in reasons.values() for msg in messages)
            raise errors.EditRejected(f"Nothing was saved. {summary}", reasons=reasons)
        if changed:
            await asyncio.to_thread(self._store.put_notes, user_id, changed)
            await self._changed(user_id)
        return await self.notes(user_id)

    async def revert(self, user_id: str) -> NotesView:
        """Every edited text goes back to its last generated version."""
        current = await self.notes(user_id)
        now = self._clock()
        notes = [current.bio, *current.captions.values()]
        reverted = [
            replace(n, text=n.generated_text, origin="generated", updated_at=now)
            for n in notes
            if n is not None and n.origin == "edited" and n.generated_text
        ]
        if reverted:
            await asyncio.to_thread(self._store.put_notes, user_id, reverted)
            await self._changed(user_id)
        return await self.notes(user_id)


def _edited(
    previous: Note | None, kind: str, album_id: str | None, text: str, now: datetime
) -> Note:
    if previous is not None and previous.text == text:
        return previous
    return Note(
        kind=kind,
        album_id=album_id,
        text=text,
        origin="edited",
        updated_at=now,
        generated_text=previous.generated_text if previous else None,
        generated_at=previous.generated_at if previous else None,
    )
