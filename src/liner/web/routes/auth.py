"""Sign in with Spotify (OAuth 2 authorization code + PKCE) and sign out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from liner.web.context import (
    SESSION_COOKIE,
    STATE_COOKIE,
    OptionalSession,
    ServicesDep,
    check_csrf,
)

router = APIRouter(include_in_schema=False)


@router.get("/auth/spotify")
async def start_spotify(services: ServicesDep) -> RedirectResponse:
    start = await services.accounts.start_spotify_sign_in()
    response = RedirectResponse(start.url, status_code=303)
    response.set_cookie(
        STATE_COOKIE,
        start.state,
        max_age=600,
        path="/auth",
        httponly=True,
        samesite="lax",  # sent on the top-level redirect back from Spotify
        secure=services.settings.secure_cookies,
    )
    return response


@router.get("/auth/spotify/callback")
async def spotify_callback(
    request: Request,
    services: ServicesDep,
    state: str | None = None,
    code: str | None = None,
    error: str | None = None,
) -> RedirectResponse:
    started = await services.accounts.finish_spotify_sign_in(
        state=state[:200] if state else None,
        browser_state=request.cookies.get(STATE_COOKIE),
        code=code[:2000] if code else None,
        error=error[:100] if error else None,
    )
    response = RedirectResponse("/dashboard", status_code=303)
    response.delete_cookie(STATE_COOKIE, path="/auth")
    response.set_cookie(
        SESSION_COOKIE,
        started.cookie_value,
        max_age=services.settings.session_days * 86400,
        path="/",
        httponly=True,
        samesite="lax",
        secure=services.settings.secure_cookies,
    )
    return response


@router.post("/auth/sign-out")
async def sign_out(
    request: Request,
    services: ServicesDep,
    session: OptionalSession,
    csrf_token: Annotated[str | None, Form()] = None,
) -> RedirectResponse:
    if session is not None:
        check_csrf(session, csrf_token)
        await services.accounts.end_session(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
