"""Liner notes through the API and the dashboard: write, edit, regenerate, revert."""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
import pytest

from liner.adapters.store.table import CAPTION_PREFIX, user_key
from liner.domain.notes import check, names_in
from liner.ports.items import Delete
from liner.ports.store import Note
from liner.sandbox.models import FakeModelPeer
from support.liner_app import LinerHarness, running_liner
from support.personas import ALICE, BOB


def _call(
    liner: LinerHarness, client: httpx.Client, method: str, path: str, body: object = None
) -> httpx.Response:
    return client.request(method, path, json=body, headers={"X-CSRF-Token": liner.csrf(client)})


def _generate(liner: LinerHarness, client: httpx.Client, **body: Any) -> httpx.Response:
    client.get("/api/v1/me/music")  # the first read fetches the music the notes are about
    return _call(liner, client, "POST", "/api/v1/me/notes/generate", body or None)


def _snapshot_names(liner: LinerHarness, client: httpx.Client) -> list[str]:
    user_id = client.get("/api/v1/me").json()["data"]["id"]
    snapshot = liner.services.table.get_music(user_id).snapshot
    assert snapshot is not None
    return names_in(snapshot)


def test_writing_notes_gives_a_bio_and_one_caption_per_album_that_follow_the_rules(
    liner: LinerHarness,
) -> None:
    client = liner.sign_in(ALICE)
    assert client.get("/api/v1/me/notes").json()["data"]["bio"] is None
    response = _generate(liner, client)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    names = _snapshot_names(liner, client)
    assert check(data["bio"]["text"], kind="bio", names=names) == []
    assert data["bio"]["origin"] == "generated"
    assert set(data["captions"]) == set(data["albums"])
    assert len(data["albums"]) == 5
    for caption in data["captions"].values():
        assert check(caption["text"], kind="caption", names=names) == []
    assert client.get("/api/v1/me/notes").json()["data"] == data


def test_two_people_get_different_notes(liner: LinerHarness) -> None:
    alice = liner.sign_in(ALICE)
    bob = liner.sign_in(BOB)
    a = _generate(liner, alice).json()["data"]["bio"]["text"]
    b = _generate(liner, bob).json()["data"]["bio"]["text"]
    assert a != b


def test_regenerating_gives_another_version(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    first = _generate(liner, client).json()["data"]["bio"]["text"]
    versions = {first}
    for _ in range(3):
        versions.add(_generate(liner, client, what="bio").json()["data"]["bio"]["text"])
    assert len(versions) >= 2


def test_notes_need_music_first(liner: LinerHarness) -> None:
    client = liner.sign_in_by_email("newcomer@example.com")
    response = _call(liner, client, "POST", "/api/v1/me/notes/generate")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_music"


def test_an_edit_that_follows_the_rules_is_kept_as_an_edit(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    data = _generate(liner, client).json()["data"]
    album = data["albums"][0]
    edited = _call(
        liner,
        client,
        "PATCH",
        "/api/v1/me/notes",
        {
            "bio": "She keeps returning to Björk and Sigur Rós.",
            "captions": {album: "Björk, slowly."},
        },
    )
    assert edited.status_code == 200, edited.text
    notes = edited.json()["data"]
    assert notes["bio"] == {
        **notes["bio"],
        "text": "She keeps returning to Björk and Sigur Rós.",
        "origin": "edited",
        "can_revert": True,
    }
    assert notes["captions"][album]["origin"] == "edited"


@pytest.mark.parametrize(
    ("bio", "reason"),
    [
        ("Björk is amazing!", "exclamation"),
        ("I love Björk.", "first person"),
        ("Björk " + "and more " * 70, "500"),
        ("", "empty"),
        ("A person who listens to music.", "name"),
    ],
)
def test_an_edit_that_breaks_the_rules_is_refused_with_reasons(
    liner: LinerHarness, bio: str, reason: str
) -> None:
    client = liner.sign_in(ALICE)
    before = _generate(liner, client).json()["data"]["bio"]
    response = _call(liner, client, "PATCH", "/api/v1/me/notes", {"bio": bio})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "edit_rejected"
    assert error["reasons"]["bio"]
    assert reason.lower() in " ".join(error["reasons"]["bio"]).lower() or reason in error["message"]
    assert client.get("/api/v1/me/notes").json()["data"]["bio"] == before


def test_a_caption_for_an_album_that_is_not_yours_is_refused(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    _generate(liner, client)
    response = _call(
        liner, client, "PATCH", "/api/v1/me/notes", {"captions": {"someone-elses": "Björk."}}
    )
    assert response.status_code == 422


def test_regenerating_over_an_edit_needs_confirmation(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    _generate(liner, client)
    mine = "Björk, then Sigur Rós, most evenings."
    _call(liner, client, "PATCH", "/api/v1/me/notes", {"bio": mine})
    refused = _generate(liner, client, what="bio")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "edit_would_be_lost"
    assert client.get("/api/v1/me/notes").json()["data"]["bio"]["text"] == mine
    replaced = _generate(liner, client, what="bio", replace_edits=True)
    assert replaced.status_code == 200
    assert replaced.json()["data"]["bio"]["text"] != mine
    assert replaced.json()["data"]["bio"]["origin"] == "generated"


def test_revert_goes_back_to_the_last_generated_version(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    generated = _generate(liner, client).json()["data"]["bio"]["text"]
    _call(liner, client, "PATCH", "/api/v1/me/notes", {"bio": "Björk, mostly."})
    reverted = _call(liner, client, "POST", "/api/v1/me/notes/revert")
    assert reverted.json()["data"]["bio"]["text"] == generated
    assert reverted.json()["data"]["bio"]["origin"] == "generated"


def test_regenerating_one_caption_leaves_the_others(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    before = _generate(liner, client).json()["data"]
    target, *others = before["albums"]
    texts = set()
    for _ in range(3):
        after = _call(
            liner, client, "POST", f"/api/v1/me/notes/captions/{target}/regenerate"
        ).json()["data"]
        texts.add(after["captions"][target]["text"])
        for album in others:
            assert after["captions"][album] == before["captions"][album]
    assert len(texts | {before["captions"][target]["text"]}) >= 2
    missing = _call(liner, client, "POST", "/api/v1/me/notes/captions/nope/regenerate")
    assert missing.status_code == 404


def test_generations_have_a_daily_quota(tmp_path: Any) -> None:
    with running_liner(tmp_path, writer_daily_limit=2) as liner:
        client = liner.sign_in(ALICE)
        assert _generate(liner, client).status_code == 200
        assert _generate(liner, client, what="bio").status_code == 200
        third = _generate(liner, client, what="bio")
        assert third.status_code == 429
        assert third.json()["error"]["code"] == "writer_quota_exceeded"
        assert "tomorrow" in third.json()["error"]["message"]
        liner.clock.advance(days=1)
        assert _generate(liner, client, what="bio").status_code == 200


def test_a_refresh_writes_captions_for_new_albums_and_keeps_old_ones(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    data = _generate(liner, client).json()["data"]
    user_id = client.get("/api/v1/me").json()["data"]["id"]
    first, *rest = data["albums"]
    table = liner.services.table
    # An album that has left the top 5 keeps its caption; a top album lost its caption.
    table.items.write(Delete(user_key(user_id, CAPTION_PREFIX + first)))
    table.put_notes(
        user_id,
        [Note("caption", "Björk, kept.", "generated", liner.clock(), album_id="gone-album")],
    )
    liner.clock.advance(hours=25)
    assert _call(liner, client, "POST", "/api/v1/me/music/refresh").status_code == 200
    after = client.get("/api/v1/me/notes").json()["data"]
    assert first in after["captions"]
    assert after["captions"]["gone-album"]["text"] == "Björk, kept."
    for album in rest:
        assert after["captions"][album] == data["captions"][album]


def test_the_dashboard_writes_and_shows_the_notes(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    page = client.get("/dashboard").text
    assert 'data-testid="write-notes"' in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    done = client.post(
        "/dashboard/notes/generate", data={"what": "all", "csrf_token": csrf.group(1)}
    )
    assert done.status_code == 303
    page = client.get("/dashboard").text
    assert page.count('data-testid="caption"') == 5
    assert 'data-testid="bio"' in page
    edited = client.post(
        "/dashboard/notes/edit", data={"text": "Björk, mostly.", "csrf_token": csrf.group(1)}
    )
    assert edited.status_code == 303
    conflict = client.post(
        "/dashboard/notes/generate", data={"what": "bio", "csrf_token": csrf.group(1)}
    )
    assert conflict.status_code == 409
    assert 'data-testid="confirm-replace"' in conflict.text
    bad = client.post("/dashboard/notes/edit", data={"text": "Wow!", "csrf_token": csrf.group(1)})
    assert bad.status_code == 422
    assert "Nothing was saved" in bad.text


# --- a model writer behind an OpenAI-compatible endpoint ------------------------------


def test_a_model_writer_is_used_and_its_token_usage_logged(
    liner_model: LinerHarness,
    model_peer: tuple[FakeModelPeer, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    peer, _ = model_peer
    caplog.set_level(logging.INFO, logger="liner.services.notes")
    client = liner_model.sign_in(ALICE)
    response = _generate(liner_model, client, what="bio")
    assert response.status_code == 200, response.text
    assert len(peer.requests) == 1
    assert "Maren Solberg" in peer.last.user or "Björk" in peer.last.user
    assert "output tokens" in caplog.text


def test_model_text_that_breaks_the_rules_is_retried_with_the_reasons_then_refused(
    liner_model: LinerHarness, model_peer: tuple[FakeModelPeer, str]
) -> None:
    peer, _ = model_peer
    client = liner_model.sign_in(ALICE)
    assert _generate(liner_model, client, what="bio").status_code == 200
    before = client.get("/api/v1/me/notes").json()["data"]["bio"]
    peer.reset()
    peer.reply("Björk is amazing!", "Here is a bio: Björk!", "I love Björk!!!")
    response = _generate(liner_model, client, what="bio")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "notes_rejected"
    assert len(peer.requests) == 3  # the first try and two retries
    assert "amazing" in peer.requests[1].user  # the rejected text, sent back
    assert "exclamation" in peer.requests[2].user.lower()
    assert client.get("/api/v1/me/notes").json()["data"]["bio"] == before


def test_a_model_that_corrects_itself_on_retry_is_accepted(
    liner_model: LinerHarness, model_peer: tuple[FakeModelPeer, str]
) -> None:
    peer, _ = model_peer
    client = liner_model.sign_in(ALICE)
    peer.reply("Björk is amazing!", "Björk and Sigur Rós come back to her often.")
    response = _generate(liner_model, client, what="bio")
    assert response.status_code == 200
    assert response.json()["data"]["bio"]["text"] == "Björk and Sigur Rós come back to her often."


def test_a_provider_failure_is_a_clear_503_not_a_crash(
    liner_model: LinerHarness, model_peer: tuple[FakeModelPeer, str]
) -> None:
    peer, _ = model_peer
    client = liner_model.sign_in(ALICE)
    peer.fail_next(10, 500)
    response = _generate(liner_model, client, what="bio")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "writer_unavailable"
    assert "Traceback" not in response.text
