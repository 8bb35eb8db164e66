"""The production ASGI app (``liner serve`` runs it with granian): settings from the
environment, and client addresses from X-Forwarded-For sent by trusted proxies
(``LINER_TRUSTED_PROXIES``, default 127.0.0.1) for rate limits and view counts.

The public-page fast path sits outermost, so a cached anonymous page view costs
no more than the fast path itself.
"""

from __future__ import annotations

import os

from granian.utils.proxies import wrap_asgi_with_proxy_headers

from liner.web.app import SECURITY_HEADERS, create_app
from liner.web.fastpath import PublicPageFastPath

_trusted = os.environ.get("LINER_TRUSTED_PROXIES", "127.0.0.1").split(",")
_app = create_app(fast_path=False)  # added below, outside the proxy-headers wrapper
app = PublicPageFastPath(
    wrap_asgi_with_proxy_headers(_app, trusted_hosts=_trusted),
    services=_app.state.services,
    rendered=_app.state.rendered_pages,
    security_headers=SECURITY_HEADERS,
    trusted_proxies=frozenset(_trusted),
)
