"""Display names, export, and deleting an account with everything it owns."""

from __future__ import annotations

import json
import sqlite3

import httpx
import pytest

from support.liner_app import LinerHarness
from support.personas import ALICE, BOB


def _patch_name(liner: LinerHarness, client: httpx.Client, name: str) -> httpx.Response:
    return client.patch(
        "/api/v1/me", json={"display_name": name}, headers={"X-CSRF-Token": liner.csrf(client)}
    )


@pytest.mark.parametrize(
    "name",
    ["Maren 🎧 Solberg", "ليلى حداد", "佐藤 由紀", "Zoë O’Brien-Øster"],
)
def test_a_display_name_in_any_script_round_trips_to_the_dashboard(
    liner: LinerHarness, name: str
) -> None:
    client = liner.sign_in(ALICE)
    response = _patch_name(liner, client, f"  {name}  ")
    assert response.status_code == 200, response.text
    assert response.json()["data"]["display_name"] == name
    assert client.get("/api/v1/me").json()["data"]["display_name"] == name
    assert name in client.get("/dashboard").text
    assert name in client.get("/settings").text


def test_a_display_name_defaults_to_the_providers(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    assert client.get("/api/v1/me").json()["data"]["display_name"] == "Maren Solberg"


@pytest.mark.parametrize(
    ("name", "why"),
    [("", "Enter a display name"), ("   ", "Enter a display name"), ("x" * 101, "100 characters")],
)
def test_a_bad_display_name_is_refused_and_the_old_one_kept(
    liner: LinerHarness, name: str, why: str
) -> None:
    client = liner.sign_in(ALICE)
    response = _patch_name(liner, client, name)
    assert response.status_code == 422
    assert why in response.json()["error"]["message"]
    assert client.get("/api/v1/me").json()["data"]["display_name"] == "Maren Solberg"


def test_unknown_fields_are_refused_not_stored(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    response = client.patch(
        "/api/v1/me",
        json={"display_name": "Maren", "id": "someone-else", "pk": "USER#x"},
        headers={"X-CSRF-Token": liner.csrf(client)},
    )
    assert response.status_code == 422
    assert client.get("/api/v1/me").json()["data"]["display_name"] == "Maren Solberg"


def test_the_export_holds_everything_but_secrets(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE, handle="maren")
    client.get("/api/v1/me/music")
    data = client.get("/api/v1/me/export").json()["data"]
    assert data["profile"]["handle"] == "maren"
    assert data["profile"]["display_name"] == "Maren Solberg"
    assert data["linked_accounts"]["spotify"]["id"] == "maren"
    assert len(data["music"]["tracks"]) > 3
    assert data["sessions"] and "device" in data["sessions"][0]
    text = json.dumps(data)
    for secret in ("access_token", "refresh_token", "csrf", "claim_token"):
        assert secret not in text
    download = client.get("/settings/export")
    assert download.headers["content-disposition"].startswith("attachment")
    assert json.loads(download.text)["profile"]["handle"] == "maren"


def _all_items(liner: LinerHarness) -> list[dict[str, object]]:
    path = liner.services.settings.data_dir / "liner.sqlite3"
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT body FROM items").fetchall()
    return [json.loads(body) for (body,) in rows]


def _mentions(items: list[dict[str, object]], *needles: str) -> list[dict[str, object]]:
    return [item for item in items if any(n in json.dumps(item) for n in needles)]


def test_deleting_an_account_leaves_nothing_of_the_person(liner: LinerHarness) -> None:
    alice = liner.sign_in(ALICE, handle="maren")
    alice.get("/api/v1/me/music")
    bob = liner.sign_in(BOB, handle="tomas")
    bob.get("/api/v1/me/music")
    alice_id = alice.get("/api/v1/me").json()["data"]["id"]
    cookie = alice.cookies["liner_session"]
    before = _all_items(liner)
    assert len(_mentions(before, alice_id)) >= 8  # profile, tokens, music, sessions, ...

    refused = alice.request(
        "DELETE", "/api/v1/me", json={"confirm": False}, headers={"X-CSRF-Token": liner.csrf(alice)}
    )
    assert refused.status_code == 422
    deleted = alice.request(
        "DELETE", "/api/v1/me", json={"confirm": True}, headers={"X-CSRF-Token": liner.csrf(alice)}
    )
    assert deleted.status_code == 200

    after = _all_items(liner)
    assert _mentions(after, alice_id, "HANDLE#maren", "IDENTITY#spotify#maren") == []
    # Only the person's items went: bob is untouched.
    assert _mentions(after, bob.get("/api/v1/me").json()["data"]["id"])
    stale = liner.client()
    stale.cookies.set("liner_session", cookie)
    assert stale.get("/api/v1/me").status_code == 401
    # The handle can be claimed again, and signing in with Spotify starts afresh.
    again = liner.sign_in(ALICE, handle="maren")
    assert again.get("/api/v1/me").json()["data"]["id"] != alice_id


def test_deleting_from_settings_needs_the_word_delete(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    csrf = liner.csrf(client)
    kept = client.post("/settings/delete", data={"confirm": "yes", "csrf_token": csrf})
    assert kept.status_code == 422
    assert "Nothing was deleted" in kept.text
    gone = client.post("/settings/delete", data={"confirm": "delete", "csrf_token": csrf})
    assert gone.status_code == 200
    assert "Your account is deleted" in gone.text
    assert client.get("/api/v1/me").status_code == 401
