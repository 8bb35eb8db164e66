"""Publish controls on the dashboard, and the owner's preview of their page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from liner import errors
from liner.ports.store import PagePointer
from liner.web.context import OptionalSession, ServicesDep, check_csrf
from liner.web.routes.dashboard import render_dashboard
from liner.web.routes.public import render_page

router = APIRouter(include_in_schema=False)


@router.post("/dashboard/publish")
async def publish(
    request: Request,
    services: ServicesDep,
    session: OptionalSession,
    published: Annotated[bool, Form()] = True,
    featured: Annotated[bool, Form()] = False,
    confirm_no_bio: Annotated[bool, Form()] = False,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    if session is None:
        return RedirectResponse("/", status_code=303)
    check_csrf(session, csrf_token)
    try:
        await services.publishing.set_publication(
            session.user_id,
            published=published,
            featured=featured if published else None,
            confirm_no_bio=confirm_no_bio,
        )
    except errors.LinerError as problem:
        return await render_dashboard(
            request,
            services,
            session.user_id,
            session.csrf_token,
            problem=problem,
            confirm=(
                {"action": "/dashboard/publish", "featured": "true" if featured else ""}
                if problem.code == "bio_missing"
                else None
            ),
        )
    return RedirectResponse("/dashboard#publish", status_code=303)


@router.get("/dashboard/preview")
async def preview(request: Request, services: ServicesDep, session: OptionalSession) -> Response:
    """The owner's page as the public will see it, published or not. Never cached or counted."""
    if session is None:
        return RedirectResponse("/", status_code=303)
    me = await services.accounts.me(session.user_id)
    if me.user.handle is None:
        return RedirectResponse("/welcome", status_code=303)
    pointer = await services.publishing.resolve(me.user.handle)
    if pointer is None or pointer.user_id != session.user_id:
        pointer = PagePointer(me.user.handle, session.user_id, me.user.published, 0)
    page = await services.publishing.page(pointer)
    return Response(
        render_page(request, page, preview=True),
        media_type="text/html; charset=utf-8",
        headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"},
    )
