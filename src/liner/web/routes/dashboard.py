"""The landing page and the signed-in dashboard (server-rendered, works without JS)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from liner import errors
from liner.services.accounts import Me
from liner.web.context import OptionalSession, ServicesDep, check_csrf
from liner.web.pages import page

router = APIRouter(include_in_schema=False)


@router.get("/")
async def landing(request: Request, services: ServicesDep, session: OptionalSession) -> Response:
    if session is not None:
        return RedirectResponse("/dashboard", status_code=303)
    return page(
        request,
        "landing.html",
        sandbox=services.settings.sandbox,
        google_enabled=services.accounts.google_enabled,
        featured=await services.publishing.examples(
            include_all_published=services.settings.sandbox
        ),
    )


@router.get("/dashboard")
async def dashboard(request: Request, services: ServicesDep, session: OptionalSession) -> Response:
    if session is None:
        return RedirectResponse("/", status_code=303)
    me = await services.accounts.me(session.user_id)
    if not me.user.handle:  # onboarding first; /welcome sends people with a handle here
        return RedirectResponse("/welcome", status_code=303)
    return await render_dashboard(request, services, session.user_id, session.csrf_token, me=me)


async def render_dashboard(
    request: Request,
    services: ServicesDep,
    user_id: str,
    csrf_token: str,
    *,
    problem: errors.LinerError | None = None,
    confirm: dict[str, str] | None = None,
    notice: str | None = None,
    me: Me | None = None,
) -> HTMLResponse:
    if me is None:
        me = await services.accounts.me(user_id)
    view = None
    if problem is None and me.spotify_connected and not me.spotify_needs_reconnect:
        try:
            view = await services.taste.music(user_id)
        except errors.LinerError as exc:
            problem = exc
    if view is None:
        view = await services.taste.stored(user_id)
        me = await services.accounts.me(user_id)  # a failed fetch may have flagged a reconnect
    status = problem.status if problem is not None else 200
    notes = await services.notes.notes(user_id)
    publication = await services.publishing.publication(user_id)
    response = page(
        request,
        "dashboard.html",
        status=status,
        me=me,
        music=view,
        notes=notes,
        publication=publication,
        base_url=services.settings.base_url,
        problem=problem,
        confirm=confirm,
        notice=notice,
        csrf_token=csrf_token,
    )
    if problem is not None and problem.retry_after is not None:
        response.headers["Retry-After"] = str(problem.retry_after)
    return response


@router.post("/dashboard/refresh")
async def refresh(
    request: Request,
    services: ServicesDep,
    session: OptionalSession,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    if session is None:
        return RedirectResponse("/", status_code=303)
    check_csrf(session, csrf_token)
    try:
        await services.taste.refresh(session.user_id)
    except errors.LinerError as exc:
        return await render_dashboard(
            request, services, session.user_id, session.csrf_token, problem=exc
        )
    return RedirectResponse("/dashboard", status_code=303)
