"""create_app(settings) -> the ASGI app."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from liner.bootstrap import Services, build
from liner.config import SANDBOX_PATH, Settings
from liner.web import errors
from liner.web.fastpath import PublicPageFastPath
from liner.web.routes import api, auth, dashboard, notes_pages, public, publish_pages
from liner.web.routes import settings as settings_pages

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' https: data:; style-src 'self'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self' https:; base-uri 'none'"
    ),
}


def create_app(
    settings: Settings | None = None,
    *,
    services: Services | None = None,
    fast_path: bool = True,
) -> FastAPI:
    """The app. ``fast_path=False`` when the caller puts the page fast path outside
    everything itself (``liner.web.asgi``), so it never runs twice per request."""
    if services is None:
        services = build(settings or Settings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await services.aclose()

    app = FastAPI(
        title="Liner",
        version="1",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.services = services
    # One render cache per app: the full route fills it, the fast path serves from it.
    app.state.rendered_pages = OrderedDict()
    errors.install(app)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        path = request.url.path
        if not path.startswith(("/api/docs", SANDBOX_PATH)):
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
        if path.startswith(("/api/", "/auth/")):
            # Per-person answers and cookie-setting redirects: never in a shared cache.
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    if fast_path:  # outermost middleware: cached anonymous page views skip FastAPI
        app.add_middleware(
            PublicPageFastPath,
            services=services,
            rendered=app.state.rendered_pages,
            security_headers=SECURITY_HEADERS,
        )
    app.include_router(auth.router)
    app.include_router(dashboard.router)
    app.include_router(notes_pages.router)
    app.include_router(settings_pages.router)
    app.include_router(api.router)
    app.include_router(publish_pages.router)
    # Last: /<handle> would otherwise shadow every other top-level path.
    app.include_router(public.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    if services.sandbox is not None:
        app.mount(SANDBOX_PATH, services.sandbox.app(), name="sandbox")
    return app
