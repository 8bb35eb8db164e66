"""The dashboard: what a person sees after signing in."""

from __future__ import annotations

import re

from support.liner_app import LinerHarness
from support.personas import ALICE


def _items(html: str, section: str) -> list[str]:
    block = re.search(rf'<section class="{section}".*?</section>', html, re.S)
    assert block, f"no {section} section"
    return re.findall(r"<li>", block.group(0))


def test_the_dashboard_needs_a_session(liner: LinerHarness) -> None:
    response = liner.client().get("/dashboard")
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_the_dashboard_shows_6_artists_5_albums_and_3_tracks(liner: LinerHarness) -> None:
    html = liner.sign_in(ALICE).get("/dashboard").text
    assert len(_items(html, "artists")) == 6
    assert len(_items(html, "albums")) == 5
    assert len(_items(html, "tracks")) == 3
    assert "Refreshed <time" in html
    assert "Next refresh in 24h 0m" in html


def test_the_refresh_button_counts_down_in_hours_and_minutes_rounded_up(
    liner: LinerHarness,
) -> None:
    client = liner.sign_in(ALICE)
    client.get("/dashboard")
    liner.clock.advance(hours=18, minutes=47, seconds=59)
    assert "Next refresh in 5h 13m" in client.get("/dashboard").text
    liner.clock.advance(seconds=1)
    assert "Next refresh in 5h 12m" in client.get("/dashboard").text
    liner.clock.advance(hours=6)
    html = client.get("/dashboard").text
    assert "Refresh from Spotify" in html and "Next refresh in" not in html


def test_the_refresh_button_refreshes_and_comes_back_to_the_dashboard(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    page = client.get("/dashboard").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    liner.clock.advance(hours=24)
    response = client.post("/dashboard/refresh", data={"csrf_token": csrf.group(1)})
    assert response.status_code == 303
    assert liner.sandbox.calls["top_tracks"] == 2
    assert "Next refresh in 24h 0m" in client.get("/dashboard").text


def test_a_refresh_form_without_its_token_is_refused(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    client.get("/dashboard")
    liner.clock.advance(hours=24)
    response = client.post("/dashboard/refresh", data={})
    assert response.status_code == 403
    assert liner.sandbox.calls["top_tracks"] == 1


def test_spotify_trouble_on_the_dashboard_is_explained_in_words(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    liner.sandbox.fail_next(10, status=503)
    response = client.get("/dashboard")
    assert response.status_code == 503
    assert "Spotify is not answering right now" in response.text


def test_the_dashboard_prompts_a_reconnect_when_spotify_lets_go(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    client.get("/dashboard")
    liner.sandbox.revoke_refresh_tokens()
    liner.clock.advance(hours=25)
    page = client.get("/dashboard").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    client.post("/dashboard/refresh", data={"csrf_token": csrf.group(1)})
    html = client.get("/dashboard").text
    assert 'data-testid="reconnect"' in html
    assert 'href="/auth/spotify"' in html
    assert len(_items(html, "albums")) == 5  # the data is kept


def test_pages_for_a_signed_in_person_are_never_cached(liner: LinerHarness) -> None:
    response = liner.sign_in(ALICE).get("/dashboard")
    assert response.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in response.headers["content-security-policy"]
