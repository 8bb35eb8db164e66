"""The music API: one envelope, the snapshot, the cooldown, and Spotify's bad days."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from support.liner_app import LinerHarness, running_liner
from support.personas import ALICE, DEV_MODE, NO_HISTORY


def _refresh(client: httpx.Client, csrf: str) -> httpx.Response:
    return client.post("/api/v1/me/music/refresh", headers={"X-CSRF-Token": csrf})


def test_without_a_session_the_api_answers_401_in_the_envelope(liner: LinerHarness) -> None:
    client = liner.client()
    for path in ("/api/v1/me", "/api/v1/me/music"):
        response = client.get(path)
        assert response.status_code == 401
        assert response.json() == {
            "data": None,
            "error": {"code": "unauthenticated", "message": "Please sign in first."},
        }
    assert client.post("/api/v1/me/music/refresh").status_code == 401


def test_me_describes_the_person_and_their_connection(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    body = client.get("/api/v1/me").json()
    assert body["error"] is None
    data = body["data"]
    assert set(data) == {"id", "display_name", "handle", "email", "google", "spotify", "csrf_token"}
    assert data["handle"] == ALICE
    assert data["display_name"]
    assert data["spotify"] == {"connected": True, "needs_reconnect": False}


def test_music_has_at_most_6_artists_5_albums_and_3_tracks(liner_any_store: LinerHarness) -> None:
    client = liner_any_store.sign_in(ALICE)
    body = client.get("/api/v1/me/music").json()
    assert body["error"] is None
    data = body["data"]
    assert 1 <= len(data["artists"]) <= 6
    assert 1 <= len(data["albums"]) <= 5
    assert len(data["tracks"]) == 3
    for artist in data["artists"]:
        assert set(artist) == {"id", "name", "image_url", "genres"}
    for album in data["albums"]:
        assert set(album) == {
            "id",
            "name",
            "artists",
            "image_url",
            "album_type",
            "score",
            "track_count",
        }
        assert album["album_type"] in ("album", "compilation")
        assert album["track_count"] >= 1
        assert all(isinstance(name, str) for name in album["artists"])
    for track in data["tracks"]:
        assert set(track) == {"id", "name", "artists", "album", "is_local"}
    refreshed = datetime.fromisoformat(data["refreshed_at"].replace("Z", "+00:00"))
    next_at = datetime.fromisoformat(data["next_refresh_at"].replace("Z", "+00:00"))
    assert next_at - refreshed == timedelta(days=1)
    assert refreshed == liner_any_store.clock().replace(microsecond=0)


def test_albums_are_ranked_by_score_then_track_count(liner: LinerHarness) -> None:
    albums = liner.sign_in(ALICE).get("/api/v1/me/music").json()["data"]["albums"]
    keys = [(a["score"] is None, -(a["score"] or 0), -a["track_count"]) for a in albums]
    assert keys == sorted(keys)


def test_the_first_read_fetches_and_later_reads_come_from_the_store(
    liner_any_store: LinerHarness,
) -> None:
    liner = liner_any_store
    client = liner.sign_in(ALICE)
    first = client.get("/api/v1/me/music").json()["data"]
    calls = dict(liner.sandbox.calls)
    assert calls.get("top_artists") == 1 and calls.get("top_tracks") == 1
    for _ in range(3):
        assert client.get("/api/v1/me/music").json()["data"] == first
        client.get("/dashboard")
    assert dict(liner.sandbox.calls) == calls


def test_a_listener_with_no_history_gets_empty_lists_not_an_error(liner: LinerHarness) -> None:
    body = liner.sign_in(NO_HISTORY).get("/api/v1/me/music").json()
    assert body["error"] is None
    assert body["data"]["artists"] == body["data"]["albums"] == body["data"]["tracks"] == []
    assert body["data"]["refreshed_at"] is not None


def test_development_mode_data_without_popularity_still_ranks_albums(liner: LinerHarness) -> None:
    data = liner.sign_in(DEV_MODE).get("/api/v1/me/music").json()["data"]
    assert data["albums"], "dev-mode data still yields albums"
    assert all(album["score"] is None for album in data["albums"])
    assert all(artist["genres"] == [] for artist in data["artists"])
    counts = [a["track_count"] for a in data["albums"]]
    assert counts == sorted(counts, reverse=True)


def test_a_refresh_inside_the_cooldown_answers_429_with_retry_after(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    client.get("/api/v1/me/music")
    liner.clock.advance(hours=18, minutes=48)
    response = _refresh(client, liner.csrf(client))
    assert response.status_code == 429
    body = response.json()
    assert body["data"] is None
    assert body["error"]["code"] == "cooldown"
    assert body["error"]["retry_after"] == 5 * 3600 + 12 * 60
    assert response.headers["Retry-After"] == str(5 * 3600 + 12 * 60)
    assert "5h 12m" in body["error"]["message"]


def test_a_refresh_after_the_cooldown_fetches_again(liner_any_store: LinerHarness) -> None:
    liner = liner_any_store
    client = liner.sign_in(ALICE)
    before = client.get("/api/v1/me/music").json()["data"]
    liner.clock.advance(hours=24)
    response = _refresh(client, liner.csrf(client))
    assert response.status_code == 200
    after = response.json()["data"]
    assert after["refreshed_at"] > before["refreshed_at"]
    assert liner.sandbox.calls["top_tracks"] == 2
    assert client.get("/api/v1/me/music").json()["data"] == after


def test_a_refresh_without_the_csrf_token_is_refused(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    client.get("/api/v1/me/music")
    liner.clock.advance(days=2)
    assert client.post("/api/v1/me/music/refresh").status_code == 403
    wrong = client.post("/api/v1/me/music/refresh", headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "csrf_failed"
    assert liner.sandbox.calls["top_tracks"] == 1


def test_twenty_concurrent_refreshes_make_one_pair_of_spotify_calls(
    liner_any_store: LinerHarness,
) -> None:
    liner = liner_any_store
    client = liner.sign_in(ALICE)
    client.get("/api/v1/me/music")
    csrf = liner.csrf(client)
    liner.clock.advance(hours=25)
    liner.sandbox.latency = 0.2  # keep the winner busy while the others arrive
    before = dict(liner.sandbox.calls)
    cookies = dict(client.cookies)

    def one(_: int) -> tuple[int, int | None]:
        with httpx.Client(base_url=liner.base_url, cookies=cookies, timeout=30) as c:
            response = _refresh(c, csrf)
            retry_after = response.headers.get("Retry-After")
            return response.status_code, int(retry_after) if retry_after else None

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(one, range(20)))
    statuses = [status for status, _ in results]
    waits = [wait for _, wait in results]
    assert statuses.count(200) == 1
    assert statuses.count(429) == 19
    # Losers are told to come back when the running refresh is surely over, not in a day.
    assert all(0 < wait <= 120 for wait in waits if wait is not None)
    assert len([w for w in waits if w is not None]) == 19
    assert liner.sandbox.calls["top_artists"] - before["top_artists"] == 1
    assert liner.sandbox.calls["top_tracks"] - before["top_tracks"] == 1


def test_a_failed_refresh_keeps_the_snapshot_and_starts_no_cooldown(
    liner_any_store: LinerHarness,
) -> None:
    liner = liner_any_store
    client = liner.sign_in(ALICE)
    before = client.get("/api/v1/me/music").json()["data"]
    liner.clock.advance(hours=25)
    csrf = liner.csrf(client)
    liner.sandbox.fail_next(10, status=503, endpoint="top_tracks")
    response = _refresh(client, csrf)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "spotify_unavailable"
    assert client.get("/api/v1/me/music").json()["data"] == before
    liner.sandbox.reset()
    assert _refresh(client, csrf).status_code == 200  # no cooldown was started


def test_a_short_retry_after_is_waited_out_inside_the_request(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    liner.sandbox.fail_next(1, status=429, endpoint="top_artists", retry_after=1)
    started = time.monotonic()
    response = client.get("/api/v1/me/music")
    assert response.status_code == 200
    assert time.monotonic() - started >= 1


def test_a_long_retry_after_returns_promptly_with_when_to_come_back(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    liner.sandbox.fail_next(5, status=429, endpoint="top_tracks", retry_after=7200)
    started = time.monotonic()
    response = client.get("/api/v1/me/music")
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "spotify_rate_limited"
    assert error["retry_after"] == 7200
    assert "try again in 2h 0m" in error["message"]
    assert response.headers["Retry-After"] == "7200"


def test_a_quota_answer_is_reported_as_a_quota_problem(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    liner.sandbox.fail_next(
        5,
        status=429,
        endpoint="top_artists",
        retry_after=3,
        body={"error": {"status": 429, "message": "Quota exceeded", "reason": "QUOTA_EXCEEDED"}},
    )
    response = client.get("/api/v1/me/music")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "spotify_quota_exceeded"
    assert liner.sandbox.calls["top_artists"] == 1  # waiting would not help: no retry


def test_server_errors_are_retried_a_bounded_number_of_times(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    liner.sandbox.fail_next(2, status=500, endpoint="top_tracks")
    assert client.get("/api/v1/me/music").status_code == 200
    assert liner.sandbox.calls["top_tracks"] == 3


def test_a_malformed_body_is_a_clear_error_not_a_crash(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    liner.sandbox.malformed_next(1, endpoint="top_tracks")
    response = client.get("/api/v1/me/music")
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "spotify_unavailable"
    assert "could not read" in response.json()["error"]["message"]


def test_a_slow_spotify_times_out_with_a_clear_error(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    liner.sandbox.hang_next(3, 5, endpoint="top_artists")
    started = time.monotonic()
    response = client.get("/api/v1/me/music")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "spotify_unavailable"
    assert time.monotonic() - started < 10


def test_the_access_token_is_refreshed_shortly_before_it_expires(tmp_path: Path) -> None:
    with running_liner(tmp_path, cooldown_seconds=0) as liner:
        client = liner.sign_in(ALICE)
        client.get("/api/v1/me/music")
        csrf = liner.csrf(client)
        assert liner.sandbox.calls["token"] == 1
        liner.clock.advance(minutes=57)  # 3 minutes left on Spotify's hour-long token
        assert _refresh(client, csrf).status_code == 200
        assert liner.sandbox.calls["token"] == 1
        liner.clock.advance(minutes=1, seconds=1)  # 119 s left: inside the margin
        assert _refresh(client, csrf).status_code == 200
        assert liner.sandbox.calls["token"] == 2
        assert liner.sandbox.calls["top_tracks"] == 3


def test_a_401_triggers_one_token_refresh_and_a_retry(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    liner.sandbox.expire_access_tokens()
    response = client.get("/api/v1/me/music")
    assert response.status_code == 200
    assert liner.sandbox.calls["token"] == 2


def test_a_refresh_answer_without_a_refresh_token_keeps_the_old_one(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    client.get("/api/v1/me/music")
    liner.sandbox.omit_refresh_token_on_refresh = True
    csrf = liner.csrf(client)
    for _ in range(2):  # the kept refresh token must work again next time
        liner.clock.advance(hours=25)
        assert _refresh(client, csrf).status_code == 200
    assert liner.sandbox.calls["token"] == 3


def test_a_revoked_refresh_token_asks_to_reconnect_and_keeps_the_data(
    liner_any_store: LinerHarness,
) -> None:
    liner = liner_any_store
    client = liner.sign_in(ALICE)
    before = client.get("/api/v1/me/music").json()["data"]
    liner.sandbox.revoke_refresh_tokens()
    liner.clock.advance(hours=25)
    response = _refresh(client, liner.csrf(client))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "spotify_reconnect_required"
    assert client.get("/api/v1/me").json()["data"]["spotify"] == {
        "connected": True,
        "needs_reconnect": True,
    }
    assert client.get("/api/v1/me/music").json()["data"] == before
    # Reconnecting (signing in with Spotify again) clears the flag.
    liner.sign_in(ALICE, client)
    assert client.get("/api/v1/me").json()["data"]["spotify"]["needs_reconnect"] is False


def test_a_token_rejected_even_after_a_refresh_asks_to_reconnect(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    liner.sandbox.fail_next(2, status=401, endpoint="top_artists")
    response = client.get("/api/v1/me/music")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "spotify_reconnect_required"
    assert liner.sandbox.calls["token"] == 2  # exactly one refresh in between
    assert client.get("/api/v1/me").json()["data"]["spotify"]["needs_reconnect"] is True


def test_a_failed_token_refresh_is_retried_like_any_idempotent_call(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    client.get("/api/v1/me/music")
    liner.clock.advance(hours=25)
    liner.sandbox.fail_next(1, status=500, endpoint="token")
    assert _refresh(client, liner.csrf(client)).status_code == 200
    assert liner.sandbox.calls["token"] == 3


def test_a_retry_after_just_over_five_seconds_is_not_waited(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    liner.sandbox.fail_next(1, status=429, endpoint="top_tracks", retry_after=6)
    started = time.monotonic()
    response = client.get("/api/v1/me/music")
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert response.json()["error"]["retry_after"] == 6


def test_retries_stop_after_three_tries(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    liner.sandbox.fail_next(10, status=503, endpoint="top_tracks")
    assert client.get("/api/v1/me/music").status_code == 503
    assert liner.sandbox.calls["top_tracks"] == 3


def test_the_two_top_lists_are_fetched_at_the_same_time(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    liner.sandbox.latency = 0.5
    started = time.monotonic()
    assert client.get("/api/v1/me/music").status_code == 200
    assert time.monotonic() - started < 0.9  # two 0.5 s calls in a row would take 1 s


def test_a_refresh_that_outlived_its_claim_yields_to_the_newer_one(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    client.get("/api/v1/me/music")
    csrf = liner.csrf(client)
    liner.clock.advance(hours=25)
    liner.sandbox.latency = 0.6
    cookies = dict(client.cookies)

    def refresh_in_thread() -> int:
        with httpx.Client(base_url=liner.base_url, cookies=cookies, timeout=30) as c:
            return _refresh(c, csrf).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        slow = pool.submit(refresh_in_thread)
        time.sleep(0.3)  # the first refresh holds the claim and waits on Spotify
        liner.clock.advance(seconds=121)  # ...long enough for its claim to lapse
        fresh = pool.submit(refresh_in_thread)
        assert slow.result() == 429
        assert fresh.result() == 200
    data = client.get("/api/v1/me/music").json()["data"]
    assert data["refreshed_at"] == liner.clock().isoformat().replace("+00:00", "Z")
