"""The public side: /<handle> pages, their preview images, robots.txt and sitemap.xml.

A page is rendered once per version on each instance and kept in memory; a
hit costs at most one small store read (the pointer, itself cached for a
couple of seconds). Answers carry an ETag (304 on a match) and CDN-friendly
Cache-Control. Unknown and unpublished addresses answer the same 404.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from xml.sax.saxutils import escape

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from liner import errors
from liner.domain.handles import problems as handle_problems
from liner.services.publishing import PublicPage
from liner.web.context import OptionalSession, ServicesDep, client_key
from liner.web.fastpath import PUBLIC_CACHE, PURPOSE_HEADERS, is_prefetch
from liner.web.pages import templates

router = APIRouter(include_in_schema=False)

_RENDERED_MAX = 2000


def _rendered(request: Request) -> OrderedDict[tuple[str, str, int], tuple[str, bytes]]:
    """This app's rendered pages by (handle, owner, version): one render per change."""
    cache: OrderedDict[tuple[str, str, int], tuple[str, bytes]] = request.app.state.rendered_pages
    return cache


def render_page(request: Request, page: PublicPage, *, preview: bool = False) -> bytes:
    base = request.app.state.services.settings.base_url
    html = templates.get_template("public.html").render(
        page=page,
        preview=preview,
        base_url=base,
        canonical=f"{base}/{page.handle}",
        og_image=f"{base}/og/{page.handle}.png?v={page.version}",
        description=_description(page),
    )
    return html.encode()


def _description(page: PublicPage) -> str:
    if page.bio:
        return page.bio
    names = [a.name for a in page.artists[:3]]
    if names:
        return f"What {page.display_name} listens to: {', '.join(names)} and more, on Liner."
    return f"What {page.display_name} listens to, on Liner."


@router.get("/robots.txt")
async def robots(request: Request, services: ServicesDep) -> PlainTextResponse:
    base = services.settings.base_url
    lines = [
        "User-agent: *",
        "Disallow: /api/",
        "Disallow: /auth/",
        "Disallow: /dashboard",
        "Disallow: /settings",
        "Disallow: /welcome",
        "Disallow: /sandbox/",
        f"Sitemap: {base}/sitemap.xml",
    ]
    return PlainTextResponse(
        "\n".join(lines) + "\n", headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get("/sitemap.xml")
async def sitemap(services: ServicesDep) -> Response:
    base = services.settings.base_url
    handles = await services.publishing.published_handles()
    urls = [f"  <url><loc>{escape(base)}/</loc></url>"] + [
        f"  <url><loc>{escape(f'{base}/{h}')}</loc></url>" for h in handles
    ]
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(urls)
        + "\n</urlset>\n"
    )
    return Response(
        body, media_type="application/xml", headers={"Cache-Control": "public, max-age=300"}
    )


@router.get("/og/{handle}.png")
async def og_image(handle: str, services: ServicesDep) -> Response:
    if handle_problems(handle):
        raise errors.NotFound()
    pointer = await services.publishing.resolve(handle)
    if pointer is None or not pointer.published or services.blobs is None:
        raise errors.NotFound()
    data = await asyncio.to_thread(services.blobs.get, f"og/{pointer.handle}-{pointer.version}.png")
    if data is None:
        raise errors.NotFound()
    return Response(
        data,
        media_type="image/png",
        headers={
            "Cache-Control": "public, max-age=300, s-maxage=86400",
            "ETag": f'"og-{handle}-{pointer.version}"',
        },
    )


@router.get("/{handle}")
async def public_page(
    request: Request, handle: str, services: ServicesDep, session: OptionalSession
) -> Response:
    if len(handle) > 30 or handle != handle.lower() or handle_problems(handle):
        raise errors.NotFound("There is no page here.")
    pointer = await services.publishing.resolve(handle)
    if pointer is None or not pointer.published:
        raise errors.NotFound("There is no page here.")
    key = (pointer.handle, pointer.user_id, pointer.version)
    rendered = _rendered(request)
    cached = rendered.get(key)
    if cached is None:
        page = await services.publishing.page(pointer)
        body = render_page(request, page)
        # The owner id in the tag: a handle freed and claimed again never matches old copies.
        cached = (f'"p-{pointer.user_id[:8]}-{pointer.handle}-{pointer.version}"', body)
        rendered[key] = cached
        if len(rendered) > _RENDERED_MAX:
            rendered.popitem(last=False)
    etag, body = cached
    services.publishing.count_view(
        pointer,
        viewer_user_id=session.user_id if session else None,
        client=client_key(request),
        user_agent=request.headers.get("user-agent", ""),
        prefetch=is_prefetch([request.headers.get(name, "") for name in PURPOSE_HEADERS]),
    )
    headers = {"ETag": etag, "Cache-Control": PUBLIC_CACHE, "Vary": "Accept-Encoding"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/html; charset=utf-8", headers=headers)
