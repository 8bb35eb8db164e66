"""In a real browser: sign in by an emailed link (read from the SMTP sink), claim a
handle, connect Spotify, and manage the account in settings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from liner.sandbox.mail import SmtpSink
from support.liner_app import LinerHarness, running_liner

pytestmark = pytest.mark.e2e


@pytest.fixture
def mailing_liner(tmp_path: Path) -> Iterator[tuple[LinerHarness, SmtpSink]]:
    with (
        SmtpSink() as sink,
        running_liner(
            tmp_path,
            mailer="smtp",
            smtp_host=sink.host,
            smtp_port=sink.port,
            smtp_starttls=False,
        ) as liner,
    ):
        yield liner, sink


def test_email_link_sign_in_claim_a_handle_and_see_the_dashboard(
    browser: Browser, mailing_liner: tuple[LinerHarness, SmtpSink], artifacts: Path
) -> None:
    liner, sink = mailing_liner
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(liner.base_url + "/")
    page.get_by_role("link", name="Continue with email").click()
    page.get_by_label("Email address").fill("maren@example.com")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_test_id("email-sent")).to_be_visible()

    message = sink.wait_for("maren@example.com")
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    link = re.search(r"https?://\S+", body.get_content())
    assert link
    page.goto(link.group(0))
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(liner.base_url + "/welcome")
    page.get_by_label("Handle").fill("maren")
    page.get_by_role("button", name="Claim this handle").click()
    page.wait_for_url(liner.base_url + "/dashboard")
    expect(page.get_by_text("@maren")).to_be_visible()
    expect(page.get_by_test_id("connect")).to_be_visible()

    page.get_by_role("link", name="Connect Spotify").click()
    page.get_by_role("button", name="Continue as Maren Solberg").click()
    page.wait_for_url(liner.base_url + "/dashboard")
    expect(page.locator("section.albums li")).to_have_count(5)
    page.screenshot(path=str(artifacts / "email-dashboard-phone.png"), full_page=True)

    page.goto(liner.base_url + "/settings")
    page.get_by_label("Display name").fill("Maren S. 🎧")
    page.get_by_role("button", name="Save name").click()
    expect(page.get_by_test_id("notice")).to_contain_text("display name is saved")
    expect(page.get_by_test_id("session")).to_have_count(1)
    page.screenshot(path=str(artifacts / "settings-phone.png"), full_page=True)
    page.get_by_role("button", name="Sign out everywhere").click()
    page.wait_for_url(liner.base_url + "/")
    page.close()
