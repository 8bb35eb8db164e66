"""Onboarding (claim a handle) and settings: name, handle, connections, sessions, data."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from liner import errors
from liner.ports.store import Session
from liner.web.context import SESSION_COOKIE, OptionalSession, ServicesDep, check_csrf
from liner.web.pages import page

router = APIRouter(include_in_schema=False)


def _back(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


# --- onboarding ----------------------------------------------------------------------


@router.get("/welcome")
async def welcome(request: Request, services: ServicesDep, session: OptionalSession) -> Response:
    if session is None:
        return _back("/")
    me = await services.accounts.me(session.user_id)
    if me.user.handle:
        return _back("/dashboard")
    return page(request, "welcome.html", me=me, csrf_token=session.csrf_token, problem=None)


@router.post("/welcome")
async def claim_first_handle(
    request: Request,
    services: ServicesDep,
    session: OptionalSession,
    handle: Annotated[str, Form(max_length=100)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    if session is None:
        return _back("/")
    check_csrf(session, csrf_token)
    try:
        await services.handles.claim(session.user_id, handle)
    except (errors.InvalidHandle, errors.HandleTaken, errors.Conflict) as problem:
        me = await services.accounts.me(session.user_id)
        return page(
            request,
            "welcome.html",
            status=problem.status,
            me=me,
            csrf_token=session.csrf_token,
            problem=problem,
            tried=handle[:100],
        )
    return _back("/dashboard")


# --- settings ------------------------------------------------------------------------


async def _settings(
    request: Request,
    services: ServicesDep,
    session: Session,
    *,
    problem: errors.LinerError | None = None,
    notice: str | None = None,
) -> Response:
    me = await services.accounts.me(session.user_id)
    sessions = await services.accounts.sessions(session.user_id)
    return page(
        request,
        "settings.html",
        status=problem.status if problem else 200,
        me=me,
        sessions=sessions,
        current=session.id_hash,
        csrf_token=session.csrf_token,
        problem=problem,
        notice=notice,
        google_enabled=services.accounts.google_enabled,
    )


@router.get("/settings")
async def settings(request: Request, services: ServicesDep, session: OptionalSession) -> Response:
    if session is None:
        return _back("/")
    return await _settings(request, services, session)


async def _act(
    request: Request,
    services: ServicesDep,
    session: Session | None,
    csrf_token: str | None,
    action: Callable[[Session], Awaitable[object]],
    *,
    notice: str,
) -> Response:
    """Check the session and its CSRF token, then run the action for that session."""
    if session is None:
        return _back("/")
    check_csrf(session, csrf_token)
    try:
        await action(session)
    except errors.LinerError as problem:
        return await _settings(request, services, session, problem=problem)
    return await _settings(request, services, session, notice=notice)


@router.post("/settings/display-name")
async def change_display_name(
    request: Request,
    services: ServicesDep,
    session: OptionalSession,
    display_name: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    return await _act(
        request,
        services,
        session,
        csrf_token,
        lambda s: services.profile.set_display_name(s.user_id, display_name),
        notice="Your display name is saved.",
    )


@router.post("/settings/handle")
async def change_handle(
    request: Request,
    services: ServicesDep,
    session: OptionalSession,
    handle: Annotated[str, Form(max_length=100)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    return await _act(
        request,
        services,
        session,
        csrf_token,
        lambda s: services.handles.claim(s.user_id, handle),
        notice="Your handle is changed.",
    )


@router.post("/settings/spotify/disconnect")
async def disconnect_spotify(
    request: Request,
    services: ServicesDep,
    session: OptionalSession,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    return await _act(
        request,
        services,
        session,
        csrf_token,
        lambda s: services.accounts.disconnect_spotify(s.user_id),
        notice="Spotify is disconnected. Your music stays on Liner until you delete it.",
    )


@router.post("/settings/sessions/{session_id}/sign-out")
async def end_one_session(
    request: Request,
    services: ServicesDep,
    session: OptionalSession,
    session_id: str,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    if session is not None and session_id == session.id_hash:
        check_csrf(session, csrf_token)
        await services.accounts.end_session(request.cookies.get(SESSION_COOKIE))
        response = _back("/")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
    return await _act(
        request,
        services,
        session,
        csrf_token,
        lambda s: services.accounts.end_session_by_id(s.user_id, session_id[:128]),
        notice="Signed out there.",
    )


@router.post("/settings/sessions/sign-out-everywhere")
async def end_every_session(
    request: Request,
    services: ServicesDep,
    session: OptionalSession,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    if session is None:
        return _back("/")
    check_csrf(session, csrf_token)
    await services.accounts.end_all_sessions(session.user_id)
    response = _back("/")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/settings/export")
async def export(services: ServicesDep, session: OptionalSession) -> Response:
    if session is None:
        return _back("/")
    data = await services.profile.export(session.user_id)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="liner-export.json"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/settings/delete")
async def delete_account(
    request: Request,
    services: ServicesDep,
    session: OptionalSession,
    confirm: Annotated[str, Form(max_length=100)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    if session is None:
        return _back("/")
    check_csrf(session, csrf_token)
    if confirm.strip().lower() != "delete":
        problem = errors.InvalidInput("Type delete to confirm. Nothing was deleted.")
        return await _settings(request, services, session, problem=problem)
    await services.profile.delete_account(session.user_id)
    response = page(request, "deleted.html")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
