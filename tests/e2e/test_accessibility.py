"""No accessibility violations that axe-core finds, in a real browser (Debian's chromium).

axe runs with its default rules (WCAG A/AA and best practices) on the public page at
phone and desktop widths in light and dark colour schemes, and on the landing page,
the dashboard and settings (and, more briefly, the owner's preview, the email
sign-in page and the 404 page). One Liner serves the whole module: a listener with
Japanese names has notes written and a published page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, ViewportSize

from support.html_checks import axe_violations, describe_violations
from support.liner_app import LinerHarness, running_liner
from support.personas import CJK

pytestmark = pytest.mark.e2e

Scheme = Literal["light", "dark"]
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
SCHEMES: list[Scheme] = ["light", "dark"]


@dataclass
class Site:
    liner: LinerHarness
    owner: httpx.Client  # signed in as CJK, whose page is published


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with running_liner(tmp_path_factory.mktemp("a11y")) as liner:
        owner = liner.sign_in(CJK)
        headers = {"X-CSRF-Token": liner.csrf(owner)}
        assert owner.get("/api/v1/me/music").status_code == 200
        assert owner.post("/api/v1/me/notes/generate", headers=headers).status_code == 200
        published = owner.put("/api/v1/me/publication", json={"published": True}, headers=headers)
        assert published.status_code == 200, published.text
        yield Site(liner, owner)


def _context(
    browser: Browser, site: Site, *, signed_in: bool, viewport: ViewportSize = DESKTOP
) -> BrowserContext:
    # Liner's Content-Security-Policy allows no inline script; axe is injected as one.
    context = browser.new_context(viewport=viewport, bypass_csp=True)
    if signed_in:
        host = urlsplit(site.liner.base_url).hostname
        context.add_cookies(
            [
                {"name": c.name, "value": c.value or "", "domain": host or "", "path": "/"}
                for c in site.owner.cookies.jar
            ]
        )
    return context


def _assert_no_violations(
    browser: Browser,
    site: Site,
    path: str,
    scheme: Scheme,
    *,
    signed_in: bool = False,
    viewport: ViewportSize = DESKTOP,
    status: int = 200,
) -> None:
    context = _context(browser, site, signed_in=signed_in, viewport=viewport)
    try:
        page = context.new_page()
        page.emulate_media(color_scheme=scheme)
        response = page.goto(site.liner.base_url + path)
        assert response is not None and response.status == status, path
        assert page.url == site.liner.base_url + path  # not redirected away
        page.wait_for_load_state("networkidle")  # covers in place before contrast is judged
        violations = axe_violations(page)
        assert not violations, (
            f"axe found {len(violations)} violation(s) on {path} ({scheme}, "
            f"{viewport['width']}px wide):\n{describe_violations(violations)}"
        )
    finally:
        context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_public_page_has_no_accessibility_violations(
    browser: Browser, site: Site, viewport: ViewportSize, scheme: Scheme
) -> None:
    _assert_no_violations(browser, site, f"/{CJK}", scheme, viewport=viewport)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_landing_page_has_no_accessibility_violations(
    browser: Browser, site: Site, scheme: Scheme
) -> None:
    _assert_no_violations(browser, site, "/", scheme)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_dashboard_has_no_accessibility_violations(
    browser: Browser, site: Site, scheme: Scheme
) -> None:
    _assert_no_violations(browser, site, "/dashboard", scheme, signed_in=True)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_settings_have_no_accessibility_violations(
    browser: Browser, site: Site, scheme: Scheme
) -> None:
    _assert_no_violations(browser, site, "/settings", scheme, signed_in=True)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize(
    ("path", "signed_in", "status"),
    [("/dashboard/preview", True, 200), ("/auth/email", False, 200), ("/nobody-here", False, 404)],
    ids=["preview", "email-sign-in", "not-found"],
)
def test_the_other_pages_have_no_accessibility_violations(
    browser: Browser, site: Site, path: str, signed_in: bool, status: int, scheme: Scheme
) -> None:
    _assert_no_violations(browser, site, path, scheme, signed_in=signed_in, status=status)
