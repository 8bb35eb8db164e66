"""The versioned JSON API. Every answer is ``{"data": ..., "error": null}`` or
``{"data": null, "error": {"code", "message", ...}}`` with a matching status."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from liner.web import presenters
from liner.web.context import CsrfSession, RequiredSession, ServicesDep

router = APIRouter(prefix="/api/v1", tags=["v1"])


class Envelope(BaseModel):
    data: Any
    error: None = None


def ok(data: Any) -> dict[str, Any]:
    return {"data": data, "error": None}


@router.get("/me", response_model=Envelope, summary="Who is signed in")
async def get_me(services: ServicesDep, session: RequiredSession) -> dict[str, Any]:
    me = await services.accounts.me(session.user_id)
    return ok(presenters.me(me, session.csrf_token))


@router.get("/me/music", response_model=Envelope, summary="Top artists, albums and tracks")
async def get_music(services: ServicesDep, session: RequiredSession) -> dict[str, Any]:
    view = await services.taste.music(session.user_id)
    return ok(presenters.music(view))


@router.post(
    "/me/music/refresh",
    response_model=Envelope,
    summary="Fetch fresh data from Spotify (once per cooldown); needs X-CSRF-Token",
)
async def refresh_music(services: ServicesDep, session: CsrfSession) -> dict[str, Any]:
    view = await services.taste.refresh(session.user_id)
    return ok(presenters.music(view))
