"""Sessions: listed, revocable one by one or everywhere, sliding, rotated at sign-in."""

from __future__ import annotations

import httpx

from support.liner_app import LinerHarness
from support.personas import ALICE

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1"
)


def _browser(liner: LinerHarness, ua: str) -> httpx.Client:
    client = liner.client()
    client.headers["User-Agent"] = ua
    return liner.sign_in(ALICE, client)


def test_settings_list_each_session_with_a_device_hint(liner: LinerHarness) -> None:
    laptop = _browser(liner, FIREFOX)
    _browser(liner, IPHONE)
    sessions = laptop.get("/api/v1/me/sessions").json()["data"]
    assert sorted(s["device"] for s in sessions) == ["Firefox on Linux", "Safari on iPhone"]
    assert [s["current"] for s in sessions].count(True) == 1
    html = laptop.get("/settings").text
    assert "Firefox on Linux" in html and "Safari on iPhone" in html


def test_signing_out_one_session_leaves_the_others(liner: LinerHarness) -> None:
    laptop = _browser(liner, FIREFOX)
    phone = _browser(liner, IPHONE)
    sessions = laptop.get("/api/v1/me/sessions").json()["data"]
    phone_id = next(s["id"] for s in sessions if not s["current"])
    ended = laptop.delete(
        f"/api/v1/me/sessions/{phone_id}", headers={"X-CSRF-Token": liner.csrf(laptop)}
    )
    assert ended.status_code == 200
    assert phone.get("/api/v1/me").status_code == 401
    assert laptop.get("/api/v1/me").status_code == 200


def test_signing_out_everywhere_ends_every_session(liner: LinerHarness) -> None:
    laptop = _browser(liner, FIREFOX)
    phone = _browser(liner, IPHONE)
    response = phone.post(
        "/settings/sessions/sign-out-everywhere", data={"csrf_token": liner.csrf(phone)}
    )
    assert response.status_code == 303
    assert laptop.get("/api/v1/me").status_code == 401
    assert phone.get("/api/v1/me").status_code == 401


def test_a_session_slides_while_it_is_used_and_ends_after_30_idle_days(
    liner: LinerHarness,
) -> None:
    client = liner.sign_in(ALICE)
    for _ in range(3):  # 87 days of use, a visit every 29 days
        liner.clock.advance(days=29)
        assert client.get("/api/v1/me").status_code == 200
    liner.clock.advance(days=30, seconds=1)
    assert client.get("/api/v1/me").status_code == 401


def test_signing_in_again_replaces_the_browsers_session(liner: LinerHarness) -> None:
    client = liner.sign_in_by_email("ada@example.com")
    old = client.cookies["liner_session"]
    liner.sign_in_by_email("ada@example.com", client)
    new = client.cookies["liner_session"]
    assert new != old
    stale = liner.client()
    stale.cookies.set("liner_session", old)
    assert stale.get("/api/v1/me").status_code == 401  # no fixation, no leftovers
    assert client.get("/api/v1/me").status_code == 200


def test_a_made_up_session_cookie_is_just_signed_out(liner: LinerHarness) -> None:
    client = liner.client()
    for value in ("x" * 300, "%C3%A9", "nope"):
        client.cookies.set("liner_session", value)
        assert client.get("/api/v1/me").status_code == 401
