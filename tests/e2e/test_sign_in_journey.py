"""The first journey, in a real browser: landing -> sandbox consent -> handle -> dashboard."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from support.liner_app import LinerHarness

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def test_a_new_person_signs_in_through_the_sandbox_and_sees_their_music(
    browser: Browser, liner: LinerHarness, artifacts: Path
) -> None:
    page = browser.new_page(viewport=DESKTOP)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(liner.base_url + "/")
    page.get_by_role("link", name="Continue with Spotify").click()

    # The sandbox's consent page lists its listeners; pick one.
    expect(page.get_by_text("Spotify sandbox").first).to_be_visible()
    page.get_by_role("button", name="Continue as Maren Solberg").click()

    # A first sign-in claims a handle before anything else.
    page.wait_for_url(liner.base_url + "/welcome")
    page.get_by_label("Handle").fill("admin")
    page.get_by_role("button", name="Claim this handle").click()
    expect(page.get_by_test_id("problem")).to_contain_text("reserved")
    page.get_by_label("Handle").fill("Maren")
    page.get_by_role("button", name="Claim this handle").click()

    page.wait_for_url(liner.base_url + "/dashboard")
    expect(page.get_by_text("@maren")).to_be_visible()
    expect(page.get_by_role("heading", name="Your music")).to_be_visible()
    expect(page.locator("section.artists li")).to_have_count(6)
    expect(page.locator("section.albums li")).to_have_count(5)
    expect(page.locator("section.tracks li")).to_have_count(3)
    expect(page.get_by_text("Ágætis byrjun").first).to_be_visible()
    refresh = page.get_by_test_id("refresh")
    expect(refresh).to_have_text("Next refresh in 24h 0m")
    expect(refresh).to_be_disabled()

    # Every cover on the dashboard actually loaded (served by the sandbox).
    broken = page.evaluate(
        "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).length"
    )
    assert broken == 0
    page.screenshot(path=str(artifacts / "dashboard-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(artifacts / "dashboard-phone.png"), full_page=True)

    # A day later the button is live again and refreshing comes back to the dashboard.
    liner.clock.advance(hours=24)
    page.reload()
    expect(refresh).to_have_text("Refresh from Spotify")
    refresh.click()
    page.wait_for_url(liner.base_url + "/dashboard")
    expect(page.get_by_test_id("refresh")).to_have_text("Next refresh in 24h 0m")
    assert liner.sandbox.calls["top_tracks"] == 2

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(liner.base_url + "/")
    expect(page.get_by_role("link", name="Continue with Spotify")).to_be_visible()
    assert errors == []
    page.close()


def test_cancelling_on_the_consent_page_explains_and_signs_nobody_in(
    browser: Browser, liner: LinerHarness
) -> None:
    page = browser.new_page(viewport=PHONE)
    page.goto(liner.base_url + "/auth/spotify")
    page.get_by_role("button", name="Cancel").or_(page.get_by_role("link", name="Cancel")).click()
    expect(page.get_by_text("You chose not to connect Spotify")).to_be_visible()
    page.goto(liner.base_url + "/dashboard")
    page.wait_for_url(liner.base_url + "/")
    page.close()
