"""Linked accounts, and the security floor: CSRF and ownership on every state change."""

from __future__ import annotations

import re

import httpx
import pytest

from support.liner_app import LinerHarness, consent_form
from support.personas import ALICE, BOB


def _connect_spotify(client: httpx.Client, listener: str) -> httpx.Response:
    start = client.get("/auth/spotify")
    consent = client.get(start.headers["location"])
    action, fields = consent_form(consent.text, listener)
    decision = client.post(str(consent.url.join(action)), data=fields)
    return client.get(decision.headers["location"])


def test_a_person_signed_in_by_email_connects_spotify_from_the_dashboard(
    liner: LinerHarness,
) -> None:
    client = liner.sign_in_by_email("maren@example.com", handle="maren")
    page = client.get("/dashboard").text
    assert 'data-testid="connect"' in page
    done = _connect_spotify(client, ALICE)
    assert done.status_code == 303 and done.headers["location"] == "/dashboard"
    me = client.get("/api/v1/me").json()["data"]
    assert me["spotify"] == {"connected": True, "needs_reconnect": False}
    assert me["email"] == "maren@example.com"
    assert len(client.get("/api/v1/me/music").json()["data"]["albums"]) == 5


def test_one_spotify_account_belongs_to_one_person(liner: LinerHarness) -> None:
    owner = liner.sign_in(ALICE)
    other = liner.sign_in_by_email("someone@example.com", handle="someone")
    refused = _connect_spotify(other, ALICE)
    assert refused.status_code == 409
    assert "already connected to another Liner account" in refused.text
    assert other.get("/api/v1/me").json()["data"]["spotify"]["connected"] is False
    assert owner.get("/api/v1/me/music").status_code == 200


def test_disconnecting_spotify_deletes_tokens_and_keeps_the_snapshot(liner: LinerHarness) -> None:
    client = liner.sign_in_by_email("maren@example.com", handle="maren")
    _connect_spotify(client, ALICE)
    music = client.get("/api/v1/me/music").json()["data"]
    user_id = client.get("/api/v1/me").json()["data"]["id"]
    response = client.delete("/api/v1/me/spotify", headers={"X-CSRF-Token": liner.csrf(client)})
    assert response.status_code == 200
    assert response.json()["data"]["spotify"] == {"connected": False, "needs_reconnect": False}
    assert liner.services.table.get_spotify_link(user_id) is None
    assert client.get("/api/v1/me/music").json()["data"]["albums"] == music["albums"]
    # Now free, the Spotify account can sign in (as a new person).
    fresh = liner.sign_in(ALICE, handle="maren-2")
    assert fresh.get("/api/v1/me").json()["data"]["id"] != user_id


def test_spotify_cannot_be_disconnected_when_it_is_the_only_way_in(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    response = client.delete("/api/v1/me/spotify", headers={"X-CSRF-Token": liner.csrf(client)})
    assert response.status_code == 422
    assert "how you sign in" in response.json()["error"]["message"]


# --- every state change: no CSRF token, or someone else's, is refused ---------------

API_ACTIONS = [
    ("POST", "/api/v1/me/music/refresh", None),
    ("PATCH", "/api/v1/me", {"display_name": "Mallory"}),
    ("PUT", "/api/v1/me/handle", {"handle": "mallory"}),
    ("DELETE", "/api/v1/me/sessions", None),
    ("DELETE", "/api/v1/me/spotify", None),
    ("DELETE", "/api/v1/me", {"confirm": True}),
    ("POST", "/api/v1/me/notes/generate", {"what": "all"}),
    ("PATCH", "/api/v1/me/notes", {"bio": "Björk."}),
    ("POST", "/api/v1/me/notes/revert", None),
    ("POST", "/api/v1/me/notes/captions/x/regenerate", None),
]
PAGE_ACTIONS = [
    ("/dashboard/refresh", {}),
    ("/settings/display-name", {"display_name": "Mallory"}),
    ("/settings/handle", {"handle": "mallory"}),
    ("/settings/spotify/disconnect", {}),
    ("/settings/sessions/sign-out-everywhere", {}),
    ("/settings/delete", {"confirm": "delete"}),
    ("/welcome", {"handle": "mallory"}),
    ("/auth/sign-out", {}),
    ("/dashboard/notes/generate", {"what": "all"}),
    ("/dashboard/notes/edit", {"text": "Björk."}),
    ("/dashboard/notes/revert", {}),
    ("/dashboard/notes/captions/x/regenerate", {}),
]


@pytest.mark.parametrize(("method", "path", "body"), API_ACTIONS)
def test_api_changes_need_the_sessions_own_csrf_token(
    liner: LinerHarness, method: str, path: str, body: object
) -> None:
    alice = liner.sign_in(ALICE, handle="alice")
    bob = liner.sign_in(BOB, handle="bob")
    alice_token = liner.csrf(alice)
    for headers in ({}, {"X-CSRF-Token": alice_token}, {"X-CSRF-Token": "forged"}):
        response = bob.request(method, path, json=body, headers=headers)
        assert response.status_code == 403, (path, headers, response.text)
        assert response.json()["error"]["code"] == "csrf_failed"
    assert bob.get("/api/v1/me").json()["data"]["display_name"] == "Tomás Ferreira"
    assert alice.get("/api/v1/me").json()["data"]["handle"] == "alice"


@pytest.mark.parametrize(("path", "fields"), PAGE_ACTIONS)
def test_form_changes_need_the_sessions_own_csrf_token(
    liner: LinerHarness, path: str, fields: dict[str, str]
) -> None:
    alice = liner.sign_in(ALICE, handle="alice")
    bob = liner.sign_in(BOB, handle="bob")
    for token in (None, liner.csrf(alice)):
        data = dict(fields) | ({"csrf_token": token} if token else {})
        response = bob.post(path, data=data)
        assert response.status_code == 403, (path, token)
    me = bob.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["data"]["handle"] == "bob"


def test_bob_cannot_end_alices_sessions(liner: LinerHarness) -> None:
    alice = liner.sign_in(ALICE, handle="alice")
    bob = liner.sign_in(BOB, handle="bob")
    alice_session = alice.get("/api/v1/me/sessions").json()["data"][0]["id"]
    by_api = bob.delete(
        f"/api/v1/me/sessions/{alice_session}", headers={"X-CSRF-Token": liner.csrf(bob)}
    )
    assert by_api.status_code == 404
    by_form = bob.post(
        f"/settings/sessions/{alice_session}/sign-out", data={"csrf_token": liner.csrf(bob)}
    )
    assert by_form.status_code == 404
    assert alice.get("/api/v1/me").status_code == 200


def test_no_page_or_answer_shows_another_persons_data(liner: LinerHarness) -> None:
    alice = liner.sign_in(ALICE, handle="alice")
    alice.get("/api/v1/me/music")
    bob = liner.sign_in(BOB, handle="bob")
    alice_id = alice.get("/api/v1/me").json()["data"]["id"]
    for path in ("/dashboard", "/settings", "/api/v1/me", "/api/v1/me/music", "/api/v1/me/export"):
        text = bob.get(path).text
        assert alice_id not in text, path
        assert "Maren" not in text, path
    assert not re.search(r"alice", bob.get("/api/v1/me/sessions").text)
