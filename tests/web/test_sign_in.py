"""Signing in with Spotify: the OAuth round trip, sessions, and where tokens may go."""

from __future__ import annotations

import base64
import hashlib
import logging
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from liner.adapters.store.table import SPOTIFY, session_key, user_key
from support.liner_app import LinerHarness, consent_form
from support.personas import ALICE, BOB


def test_continue_with_spotify_redirects_to_the_authorize_endpoint_with_pkce(
    liner: LinerHarness,
) -> None:
    response = liner.client().get("/auth/spotify")
    assert response.status_code == 303
    url = urlsplit(response.headers["location"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == liner.base_url + "/sandbox/spotify/authorize"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == "liner-sandbox"
    assert query["redirect_uri"] == liner.base_url + "/auth/spotify/callback"
    assert {"user-top-read", "user-read-email"} <= set(query["scope"].split())
    assert len(query["state"]) >= 16
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43  # base64url of a SHA-256, unpadded


def test_the_state_cookie_binds_the_round_trip_to_this_browser(liner: LinerHarness) -> None:
    response = liner.client().get("/auth/spotify")
    cookie = response.headers["set-cookie"]
    state = parse_qs(urlsplit(response.headers["location"]).query)["state"][0]
    assert f"liner_oauth_state={state}" in cookie
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()


def test_signing_in_lands_on_the_dashboard_with_a_safe_session_cookie(liner: LinerHarness) -> None:
    client = liner.client()
    start = client.get("/auth/spotify")
    consent = client.get(start.headers["location"])
    action, fields = consent_form(consent.text, ALICE)
    decision = client.post(str(consent.url.join(action)), data=fields)
    callback = client.get(decision.headers["location"])
    assert callback.status_code == 303
    assert callback.headers["location"] == "/welcome"  # a new person claims a handle first
    set_cookie = [v for k, v in callback.headers.multi_items() if k == "set-cookie"]
    session_cookie = next(c for c in set_cookie if c.startswith("liner_session="))
    assert "HttpOnly" in session_cookie
    assert "samesite=lax" in session_cookie.lower()
    assert "Secure" not in session_cookie  # plain http on 127.0.0.1
    welcome = client.get("/welcome")
    assert welcome.status_code == 200
    assert "Choose a handle" in welcome.text
    csrf = client.get("/api/v1/me").json()["data"]["csrf_token"]
    claimed = client.post("/welcome", data={"handle": "Maren-S", "csrf_token": csrf})
    assert claimed.headers["location"] == "/dashboard"
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200
    assert "Top albums" in dashboard.text
    assert "@maren-s" in dashboard.text


def test_the_same_spotify_account_signs_in_to_the_same_user(liner: LinerHarness) -> None:
    first = liner.sign_in(ALICE).get("/api/v1/me").json()["data"]["id"]
    second = liner.sign_in(ALICE).get("/api/v1/me").json()["data"]["id"]
    other = liner.sign_in(BOB).get("/api/v1/me").json()["data"]["id"]
    assert first == second
    assert other != first


def test_a_callback_whose_state_does_not_match_gives_a_clear_page_and_no_session(
    liner: LinerHarness,
) -> None:
    client = liner.client()
    start = client.get("/auth/spotify")
    consent = client.get(start.headers["location"])
    action, fields = consent_form(consent.text, ALICE)
    decision = client.post(str(consent.url.join(action)), data=fields)
    query = parse_qs(urlsplit(decision.headers["location"]).query)
    forged = client.get(
        "/auth/spotify/callback", params={"code": query["code"][0], "state": "not-the-state"}
    )
    assert forged.status_code == 400
    assert "did not start in this browser" in forged.text
    assert "liner_session" not in forged.headers.get("set-cookie", "")
    assert client.get("/api/v1/me").status_code == 401


def test_a_callback_from_another_browser_is_refused(liner: LinerHarness) -> None:
    victim = liner.client()
    start = victim.get("/auth/spotify")
    consent = victim.get(start.headers["location"])
    action, fields = consent_form(consent.text, ALICE)
    decision = victim.post(str(consent.url.join(action)), data=fields)
    attacker = liner.client()  # has no state cookie
    response = attacker.get(decision.headers["location"])
    assert response.status_code == 400
    assert attacker.get("/api/v1/me").status_code == 401


def test_denied_consent_gives_a_clear_page_and_no_session(liner: LinerHarness) -> None:
    client = liner.client()
    start = client.get("/auth/spotify")
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    response = client.get(
        "/auth/spotify/callback", params={"error": "access_denied", "state": state}
    )
    assert response.status_code == 400
    assert "chose not to connect Spotify" in response.text
    assert client.get("/api/v1/me").status_code == 401


def test_a_bad_code_gives_a_clear_page_and_no_session(liner: LinerHarness) -> None:
    client = liner.client()
    start = client.get("/auth/spotify")
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    response = client.get("/auth/spotify/callback", params={"code": "made-up", "state": state})
    assert response.status_code == 400
    assert "did not accept this sign-in" in response.text
    assert client.get("/api/v1/me").status_code == 401


def test_a_state_can_be_used_only_once(liner: LinerHarness) -> None:
    client = liner.client()
    start = client.get("/auth/spotify")
    consent = client.get(start.headers["location"])
    action, fields = consent_form(consent.text, ALICE)
    decision = client.post(str(consent.url.join(action)), data=fields)
    assert client.get(decision.headers["location"]).status_code == 303
    client.cookies.set("liner_oauth_state", fields["state"], path="/auth")
    replay = client.get(decision.headers["location"])
    assert replay.status_code == 400
    # Refused for the state, before the (also spent) code is ever sent to Spotify.
    assert "expired or was already used" in replay.text
    assert liner.sandbox.calls["token"] == 1


def test_signing_out_ends_the_session_on_the_server(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    cookie = client.cookies["liner_session"]
    csrf = liner.csrf(client)
    response = client.post("/auth/sign-out", data={"csrf_token": csrf})
    assert response.status_code == 303
    stale = liner.client()
    stale.cookies.set("liner_session", cookie)
    assert stale.get("/api/v1/me").status_code == 401  # revoked, not merely forgotten


def test_signing_out_needs_the_csrf_token(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    assert client.post("/auth/sign-out", data={}).status_code == 403
    assert client.get("/api/v1/me").status_code == 200


def _plaintext_tokens(liner: LinerHarness, user_id: str) -> list[str]:
    link = liner.services.table.get_spotify_link(user_id)
    assert link is not None
    tokens = [liner.services.tokens.decrypt(user_id, "access", link.access_token_enc)]
    if link.refresh_token_enc:
        tokens.append(liner.services.tokens.decrypt(user_id, "refresh", link.refresh_token_enc))
    return tokens


def test_tokens_are_stored_only_encrypted_and_never_shown(
    liner_any_store: LinerHarness, caplog: pytest.LogCaptureFixture
) -> None:
    liner = liner_any_store
    caplog.set_level(logging.DEBUG)
    client = liner.sign_in(ALICE)
    pages = [
        client.get("/dashboard").text,
        client.get("/api/v1/me").text,
        client.get("/api/v1/me/music").text,
    ]
    user_id = client.get("/api/v1/me").json()["data"]["id"]
    tokens = _plaintext_tokens(liner, user_id)
    raw = liner.services.table.items.get(user_key(user_id, SPOTIFY))
    assert raw is not None
    stored = repr(raw)
    for token in tokens:
        assert len(token) >= 16
        assert token not in stored
        b64 = base64.b64encode(token.encode()).decode()
        assert b64 not in stored
        for text in pages:
            assert token not in text
        assert token not in caplog.text


def test_a_token_copied_to_another_user_does_not_decrypt(liner: LinerHarness) -> None:
    alice = liner.sign_in(ALICE)
    bob = liner.sign_in(BOB)
    alice_id = alice.get("/api/v1/me").json()["data"]["id"]
    bob_id = bob.get("/api/v1/me").json()["data"]["id"]
    table = liner.services.table
    stolen = table.items.get(user_key(alice_id, SPOTIFY))
    assert stolen is not None
    table.update_spotify_tokens(
        bob_id,
        access_token_enc=stolen["access_token_enc"],
        refresh_token_enc=stolen["refresh_token_enc"],
        expires_at=liner.clock() + timedelta(hours=1),
    )
    response = bob.get("/api/v1/me/music")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "spotify_reconnect_required"
    assert bob.get("/api/v1/me").json()["data"]["spotify"]["needs_reconnect"] is True
    assert alice.get("/api/v1/me/music").status_code == 200  # alice is unaffected


def test_the_stored_session_key_is_not_the_cookie(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    cookie = client.cookies["liner_session"]
    items = liner.services.table.items
    assert items.get(session_key(cookie)) is None
    digest = hashlib.sha256(cookie.encode()).hexdigest()
    assert items.get(session_key(digest)) is None


def test_a_non_ascii_state_is_a_clear_400_not_a_crash(liner: LinerHarness) -> None:
    client = liner.client()
    client.get("/auth/spotify")
    response = client.get("/auth/spotify/callback", params={"state": "é", "code": "x"})
    assert response.status_code == 400
    assert "did not start in this browser" in response.text


def test_a_lost_answer_to_the_code_exchange_is_not_retried(liner: LinerHarness) -> None:
    client = liner.client()
    start = client.get("/auth/spotify")
    consent = client.get(start.headers["location"])
    action, fields = consent_form(consent.text, ALICE)
    decision = client.post(str(consent.url.join(action)), data=fields)
    liner.sandbox.fail_next(1, status=502, endpoint="token")
    response = client.get(decision.headers["location"])
    assert response.status_code == 503
    assert "Spotify is not answering" in response.text
    assert liner.sandbox.calls["token"] == 1  # a code is spent once: no blind retry
    assert client.get("/api/v1/me").status_code == 401


def test_answers_that_set_cookies_or_carry_tokens_are_never_cached(liner: LinerHarness) -> None:
    client = liner.client()
    assert client.get("/auth/spotify").headers["cache-control"] == "no-store"
    liner.sign_in(ALICE, client)
    assert client.get("/api/v1/me").headers["cache-control"] == "no-store"
    assert client.get("/api/v1/nope").headers["cache-control"] == "no-store"
