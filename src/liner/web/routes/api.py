"""The versioned JSON API. Every answer is ``{"data": ..., "error": null}`` or
``{"data": null, "error": {"code", "message", ...}}`` with a matching status."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from liner import errors
from liner.web import presenters
from liner.web.context import (
    SESSION_COOKIE,
    CsrfSession,
    OptionalSession,
    RequiredSession,
    ServicesDep,
    client_key,
)

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


# --- profile, handle, sessions, data ---------------------------------------------------


class DisplayNameIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: str = Field(max_length=1000)


class HandleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    handle: str = Field(max_length=100)


class DeleteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    confirm: bool = Field(description="Must be true: deleting an account cannot be undone.")


@router.patch("/me", response_model=Envelope, summary="Change your display name")
async def patch_me(
    body: DisplayNameIn, services: ServicesDep, session: CsrfSession
) -> dict[str, Any]:
    await services.profile.set_display_name(session.user_id, body.display_name)
    me = await services.accounts.me(session.user_id)
    return ok(presenters.me(me, session.csrf_token))


@router.put("/me/handle", response_model=Envelope, summary="Claim or change your handle")
async def put_handle(body: HandleIn, services: ServicesDep, session: CsrfSession) -> dict[str, Any]:
    handle = await services.handles.claim(session.user_id, body.handle)
    return ok({"handle": handle})


@router.get(
    "/handles/{handle}", response_model=Envelope, summary="Is a handle free? (rate-limited)"
)
async def handle_availability(
    handle: Annotated[str, Path(max_length=100)],
    request: Request,
    services: ServicesDep,
    session: OptionalSession,
) -> dict[str, Any]:
    result = await services.handles.availability(
        handle, client=client_key(request), user_id=session.user_id if session else None
    )
    return ok({"handle": result.handle, "available": result.available, "reason": result.reason})


@router.get("/me/sessions", response_model=Envelope, summary="Where you are signed in")
async def list_sessions(services: ServicesDep, session: RequiredSession) -> dict[str, Any]:
    sessions = await services.accounts.sessions(session.user_id)
    return ok([presenters.session(s, current=session.id_hash) for s in sessions])


@router.delete("/me/sessions/{session_id}", response_model=Envelope, summary="Sign out there")
async def end_session(
    session_id: Annotated[str, Path(max_length=128)],
    services: ServicesDep,
    session: CsrfSession,
) -> dict[str, Any]:
    await services.accounts.end_session_by_id(session.user_id, session_id)
    return ok({"ended": 1})


@router.delete("/me/sessions", response_model=Envelope, summary="Sign out everywhere")
async def end_all_sessions(services: ServicesDep, session: CsrfSession) -> dict[str, Any]:
    ended = await services.accounts.end_all_sessions(session.user_id)
    return ok({"ended": ended})


@router.delete("/me/spotify", response_model=Envelope, summary="Disconnect Spotify")
async def disconnect_spotify(services: ServicesDep, session: CsrfSession) -> dict[str, Any]:
    await services.accounts.disconnect_spotify(session.user_id)
    me = await services.accounts.me(session.user_id)
    return ok(presenters.me(me, session.csrf_token))


@router.get("/me/export", response_model=Envelope, summary="Everything Liner holds about you")
async def export(services: ServicesDep, session: RequiredSession) -> dict[str, Any]:
    return ok(await services.profile.export(session.user_id))


@router.delete("/me", response_model=Envelope, summary="Delete your account and all its data")
async def delete_me(
    body: DeleteIn, services: ServicesDep, session: CsrfSession, response: Response
) -> dict[str, Any]:
    if not body.confirm:
        raise errors.InvalidInput('Send {"confirm": true} to delete the account.')
    await services.profile.delete_account(session.user_id)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return ok({"deleted": True})


# --- liner notes -----------------------------------------------------------------------


class GenerateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    what: Literal["all", "bio", "captions"] = "all"
    replace_edits: bool = False


class RegenerateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    replace_edits: bool = False


class NotesEditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bio: str | None = Field(default=None, max_length=5000)
    captions: dict[Annotated[str, Field(max_length=64)], Annotated[str, Field(max_length=2000)]] = (
        Field(default_factory=dict, max_length=50)
    )


@router.get("/me/notes", response_model=Envelope, summary="Your bio and album captions")
async def get_notes(services: ServicesDep, session: RequiredSession) -> dict[str, Any]:
    return ok(presenters.notes(await services.notes.notes(session.user_id)))


@router.post("/me/notes/generate", response_model=Envelope, summary="Write liner notes")
async def generate_notes(
    services: ServicesDep, session: CsrfSession, body: GenerateIn | None = None
) -> dict[str, Any]:
    body = body or GenerateIn()
    view = await services.notes.generate(
        session.user_id, body.what, replace_edits=body.replace_edits
    )
    return ok(presenters.notes(view))


@router.post(
    "/me/notes/captions/{album_id}/regenerate",
    response_model=Envelope,
    summary="Write one album's caption again",
)
async def regenerate_caption(
    album_id: Annotated[str, Path(max_length=64)],
    services: ServicesDep,
    session: CsrfSession,
    body: RegenerateIn | None = None,
) -> dict[str, Any]:
    body = body or RegenerateIn()
    view = await services.notes.regenerate_caption(
        session.user_id, album_id, replace_edits=body.replace_edits
    )
    return ok(presenters.notes(view))


@router.patch("/me/notes", response_model=Envelope, summary="Edit your bio or captions")
async def edit_notes(
    body: NotesEditIn, services: ServicesDep, session: CsrfSession
) -> dict[str, Any]:
    view = await services.notes.edit(session.user_id, bio=body.bio, captions=body.captions)
    return ok(presenters.notes(view))


@router.post("/me/notes/revert", response_model=Envelope, summary="Undo your edits")
async def revert_notes(services: ServicesDep, session: CsrfSession) -> dict[str, Any]:
    return ok(presenters.notes(await services.notes.revert(session.user_id)))


# --- publishing --------------------------------------------------------------------------


class PublicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    published: bool
    featured: bool | None = Field(
        default=None, description="Show the page on Liner's front page (opt-in)."
    )
    confirm_no_bio: bool = False


@router.get("/me/publication", response_model=Envelope, summary="Is your page public?")
async def get_publication(services: ServicesDep, session: RequiredSession) -> dict[str, Any]:
    view = await services.publishing.publication(session.user_id)
    return ok(presenters.publication(view, services.settings.base_url))


@router.put("/me/publication", response_model=Envelope, summary="Publish or unpublish your page")
async def put_publication(
    body: PublicationIn, services: ServicesDep, session: CsrfSession
) -> dict[str, Any]:
    view = await services.publishing.set_publication(
        session.user_id,
        published=body.published,
        featured=body.featured,
        confirm_no_bio=body.confirm_no_bio,
    )
    return ok(presenters.publication(view, services.settings.base_url))
