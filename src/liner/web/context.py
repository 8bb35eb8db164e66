"""Request-scoped access to the services, the session, and CSRF checks."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from liner import errors
from liner.bootstrap import Services
from liner.ports.store import Session

SESSION_COOKIE = "liner_session"
STATE_COOKIE = "liner_oauth_state"
FORM_COOKIE = "liner_form"  # double-submit token for forms shown before sign-in
CSRF_HEADER = "X-CSRF-Token"


async def get_services(request: Request) -> Services:  # async: no thread-pool hop
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def optional_session(request: Request, services: ServicesDep) -> Session | None:
    if "liner.session" not in request.scope:
        cookie = request.cookies.get(SESSION_COOKIE)
        request.scope["liner.session"] = await services.accounts.session(cookie)
    session: Session | None = request.scope["liner.session"]
    return session


OptionalSession = Annotated[Session | None, Depends(optional_session)]


async def required_session(session: OptionalSession) -> Session:
    if session is None:
        raise errors.Unauthenticated()
    return session


RequiredSession = Annotated[Session, Depends(required_session)]


def client_key(request: Request) -> str:
    """Who is asking, for rate limits: the client address (uvicorn resolves trusted proxies)."""
    return request.client.host if request.client else "unknown"


def user_agent(request: Request) -> str:
    return request.headers.get("user-agent", "")[:512]


def check_form_token(request: Request, token: str | None) -> None:
    """Forms shown to signed-out people carry the value of a cookie set with the form."""
    cookie = request.cookies.get(FORM_COOKIE)
    if (
        not token
        or not cookie
        or len(token) > 200
        or not hmac.compare_digest(
            token.encode("utf-8", "surrogatepass"), cookie.encode("utf-8", "surrogatepass")
        )
    ):
        raise errors.CsrfFailed()


def check_csrf(session: Session, token: str | None) -> None:
    if (
        not token
        or len(token) > 200
        or not hmac.compare_digest(
            token.encode("utf-8", "surrogatepass"), session.csrf_token.encode()
        )
    ):
        raise errors.CsrfFailed()


async def api_csrf(request: Request, session: RequiredSession) -> Session:
    """For state-changing API calls: the session's token in the X-CSRF-Token header."""
    check_csrf(session, request.headers.get(CSRF_HEADER))
    return session


CsrfSession = Annotated[Session, Depends(api_csrf)]
