"""Handles: the rules on the server, atomic claims, changes that free the old address."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from fastapi.routing import APIRoute
from starlette.routing import Mount, Route

from liner.domain.handles import problems
from liner.web.app import create_app
from support.liner_app import LinerHarness, consent_form
from support.personas import ALICE, BOB, CJK


def _claim(liner: LinerHarness, client: httpx.Client, handle: str) -> httpx.Response:
    return client.put(
        "/api/v1/me/handle", json={"handle": handle}, headers={"X-CSRF-Token": liner.csrf(client)}
    )


def test_a_handle_is_lower_cased_and_becomes_the_persons(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE, handle="first")
    response = _claim(liner, client, "  Maren-Solberg ")
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"handle": "maren-solberg"}
    assert client.get("/api/v1/me").json()["data"]["handle"] == "maren-solberg"


def test_each_rule_has_its_own_clear_message(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    cases = {
        "ab": "too_short",
        "a" * 31: "too_long",
        "maren_s": "invalid_characters",
        "-maren": "hyphen_edges",
        "ma--ren": "double_hyphen",
        "dashboard": "reserved",
        "ﬁle": "invalid_characters",  # a ligature never becomes "file"
    }
    messages = set()
    for handle, code in cases.items():
        response = _claim(liner, client, handle)
        assert response.status_code == 422, handle
        error = response.json()["error"]
        assert error["code"] == "invalid_handle"
        assert code in error["problems"], (handle, error)
        messages.add(error["message"])
    assert len(messages) == len(cases) - 1  # the two character problems share a message
    assert client.get("/api/v1/me").json()["data"]["handle"] == ALICE  # nothing changed


def test_a_taken_handle_answers_409(liner: LinerHarness) -> None:
    liner.sign_in(ALICE, handle="same")
    bob = liner.sign_in(BOB, handle="bobs")
    response = _claim(liner, bob, "same")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "handle_taken"


def test_twenty_people_claiming_one_handle_at_once_leaves_one_winner(
    liner_any_store: LinerHarness,
) -> None:
    liner = liner_any_store
    # Email sign-in is the quickest way to make 20 distinct people here.
    clients = [liner.sign_in_by_email(f"person{i}@example.com", handle=f"p-{i}") for i in range(20)]
    tokens = [liner.csrf(c) for c in clients]

    def claim(i: int) -> int:
        return (
            clients[i]
            .put(
                "/api/v1/me/handle", json={"handle": "wanted"}, headers={"X-CSRF-Token": tokens[i]}
            )
            .status_code
        )

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(claim, range(20)))
    assert statuses.count(200) == 1
    assert statuses.count(409) == 19
    owners = [c.get("/api/v1/me").json()["data"]["handle"] for c in clients]
    assert owners.count("wanted") == 1


def test_changing_your_handle_frees_the_old_one(liner: LinerHarness) -> None:
    alice = liner.sign_in(ALICE, handle="old-name")
    assert _claim(liner, alice, "new-name").status_code == 200
    bob = liner.sign_in(BOB, handle="bob")
    assert _claim(liner, bob, "old-name").status_code == 200
    assert liner.services.table.handle_owner("new-name") is not None
    assert (
        liner.services.table.handle_owner("old-name") == bob.get("/api/v1/me").json()["data"]["id"]
    )


def test_availability_says_why_a_handle_cannot_be_had(liner: LinerHarness) -> None:
    liner.sign_in(ALICE, handle="taken-one")
    client = liner.client()

    def check(handle: str) -> dict[str, object]:
        body = client.get(f"/api/v1/handles/{handle}").json()
        assert body["error"] is None
        return body["data"]  # type: ignore[no-any-return]

    assert check("free-one") == {"handle": "free-one", "available": True, "reason": None}
    assert check("Taken-One") == {"handle": "taken-one", "available": False, "reason": "taken"}
    assert check("api")["reason"] == "reserved"
    assert check("a")["reason"] == "too_short"


def test_your_own_handle_shows_as_available_to_you(liner: LinerHarness) -> None:
    alice = liner.sign_in(ALICE, handle="mine")
    assert alice.get("/api/v1/handles/mine").json()["data"]["available"] is True


def test_availability_checks_are_rate_limited_per_client(liner: LinerHarness) -> None:
    client = liner.client()
    statuses = [client.get(f"/api/v1/handles/name-{i}").status_code for i in range(31)]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429
    limited = client.get("/api/v1/handles/one-more")
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0


def _top_level_segments(routes: list[object]) -> set[str]:
    segments: set[str] = set()
    for route in routes:
        path = getattr(route, "path", None)
        if path is None:  # FastAPI keeps included routers as wrappers: walk into them
            inner = getattr(getattr(route, "original_router", None), "routes", [])
            prefix = getattr(getattr(route, "include_context", None), "prefix", "")
            segments |= {(prefix + getattr(r, "path", "")).strip("/").split("/")[0] for r in inner}
            continue
        if isinstance(route, APIRoute | Route | Mount):
            segments.add(str(path).strip("/").split("/")[0])
    return {s for s in segments if s and not s.startswith("{")}


def test_no_top_level_path_the_app_serves_can_be_claimed(liner: LinerHarness) -> None:
    served = _top_level_segments(list(create_app(services=liner.services).routes))
    assert {"api", "auth", "dashboard", "settings", "static", "sandbox", "welcome"} <= served
    # Reserved, or not a valid handle at all ("robots.txt" has a dot): never claimable.
    claimable = {s for s in served if not problems(s)}
    assert claimable == set(), f"top-level paths that a person could claim: {claimable}"


def test_a_new_person_is_guided_to_claim_a_handle_without_loops(liner: LinerHarness) -> None:
    client = liner.client()
    start = client.get("/auth/spotify")
    consent = client.get(start.headers["location"])
    action, fields = consent_form(consent.text, CJK)
    decision = client.post(str(consent.url.join(action)), data=fields)
    assert client.get(decision.headers["location"]).headers["location"] == "/welcome"
    assert client.get("/dashboard").headers["location"] == "/welcome"
    assert client.get("/welcome").status_code == 200
    csrf = liner.csrf(client)
    bad = client.post("/welcome", data={"handle": "x", "csrf_token": csrf})
    assert bad.status_code == 422
    assert "at least 3 characters" in bad.text
    good = client.post("/welcome", data={"handle": "yuki", "csrf_token": csrf})
    assert good.headers["location"] == "/dashboard"
    assert client.get("/welcome").headers["location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200
