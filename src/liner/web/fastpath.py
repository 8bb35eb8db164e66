"""A pure-ASGI fast path for the hot path: an anonymous view of a cached public page.

FastAPI's routing, dependencies and middleware cost close to a millisecond of
CPU per request; a published page that is already rendered needs none of it.
For a signed-out ``GET``/``HEAD /<handle>`` whose current version is in this
instance's render cache, the answer (200 or 304, the same headers as the full
route) is sent from here; everything else goes on to the app unchanged.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from liner.bootstrap import Services
from liner.domain.handles import problems as handle_problems

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Browsers revalidate (cheap: 304); a CDN may keep a page for a few seconds and serve
# it a little stale while it refetches, so changes show within seconds everywhere.
PUBLIC_CACHE = "public, max-age=0, s-maxage=5, stale-while-revalidate=25"
PURPOSE_HEADERS = ("sec-purpose", "purpose", "x-purpose", "x-moz")


def is_prefetch(purposes: list[str]) -> bool:
    """Browsers and unfurlers mark speculative fetches; they are not views."""
    joined = " ".join(purposes).lower()
    return "prefetch" in joined or "preview" in joined


RenderCache = OrderedDict[tuple[str, str, int], tuple[str, bytes]]


class PublicPageFastPath:
    def __init__(
        self,
        app: ASGIApp,
        services: Services,
        rendered: RenderCache,
        security_headers: dict[str, str],
        trusted_proxies: frozenset[str] = frozenset(),
    ) -> None:
        self._trusted = trusted_proxies
        self._app = app
        self._services = services
        self._rendered = rendered
        self._security = [(k.lower().encode(), v.encode()) for k, v in security_headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            path: str = scope["path"]
            handle = path[1:]
            if (
                "/" not in handle
                and 3 <= len(handle) <= 30
                and not scope.get("query_string")
                and handle == handle.lower()
                and await self._try(scope, send, handle)
            ):
                return
        await self._app(scope, receive, send)

    async def _try(self, scope: Scope, send: Send, handle: str) -> bool:
        headers = dict(scope["headers"])  # the last of repeated headers is fine here
        if b"liner_session=" in headers.get(b"cookie", b""):
            return False  # the owner: the full route decides (and never counts the view)
        if handle_problems(handle):
            return False
        publishing = self._services.publishing
        pointer = await publishing.resolve(handle)
        if pointer is None or not pointer.published:
            return False
        cached = self._rendered.get((pointer.handle, pointer.user_id, pointer.version))
        if cached is None:
            return False
        etag, body = cached
        peer = scope.get("client")
        client = peer[0] if peer else "unknown"
        forwarded = headers.get(b"x-forwarded-for")
        if forwarded and client in self._trusted:  # behind our own load balancer
            client = forwarded.decode("latin-1").split(",")[0].strip()
        purposes = [headers.get(n.encode(), b"").decode("latin-1") for n in PURPOSE_HEADERS]
        publishing.count_view(
            pointer,
            viewer_user_id=None,
            client=client,
            user_agent=headers.get(b"user-agent", b"").decode("latin-1"),
            prefetch=is_prefetch(purposes),
        )
        common = [
            (b"etag", etag.encode()),
            (b"cache-control", PUBLIC_CACHE.encode()),
            (b"vary", b"Accept-Encoding"),
            *self._security,
        ]
        if etag.encode() in headers.get(b"if-none-match", b""):
            await send({"type": "http.response.start", "status": 304, "headers": common})
            await send({"type": "http.response.body", "body": b""})
            return True
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    *common,
                ],
            }
        )
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )
        return True
