"""Signing in and out: Spotify (sign in or connect), Google, and email links."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from liner.services.accounts import SignInStart, StartedSession
from liner.web.context import (
    FORM_COOKIE,
    SESSION_COOKIE,
    STATE_COOKIE,
    OptionalSession,
    ServicesDep,
    check_csrf,
    check_form_token,
    client_key,
    user_agent,
)
from liner.web.pages import page

router = APIRouter(include_in_schema=False)


def _to_provider(services: ServicesDep, start: SignInStart) -> RedirectResponse:
    response = RedirectResponse(start.url, status_code=303)
    response.set_cookie(
        STATE_COOKIE,
        start.state,
        max_age=600,
        path="/auth",
        httponly=True,
        samesite="lax",  # sent on the top-level redirect back from the provider
        secure=services.settings.secure_cookies,
    )
    return response


async def _signed_in(
    request: Request, services: ServicesDep, started: StartedSession
) -> RedirectResponse:
    # Rotation: whatever session this browser had ends; the new id is brand new.
    await services.accounts.end_session(request.cookies.get(SESSION_COOKIE))
    me = await services.accounts.me(started.session.user_id)
    target = "/dashboard" if me.user.handle else "/welcome"
    response = RedirectResponse(target, status_code=303)
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


def _clip(value: str | None, limit: int) -> str | None:
    return value[:limit] if value else None


# --- Spotify -------------------------------------------------------------------------


@router.get("/auth/spotify")
async def start_spotify(services: ServicesDep, session: OptionalSession) -> RedirectResponse:
    # Signed in already: this connects (or reconnects) Spotify to that account.
    link_to = session.user_id if session else None
    return _to_provider(services, await services.accounts.start_spotify_sign_in(link_to=link_to))


@router.get("/auth/spotify/callback")
async def spotify_callback(
    request: Request,
    services: ServicesDep,
    session: OptionalSession,
    state: str | None = None,
    code: str | None = None,
    error: str | None = None,
) -> RedirectResponse:
    started = await services.accounts.finish_spotify(
        state=_clip(state, 200),
        browser_state=request.cookies.get(STATE_COOKIE),
        code=_clip(code, 2000),
        error=_clip(error, 100),
        current_user_id=session.user_id if session else None,
        user_agent=user_agent(request),
    )
    if started is None:  # connected to the signed-in account
        response = RedirectResponse("/dashboard", status_code=303)
        response.delete_cookie(STATE_COOKIE, path="/auth")
        return response
    return await _signed_in(request, services, started)


# --- Google --------------------------------------------------------------------------


@router.get("/auth/google")
async def start_google(services: ServicesDep) -> RedirectResponse:
    return _to_provider(services, await services.accounts.start_google_sign_in())


@router.get("/auth/google/callback")
async def google_callback(
    request: Request,
    services: ServicesDep,
    state: str | None = None,
    code: str | None = None,
    error: str | None = None,
) -> RedirectResponse:
    started = await services.accounts.finish_google(
        state=_clip(state, 200),
        browser_state=request.cookies.get(STATE_COOKIE),
        code=_clip(code, 2000),
        error=_clip(error, 100),
        user_agent=user_agent(request),
    )
    return await _signed_in(request, services, started)


# --- email link ----------------------------------------------------------------------


def _with_form_token(
    request: Request, services: ServicesDep, name: str, **context: Any
) -> Response:
    token = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(24)
    response = page(request, name, form_token=token, **context)
    response.set_cookie(
        FORM_COOKIE,
        token,
        max_age=3600,
        path="/auth",
        httponly=True,
        samesite="lax",
        secure=services.settings.secure_cookies,
    )
    return response


@router.get("/auth/email")
async def email_form(request: Request, services: ServicesDep) -> Response:
    return _with_form_token(request, services, "email_sign_in.html", sent=False, email="")


@router.post("/auth/email")
async def email_send(
    request: Request,
    services: ServicesDep,
    email: Annotated[str, Form(max_length=320)] = "",
    form_token: Annotated[str | None, Form()] = None,
) -> Response:
    check_form_token(request, form_token)
    await services.email_sign_in.send_link(email, client=client_key(request))
    # The same answer whether or not the address has an account.
    return _with_form_token(request, services, "email_sign_in.html", sent=True, email=email)


@router.get("/auth/email/confirm")
async def email_confirm_page(request: Request, services: ServicesDep, token: str = "") -> Response:
    pending = await services.email_sign_in.pending(token[:200])
    return _with_form_token(
        request,
        services,
        "email_confirm.html",
        token=token[:200],
        email=pending.email if pending else None,
    )


@router.post("/auth/email/confirm")
async def email_confirm(
    request: Request,
    services: ServicesDep,
    token: Annotated[str, Form(max_length=200)] = "",
    form_token: Annotated[str | None, Form()] = None,
) -> Response:
    check_form_token(request, form_token)
    started = await services.email_sign_in.confirm(token, user_agent=user_agent(request))
    return await _signed_in(request, services, started)


# --- sign out ------------------------------------------------------------------------


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
