"""Liner notes on the dashboard: write, edit, regenerate, revert (plain forms)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from liner import errors
from liner.ports.store import Session
from liner.web.context import OptionalSession, ServicesDep, check_csrf
from liner.web.routes.dashboard import render_dashboard

router = APIRouter(include_in_schema=False)


async def _notes_action(
    request: Request,
    services: ServicesDep,
    session: Session | None,
    csrf_token: str | None,
    action: Callable[[Session], Awaitable[object]],
    *,
    confirm: dict[str, str] | None = None,
) -> Response:
    if session is None:
        return RedirectResponse("/", status_code=303)
    check_csrf(session, csrf_token)
    try:
        await action(session)
    except errors.LinerError as problem:
        return await render_dashboard(
            request,
            services,
            session.user_id,
            session.csrf_token,
            problem=problem,
            confirm=confirm if problem.code == "edit_would_be_lost" else None,
        )
    return RedirectResponse("/dashboard#notes", status_code=303)


@router.post("/dashboard/notes/generate")
async def generate(
    request: Request,
    services: ServicesDep,
    session: OptionalSession,
    what: Annotated[str, Form(max_length=20)] = "all",
    replace_edits: Annotated[bool, Form()] = False,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    if what not in ("all", "bio", "captions"):
        raise errors.InvalidInput("Choose what to write: all, bio or captions.")
    return await _notes_action(
        request,
        services,
        session,
        csrf_token,
        lambda s: services.notes.generate(s.user_id, what, replace_edits=replace_edits),  # type: ignore[arg-type]
        confirm={"action": "/dashboard/notes/generate", "what": what},
    )


@router.post("/dashboard/notes/captions/{album_id}/regenerate")
async def regenerate_caption(
    request: Request,
    services: ServicesDep,
    session: OptionalSession,
    album_id: Annotated[str, Path(max_length=64)],
    replace_edits: Annotated[bool, Form()] = False,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    return await _notes_action(
        request,
        services,
        session,
        csrf_token,
        lambda s: services.notes.regenerate_caption(
            s.user_id, album_id, replace_edits=replace_edits
        ),
        confirm={"action": f"/dashboard/notes/captions/{album_id}/regenerate"},
    )


@router.post("/dashboard/notes/edit")
async def edit(
    request: Request,
    services: ServicesDep,
    session: OptionalSession,
    text: Annotated[str, Form(max_length=5000)] = "",
    album_id: Annotated[str | None, Form(max_length=64)] = None,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    return await _notes_action(
        request,
        services,
        session,
        csrf_token,
        lambda s: services.notes.edit(
            s.user_id,
            bio=None if album_id else text,
            captions={album_id: text} if album_id else {},
        ),
    )


@router.post("/dashboard/notes/revert")
async def revert(
    request: Request,
    services: ServicesDep,
    session: OptionalSession,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    return await _notes_action(
        request, services, session, csrf_token, lambda s: services.notes.revert(s.user_id)
    )
