"""The whole journey in a real browser: sign in, claim a handle, see the music, write
notes, publish, read the public page signed out at phone and desktop widths, unpublish."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from support.liner_app import LinerHarness

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def test_from_sign_in_to_a_published_page_and_back(
    browser: Browser, liner: LinerHarness, artifacts: Path
) -> None:
    owner = browser.new_context(viewport=DESKTOP)
    page = owner.new_page()
    page.goto(liner.base_url + "/")
    page.get_by_role("link", name="Continue with Spotify").click()
    page.get_by_role("button", name="Continue as 佐藤 由紀").click()
    page.wait_for_url(liner.base_url + "/welcome")
    page.get_by_label("Handle").fill("yuki")
    page.get_by_role("button", name="Claim this handle").click()
    page.wait_for_url(liner.base_url + "/dashboard")
    expect(page.locator("section.albums li")).not_to_have_count(0)

    page.get_by_test_id("write-notes").click()
    page.wait_for_url(liner.base_url + "/dashboard#notes")
    expect(page.get_by_test_id("bio")).to_be_visible()
    bio = page.get_by_test_id("bio").inner_text()

    page.get_by_test_id("preview").click()
    expect(page.get_by_text("this page is not public yet")).to_be_visible()
    page.go_back()
    page.get_by_test_id("publish").click()
    page.wait_for_url(liner.base_url + "/dashboard#publish")
    expect(page.get_by_test_id("page-link")).to_have_text(f"{liner.base_url}/yuki")

    for name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        reader = browser.new_context(viewport=size, java_script_enabled=False)
        public = reader.new_page()
        response = public.goto(liner.base_url + "/yuki")
        assert response is not None and response.status == 200
        expect(public.get_by_role("heading", level=1)).to_have_text("佐藤 由紀")
        expect(public.get_by_text(bio)).to_be_visible()
        expect(public.get_by_text("Made with Liner")).to_be_visible()
        covers = public.locator("ol.albums img")
        assert covers.count() >= 1
        public.wait_for_load_state("networkidle")
        public.screenshot(path=str(artifacts / f"public-{name}.png"), full_page=True)
        reader.close()

    # Covers load (checked with JavaScript on, as the owner).
    page.goto(liner.base_url + "/yuki")
    page.wait_for_load_state("networkidle")
    assert (
        page.evaluate(
            "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).length"
        )
        == 0
    )

    page.goto(liner.base_url + "/dashboard")
    page.get_by_test_id("unpublish").click()
    page.wait_for_url(liner.base_url + "/dashboard#publish")
    gone = browser.new_context()
    response = gone.new_page().goto(liner.base_url + "/yuki")
    assert response is not None and response.status == 404
    gone.close()
    owner.close()
