"""The Spotify sandbox speaks Spotify's wire protocol over real HTTP on 127.0.0.1.

Most tests use the session's sandbox, mounted under /sandbox/spotify the way
Liner mounts it; tests that need a clock of their own serve a second sandbox.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from PIL import Image

from liner.sandbox.covers import cover_jpeg, initials
from liner.sandbox.listeners import LISTENERS, spotify_id
from liner.sandbox.spotify import SandboxSpotify
from support.live_server import serve

REDIRECT_URI = "http://127.0.0.1:8765/auth/spotify/callback"
SCOPE = "user-top-read user-read-email user-read-private"


# --- How a client talks to the sandbox -----------------------------------------------


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge), as a client makes them."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def basic(client_id: str, secret: str) -> dict[str, str]:
    token = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@dataclass
class Spotify:
    """What a client of the sandbox does, one step at a time."""

    http: httpx.Client
    base: str
    sandbox: SandboxSpotify

    def authorize_query(self, **overrides: str) -> dict[str, str]:
        query = {
            "client_id": self.sandbox.client_id,
            "response_type": "code",
            "redirect_uri": REDIRECT_URI,
            "scope": SCOPE,
            "state": "state-123",
        }
        query.update(overrides)
        return query

    def consent(self, listener: str, query: dict[str, str]) -> httpx.Response:
        return self.http.post(f"{self.base}/authorize", data={**query, "listener": listener})

    def code_for(self, listener: str, **overrides: str) -> tuple[str, str]:
        """Consent as ``listener`` with PKCE; returns (code, code_verifier)."""
        verifier, challenge = pkce_pair()
        query = self.authorize_query(
            code_challenge=challenge, code_challenge_method="S256", **overrides
        )
        response = self.consent(listener, query)
        assert response.status_code == 303, response.text
        return httpx.URL(response.headers["location"]).params["code"], verifier

    def token(self, data: dict[str, str], headers: dict[str, str] | None = None) -> httpx.Response:
        return self.http.post(f"{self.base}/api/token", data=data, headers=headers)

    def exchange(self, code: str, verifier: str, **overrides: str) -> httpx.Response:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": self.sandbox.client_id,
            "code_verifier": verifier,
        }
        data.update(overrides)
        return self.token(data)

    def sign_in(self, listener: str = "maren", *, scope: str = SCOPE) -> dict[str, Any]:
        code, verifier = self.code_for(listener, scope=scope)
        response = self.exchange(code, verifier)
        assert response.status_code == 200, response.text
        tokens: dict[str, Any] = response.json()
        return tokens

    def access_token(self, listener: str = "maren", *, scope: str = SCOPE) -> str:
        token: str = self.sign_in(listener, scope=scope)["access_token"]
        return token

    def refresh(self, refresh_token: str) -> httpx.Response:
        return self.token(
            {
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": self.sandbox.client_id,
            }
        )

    def get(self, path: str, access_token: str | None = None, **params: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
        return self.http.get(f"{self.base}{path}", params=params, headers=headers)

    def all_top(self, kind: str, access_token: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a top list, following ``next`` links."""
        items: list[dict[str, Any]] = []
        response = self.get(f"/v1/me/top/{kind}", access_token, limit=50, **params)
        while True:
            assert response.status_code == 200, response.text
            page = response.json()
            items.extend(page["items"])
            if page["next"] is None:
                return items
            response = self.http.get(
                page["next"], headers={"Authorization": f"Bearer {access_token}"}
            )


@pytest.fixture
def spotify(http: httpx.Client, sandbox_url: str, sandbox: SandboxSpotify) -> Spotify:
    return Spotify(http, sandbox_url, sandbox)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def clocked(http: httpx.Client, clock: FakeClock) -> Iterator[Spotify]:
    """A second sandbox on its own clock, served standalone (not mounted)."""
    sandbox = SandboxSpotify(clock=clock, access_token_ttl=120)
    with serve(sandbox.app()) as url:
        yield Spotify(http, url, sandbox)


def walk_keys(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from walk_keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from walk_keys(inner)


def api_error(response: httpx.Response) -> tuple[int, str]:
    error = response.json()["error"]
    return error["status"], error["message"]


def oauth_error(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["error"], body["error_description"]


# --- The consent page ----------------------------------------------------------------


def test_the_consent_page_lists_every_listener_with_an_avatar_and_a_button(
    spotify: Spotify, sandbox: SandboxSpotify
) -> None:
    response = spotify.http.get(f"{spotify.base}/authorize", params=spotify.authorize_query())

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "Spotify sandbox — no real account involved" in page
    for listener in sandbox.listeners:
        assert f'name="listener" value="{listener.id}"' in page
        assert f"Continue as <bdi>{listener.display_name}</bdi>" in page
        assert f"{spotify.base}/covers/user-{listener.id}.jpg" in page
        assert listener.blurb.replace("'", "&#39;") in page
    assert 'name="decision" value="cancel"' in page


def test_the_consent_page_carries_the_original_query_as_hidden_fields(spotify: Spotify) -> None:
    _, challenge = pkce_pair()
    query = spotify.authorize_query(
        code_challenge=challenge, code_challenge_method="S256", show_dialog="true"
    )

    page = spotify.http.get(f"{spotify.base}/authorize", params=query).text

    for name, value in query.items():
        assert f'<input type="hidden" name="{name}" value="{value}">' in page
    assert f'action="{spotify.base}/authorize"' in page


def test_the_consent_page_escapes_what_it_echoes(spotify: Spotify) -> None:
    query = spotify.authorize_query(state='"><script>alert(1)</script>', scope="<b>odd</b>")

    page = spotify.http.get(f"{spotify.base}/authorize", params=query).text

    assert "<script>alert(1)</script>" not in page
    assert "<b>odd</b>" not in page
    assert "&lt;script&gt;" in page


def test_the_consent_page_names_the_requested_scopes_in_plain_words(spotify: Spotify) -> None:
    page = spotify.http.get(f"{spotify.base}/authorize", params=spotify.authorize_query()).text

    assert "See your top artists and tracks" in page
    assert "See your email address" in page


def test_an_unknown_client_gets_an_invalid_client_page(spotify: Spotify) -> None:
    query = spotify.authorize_query(client_id="someone-else")

    response = spotify.http.get(f"{spotify.base}/authorize", params=query)

    assert response.status_code == 400
    assert "INVALID_CLIENT: Invalid client" in response.text


@pytest.mark.parametrize(
    ("redirect_uri", "message"),
    [
        ("http://localhost:8000/callback", "INVALID_CLIENT: Insecure redirect URI"),
        ("https://localhost/callback", "INVALID_CLIENT: Insecure redirect URI"),
        ("http://example.com/callback", "INVALID_CLIENT: Insecure redirect URI"),
        ("http://192.168.1.20:8000/callback", "INVALID_CLIENT: Insecure redirect URI"),
        ("ftp://127.0.0.1/callback", "INVALID_CLIENT: Invalid redirect URI"),
        ("", "INVALID_CLIENT: Invalid redirect URI"),
    ],
)
def test_an_untrusted_redirect_uri_gets_an_error_page(
    spotify: Spotify, redirect_uri: str, message: str
) -> None:
    query = spotify.authorize_query(redirect_uri=redirect_uri)

    response = spotify.http.get(f"{spotify.base}/authorize", params=query)

    assert response.status_code == 400
    assert message in response.text


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://127.0.0.1/callback",
        "http://127.0.0.1:43123/callback",
        "http://[::1]:8080/callback",
        "https://liner.example/auth/spotify/callback",
    ],
)
def test_loopback_ip_literals_and_https_are_trusted_redirect_uris(
    spotify: Spotify, redirect_uri: str
) -> None:
    query = spotify.authorize_query(redirect_uri=redirect_uri)

    assert spotify.http.get(f"{spotify.base}/authorize", params=query).status_code == 200


def test_a_response_type_other_than_code_is_sent_back_as_unsupported(spotify: Spotify) -> None:
    query = spotify.authorize_query(response_type="token")

    response = spotify.http.get(f"{spotify.base}/authorize", params=query)

    assert response.status_code == 302
    location = httpx.URL(response.headers["location"])
    assert str(location).startswith(REDIRECT_URI + "?")
    assert dict(location.params) == {"error": "unsupported_response_type", "state": "state-123"}


@pytest.mark.parametrize(
    "pkce",
    [
        {"code_challenge": "x" * 43, "code_challenge_method": "plain"},
        {"code_challenge": "x" * 43},
        {"code_challenge_method": "S256"},
        {"code_challenge": "too-short", "code_challenge_method": "S256"},
    ],
)
def test_a_pkce_challenge_that_is_not_s256_is_sent_back_as_invalid_request(
    spotify: Spotify, pkce: dict[str, str]
) -> None:
    query = spotify.authorize_query(**pkce)

    response = spotify.http.get(f"{spotify.base}/authorize", params=query)

    assert response.status_code == 302
    params = httpx.URL(response.headers["location"]).params
    assert params["error"] == "invalid_request"
    assert params["state"] == "state-123"


def test_continuing_as_a_listener_redirects_with_a_code_and_the_state(spotify: Spotify) -> None:
    response = spotify.consent("tomas", spotify.authorize_query())

    assert response.status_code == 303
    location = httpx.URL(response.headers["location"])
    assert str(location.copy_with(query=None)) == REDIRECT_URI
    assert location.params["state"] == "state-123"
    assert len(location.params["code"]) > 40


def test_a_redirect_uri_with_a_query_of_its_own_keeps_it(spotify: Spotify) -> None:
    redirect_uri = "https://liner.example/callback?next=%2Fdashboard"

    response = spotify.consent("maren", spotify.authorize_query(redirect_uri=redirect_uri))

    params = httpx.URL(response.headers["location"]).params
    assert params["next"] == "/dashboard"
    assert "code" in params


def test_a_missing_state_is_left_out_of_the_redirect(spotify: Spotify) -> None:
    query = spotify.authorize_query()
    del query["state"]

    response = spotify.consent("maren", query)

    assert "state" not in httpx.URL(response.headers["location"]).params


def test_cancel_redirects_with_access_denied_and_the_state(spotify: Spotify) -> None:
    data = {**spotify.authorize_query(), "decision": "cancel"}

    response = spotify.http.post(f"{spotify.base}/authorize", data=data)

    assert response.status_code == 303
    params = httpx.URL(response.headers["location"]).params
    assert dict(params) == {"error": "access_denied", "state": "state-123"}


def test_a_forged_consent_form_is_validated_again(spotify: Spotify) -> None:
    query = spotify.authorize_query(redirect_uri="http://localhost:9000/steal")

    response = spotify.consent("maren", query)

    assert response.status_code == 400
    assert "Insecure redirect URI" in response.text


def test_consenting_as_nobody_is_refused(spotify: Spotify) -> None:
    response = spotify.consent("no-such-listener", spotify.authorize_query())

    assert response.status_code == 400


# --- The token endpoint ----------------------------------------------------------------


def test_the_pkce_flow_gives_tokens_that_read_the_profile(spotify: Spotify) -> None:
    code, verifier = spotify.code_for("tomas")

    response = spotify.exchange(code, verifier)

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    tokens = response.json()
    assert set(tokens) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 3600
    assert tokens["scope"] == SCOPE
    me = spotify.get("/v1/me", tokens["access_token"])
    assert me.status_code == 200
    assert me.json()["id"] == "tomas"


def test_a_confidential_client_exchanges_its_code_with_basic_auth(
    spotify: Spotify, sandbox: SandboxSpotify
) -> None:
    response = spotify.consent("maren", spotify.authorize_query())  # no PKCE
    code = httpx.URL(response.headers["location"]).params["code"]

    tokens = spotify.token(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        headers=basic(sandbox.client_id, sandbox.client_secret),
    )

    assert tokens.status_code == 200
    assert spotify.get("/v1/me", tokens.json()["access_token"]).json()["id"] == "maren"


def test_a_code_works_only_once(spotify: Spotify) -> None:
    code, verifier = spotify.code_for("maren")
    assert spotify.exchange(code, verifier).status_code == 200

    again = spotify.exchange(code, verifier)

    assert oauth_error(again) == (400, "invalid_grant", "Invalid authorization code")


def test_an_unknown_code_is_an_invalid_grant(spotify: Spotify) -> None:
    response = spotify.exchange("AQnot-a-code", pkce_pair()[0])

    assert oauth_error(response) == (400, "invalid_grant", "Invalid authorization code")


def test_a_code_expires_after_ten_minutes(clocked: Spotify, clock: FakeClock) -> None:
    code, verifier = clocked.code_for("maren")
    clock.now += 600

    response = clocked.exchange(code, verifier)

    assert oauth_error(response) == (400, "invalid_grant", "Authorization code expired")


def test_a_code_is_still_good_just_before_ten_minutes(clocked: Spotify, clock: FakeClock) -> None:
    code, verifier = clocked.code_for("maren")
    clock.now += 599

    assert clocked.exchange(code, verifier).status_code == 200


def test_the_redirect_uri_must_match_the_one_that_was_authorized(spotify: Spotify) -> None:
    code, verifier = spotify.code_for("maren")

    response = spotify.exchange(code, verifier, redirect_uri="http://127.0.0.1:9999/other")

    assert oauth_error(response) == (400, "invalid_grant", "Invalid redirect URI")


def test_a_wrong_code_verifier_is_refused(spotify: Spotify) -> None:
    code, _ = spotify.code_for("maren")

    response = spotify.exchange(code, pkce_pair()[0])

    assert oauth_error(response) == (400, "invalid_grant", "code_verifier was incorrect")


def test_a_missing_code_verifier_is_an_invalid_request(spotify: Spotify) -> None:
    code, _ = spotify.code_for("maren")

    response = spotify.exchange(code, "")

    assert oauth_error(response)[:2] == (400, "invalid_request")


def test_a_public_client_cannot_exchange_a_code_without_pkce(spotify: Spotify) -> None:
    response = spotify.consent("maren", spotify.authorize_query())
    code = httpx.URL(response.headers["location"]).params["code"]

    exchanged = spotify.exchange(code, "")  # client_id in the body, no secret, no verifier

    assert oauth_error(exchanged)[:2] == (400, "invalid_client")


def test_a_missing_code_or_redirect_uri_is_an_invalid_request(spotify: Spotify) -> None:
    code, verifier = spotify.code_for("maren")

    assert oauth_error(spotify.exchange("", verifier))[:2] == (400, "invalid_request")
    assert oauth_error(spotify.exchange(code, verifier, redirect_uri=""))[:2] == (
        400,
        "invalid_request",
    )


def test_a_wrong_client_secret_is_an_invalid_client(
    spotify: Spotify, sandbox: SandboxSpotify
) -> None:
    response = spotify.token(
        {"grant_type": "refresh_token", "refresh_token": "x"},
        headers=basic(sandbox.client_id, "not-the-secret"),
    )

    assert oauth_error(response) == (400, "invalid_client", "Invalid client secret")


@pytest.mark.parametrize(
    "headers",
    [
        basic("someone-else", "liner-sandbox-secret"),
        {"Authorization": "Basic not-base64!"},
        {"Authorization": "Bearer liner-sandbox"},
    ],
)
def test_an_unknown_or_garbled_client_is_an_invalid_client(
    spotify: Spotify, headers: dict[str, str]
) -> None:
    response = spotify.token({"grant_type": "refresh_token", "refresh_token": "x"}, headers)

    assert oauth_error(response) == (400, "invalid_client", "Invalid client")


def test_a_request_without_any_client_is_an_invalid_client(spotify: Spotify) -> None:
    response = spotify.token({"grant_type": "refresh_token", "refresh_token": "x"})

    assert oauth_error(response) == (400, "invalid_client", "Invalid client")


def test_an_unknown_grant_type_is_unsupported(spotify: Spotify, sandbox: SandboxSpotify) -> None:
    response = spotify.token({"grant_type": "password", "client_id": sandbox.client_id})

    assert oauth_error(response)[:2] == (400, "unsupported_grant_type")


def test_a_json_body_reads_as_a_missing_grant_type(
    spotify: Spotify, sandbox: SandboxSpotify
) -> None:
    response = spotify.http.post(
        f"{spotify.base}/api/token",
        json={"grant_type": "authorization_code"},
        headers=basic(sandbox.client_id, sandbox.client_secret),
    )

    assert oauth_error(response) == (
        400,
        "unsupported_grant_type",
        "grant_type parameter is missing",
    )


def test_a_refresh_gives_a_new_access_token_and_a_new_refresh_token(spotify: Spotify) -> None:
    first = spotify.sign_in("maren")

    response = spotify.refresh(first["refresh_token"])

    assert response.status_code == 200
    tokens = response.json()
    assert tokens["access_token"] != first["access_token"]
    assert tokens["refresh_token"] != first["refresh_token"]
    assert tokens["scope"] == SCOPE
    assert spotify.get("/v1/me", tokens["access_token"]).json()["id"] == "maren"


def test_the_old_refresh_token_keeps_working_after_a_refresh(spotify: Spotify) -> None:
    first = spotify.sign_in("maren")
    assert spotify.refresh(first["refresh_token"]).status_code == 200

    assert spotify.refresh(first["refresh_token"]).status_code == 200


def test_a_confidential_client_refreshes_with_basic_auth(
    spotify: Spotify, sandbox: SandboxSpotify
) -> None:
    first = spotify.sign_in("maren")

    response = spotify.token(
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        headers=basic(sandbox.client_id, sandbox.client_secret),
    )

    assert response.status_code == 200


def test_an_unknown_refresh_token_is_an_invalid_grant(spotify: Spotify) -> None:
    response = spotify.refresh("AQnot-a-refresh-token")

    assert oauth_error(response) == (400, "invalid_grant", "Invalid refresh token")


def test_a_missing_refresh_token_is_an_invalid_request(spotify: Spotify) -> None:
    response = spotify.refresh("")

    assert oauth_error(response)[:2] == (400, "invalid_request")


# --- The Web API --------------------------------------------------------------------------


def test_me_describes_the_listener_with_absolute_urls(spotify: Spotify) -> None:
    me = spotify.get("/v1/me", spotify.access_token("maren")).json()

    assert me["id"] == "maren"
    assert me["display_name"] == "Maren Solberg"
    assert me["email"] == "maren.solberg@example.com"
    assert me["country"] == "NO"
    assert me["product"] == "premium"
    assert me["type"] == "user"
    assert me["uri"] == "spotify:user:maren"
    assert me["href"] == f"{spotify.base}/v1/users/maren"
    assert me["external_urls"]["spotify"].startswith(spotify.base)
    assert me["followers"] == {"href": None, "total": 41}
    assert me["images"] == [
        {"url": f"{spotify.base}/covers/user-maren.jpg", "height": 300, "width": 300}
    ]


def test_me_shows_email_and_country_only_with_their_scopes(spotify: Spotify) -> None:
    me = spotify.get("/v1/me", spotify.access_token("maren", scope="user-top-read")).json()

    assert "email" not in me
    assert "country" not in me
    assert "product" not in me
    assert me["display_name"] == "Maren Solberg"


def test_a_listener_without_a_picture_has_no_images(spotify: Spotify) -> None:
    me = spotify.get("/v1/me", spotify.access_token("sam")).json()

    assert me["images"] == []


def test_a_request_without_a_token_is_401(spotify: Spotify) -> None:
    response = spotify.get("/v1/me")

    assert response.status_code == 401
    assert api_error(response) == (401, "No token provided")


def test_an_unknown_token_is_401_invalid_access_token(spotify: Spotify) -> None:
    response = spotify.get("/v1/me/top/tracks", "BQnot-a-token")

    assert response.status_code == 401
    assert api_error(response) == (401, "Invalid access token")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_basic_authorization_header_is_400_on_the_api(spotify: Spotify) -> None:
    response = spotify.http.get(f"{spotify.base}/v1/me", headers=basic("a", "b"))

    assert api_error(response) == (400, "Only valid bearer authentication supported")


def test_expire_access_tokens_makes_every_issued_token_answer_401(
    spotify: Spotify, sandbox: SandboxSpotify
) -> None:
    tokens = spotify.sign_in("maren")
    other = spotify.access_token("tomas")

    sandbox.expire_access_tokens()

    for token in (tokens["access_token"], other):
        response = spotify.get("/v1/me", token)
        assert response.status_code == 401
        assert api_error(response) == (401, "The access token expired")
    refreshed = spotify.refresh(tokens["refresh_token"]).json()
    assert spotify.get("/v1/me", refreshed["access_token"]).status_code == 200


def test_access_tokens_expire_after_their_lifetime(clocked: Spotify, clock: FakeClock) -> None:
    tokens = clocked.sign_in("maren")
    assert tokens["expires_in"] == 120
    clock.now += 119
    assert clocked.get("/v1/me", tokens["access_token"]).status_code == 200

    clock.now += 1

    assert api_error(clocked.get("/v1/me", tokens["access_token"])) == (
        401,
        "The access token expired",
    )


def test_top_items_need_the_user_top_read_scope(spotify: Spotify) -> None:
    token = spotify.access_token("maren", scope="user-read-email")

    response = spotify.get("/v1/me/top/artists", token)

    assert api_error(response) == (403, "Insufficient client scope")


def test_top_tracks_come_as_a_paging_object_of_twenty_by_default(spotify: Spotify) -> None:
    page = spotify.get("/v1/me/top/tracks", spotify.access_token("maren")).json()

    assert set(page) == {"href", "items", "limit", "next", "offset", "previous", "total"}
    assert page["limit"] == 20
    assert page["offset"] == 0
    assert page["total"] == 50
    assert len(page["items"]) == 20
    assert page["previous"] is None
    assert page["next"] == (
        f"{spotify.base}/v1/me/top/tracks?limit=20&offset=20&time_range=medium_term"
    )
    assert page["href"].startswith(f"{spotify.base}/v1/me/top/tracks?")


def test_top_tracks_page_through_with_limit_and_offset(spotify: Spotify) -> None:
    token = spotify.access_token("maren")
    everything = spotify.get("/v1/me/top/tracks", token, limit=50).json()["items"]

    page = spotify.get("/v1/me/top/tracks", token, limit=7, offset=14).json()

    assert [t["uri"] for t in page["items"]] == [t["uri"] for t in everything[14:21]]
    assert page["previous"] == (
        f"{spotify.base}/v1/me/top/tracks?limit=7&offset=7&time_range=medium_term"
    )
    assert spotify.all_top("tracks", token) == everything
    walked = []
    url: str | None = f"{spotify.base}/v1/me/top/tracks?limit=15"
    while url:
        body = spotify.http.get(url, headers={"Authorization": f"Bearer {token}"}).json()
        walked.extend(body["items"])
        url = body["next"]
    assert walked == everything


def test_the_last_page_has_no_next_and_an_offset_past_the_end_is_empty(spotify: Spotify) -> None:
    token = spotify.access_token("yuki")

    last = spotify.get("/v1/me/top/tracks", token, limit=15, offset=30).json()
    beyond = spotify.get("/v1/me/top/tracks", token, limit=15, offset=45).json()

    assert len(last["items"]) == 10
    assert last["next"] is None
    assert beyond["items"] == []
    assert beyond["next"] is None
    assert beyond["total"] == 40


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": 0}, "Invalid limit"),
        ({"limit": 51}, "Invalid limit"),
        ({"limit": "ten"}, "Invalid limit"),
        ({"limit": -1}, "Invalid limit"),
        ({"offset": -1}, "Invalid offset"),
        ({"offset": "x"}, "Invalid offset"),
        ({"time_range": "forever"}, "Invalid time range"),
        ({"time_range": ""}, "Invalid time range"),
    ],
)
def test_bad_paging_parameters_are_400(
    spotify: Spotify, params: dict[str, Any], message: str
) -> None:
    token = spotify.access_token("maren")

    for kind in ("artists", "tracks"):
        response = spotify.get(f"/v1/me/top/{kind}", token, **params)
        assert api_error(response) == (400, message)


def test_time_ranges_reorder_the_same_items(spotify: Spotify) -> None:
    token = spotify.access_token("maren")

    orders = {
        time_range: [a["id"] for a in spotify.all_top("artists", token, time_range=time_range)]
        for time_range in ("short_term", "medium_term", "long_term")
    }

    assert orders["medium_term"] == [a.id for a in LISTENERS[0].artists]
    assert orders["short_term"] != orders["medium_term"]
    assert orders["long_term"] != orders["medium_term"]
    assert sorted(orders["short_term"]) == sorted(orders["medium_term"])
    assert sorted(orders["long_term"]) == sorted(orders["medium_term"])


def test_top_artists_are_full_artist_objects(spotify: Spotify) -> None:
    page = spotify.get("/v1/me/top/artists", spotify.access_token("maren"), limit=3).json()

    bjork = page["items"][0]
    assert bjork["name"] == "Björk"
    assert set(bjork) == {
        "external_urls",
        "followers",
        "genres",
        "href",
        "id",
        "images",
        "name",
        "popularity",
        "type",
        "uri",
    }
    assert bjork["uri"] == f"spotify:artist:{bjork['id']}"
    assert "art pop" in bjork["genres"]
    assert isinstance(bjork["popularity"], int)
    assert bjork["images"][0]["url"] == f"{spotify.base}/covers/artist-{bjork['id']}.jpg"


def test_top_tracks_are_full_track_objects(spotify: Spotify) -> None:
    track = spotify.get("/v1/me/top/tracks", spotify.access_token("maren"), limit=1).json()
    track = track["items"][0]

    assert track["name"] == "Svefn-g-englar"
    for key in ("id", "name", "uri", "href", "external_urls", "popularity", "duration_ms"):
        assert key in track
    for key in ("explicit", "is_local", "track_number", "disc_number", "artists", "album"):
        assert key in track
    assert track["uri"] == f"spotify:track:{track['id']}"
    assert track["artists"][0]["name"] == "Sigur Rós"
    album = track["album"]
    for key in ("id", "name", "album_type", "total_tracks", "release_date"):
        assert key in album
    for key in ("release_date_precision", "images", "artists", "uri", "external_urls"):
        assert key in album
    assert album["images"][0]["url"] == f"{spotify.base}/covers/album-{album['id']}.jpg"


def test_an_unknown_api_path_is_a_spotify_shaped_404(spotify: Spotify) -> None:
    response = spotify.get("/v1/me/top/albums", spotify.access_token("maren"))

    assert api_error(response) == (404, "Service not found")


# --- Misbehaviour switches ----------------------------------------------------------------


def test_fail_next_answers_the_status_with_retry_after_for_that_endpoint_only(
    spotify: Spotify, sandbox: SandboxSpotify
) -> None:
    token = spotify.access_token("maren")
    sandbox.fail_next(2, status=429, endpoint="top_tracks", retry_after=7)

    first = spotify.get("/v1/me/top/tracks", token)
    other_endpoint = spotify.get("/v1/me/top/artists", token)
    second = spotify.get("/v1/me/top/tracks", token)
    third = spotify.get("/v1/me/top/tracks", token)

    assert first.status_code == second.status_code == 429
    assert first.headers["retry-after"] == "7"
    assert api_error(first) == (429, "API rate limit exceeded")
    assert other_endpoint.status_code == 200
    assert third.status_code == 200
    assert sandbox.calls["top_tracks"] == 3
    assert sandbox.calls["top_artists"] == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_fail_next_answers_server_errors_in_spotifys_shape(
    spotify: Spotify, sandbox: SandboxSpotify, status: int
) -> None:
    sandbox.fail_next(1, status=status, endpoint="me")

    response = spotify.get("/v1/me", spotify.access_token("maren"))

    assert response.status_code == status
    assert api_error(response)[0] == status
    assert "retry-after" not in response.headers


def test_fail_next_sends_a_dict_body_as_json_and_a_str_body_as_text(
    spotify: Spotify, sandbox: SandboxSpotify
) -> None:
    token = spotify.access_token("maren")
    quota = {"error": {"status": 429, "message": "Quota exceeded", "reason": "QUOTA_EXCEEDED"}}
    sandbox.fail_next(1, status=429, endpoint="me", body=quota)
    sandbox.fail_next(1, status=502, endpoint="me", body="<html>Bad gateway</html>")

    as_json = spotify.get("/v1/me", token)
    as_text = spotify.get("/v1/me", token)

    assert as_json.json() == quota
    assert as_text.status_code == 502
    assert as_text.text == "<html>Bad gateway</html>"
    assert as_text.headers["content-type"].startswith("text/plain")


def test_fail_next_without_an_endpoint_hits_whichever_comes_next(
    spotify: Spotify, sandbox: SandboxSpotify
) -> None:
    token = spotify.access_token("maren")
    sandbox.fail_next(2, status=503)

    assert spotify.get("/v1/me/top/artists", token).status_code == 503
    assert spotify.refresh("AQwhatever").status_code == 503
    assert spotify.get("/v1/me", token).status_code == 200


def test_an_injected_token_failure_does_not_spend_the_code(
    spotify: Spotify, sandbox: SandboxSpotify
) -> None:
    code, verifier = spotify.code_for("maren")
    sandbox.fail_next(1, status=500, endpoint="token")

    assert spotify.exchange(code, verifier).status_code == 500
    assert spotify.exchange(code, verifier).status_code == 200
    assert sandbox.calls["token"] == 2


def test_malformed_next_answers_200_with_json_that_does_not_parse(
    spotify: Spotify, sandbox: SandboxSpotify
) -> None:
    token = spotify.access_token("maren")
    sandbox.malformed_next(1, endpoint="top_artists")

    response = spotify.get("/v1/me/top/artists", token)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    with pytest.raises(ValueError):
        response.json()
    assert spotify.get("/v1/me/top/artists", token).json()["total"] == 26


@pytest.mark.parametrize("endpoint", ["me", "top_artists", "top_tracks"])
def test_malformed_next_can_answer_json_of_the_wrong_shape(
    spotify: Spotify, sandbox: SandboxSpotify, endpoint: str
) -> None:
    token = spotify.access_token("maren")
    sandbox.malformed_next(1, endpoint=endpoint, shape="wrong_shape")
    paths = {"me": "/v1/me", "top_artists": "/v1/me/top/artists", "top_tracks": "/v1/me/top/tracks"}

    body = spotify.get(paths[endpoint], token).json()

    if endpoint == "me":
        assert not isinstance(body, dict)
    else:
        assert not isinstance(body["items"], list) or not isinstance(body["total"], int)


def test_malformed_next_on_the_token_endpoint(spotify: Spotify, sandbox: SandboxSpotify) -> None:
    code, verifier = spotify.code_for("maren")
    sandbox.malformed_next(1, endpoint="token", shape="wrong_shape")
    sandbox.malformed_next(1, endpoint="token")

    wrong_shape = spotify.exchange(code, verifier)
    invalid = spotify.exchange(code, verifier)

    assert "access_token" not in wrong_shape.json()
    with pytest.raises(ValueError):
        invalid.json()
    assert spotify.exchange(code, verifier).status_code == 200


def test_hang_next_makes_an_impatient_client_time_out_then_answers_promptly(
    spotify: Spotify, sandbox: SandboxSpotify
) -> None:
    token = spotify.access_token("maren")
    sandbox.hang_next(1, 30.0, endpoint="me")

    with pytest.raises(httpx.ReadTimeout):
        spotify.http.get(
            f"{spotify.base}/v1/me",
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(10, read=0.3),
        )
    started = time.monotonic()
    response = spotify.get("/v1/me", token)

    assert response.status_code == 200
    assert time.monotonic() - started < 1.0


def test_hang_next_answers_normally_after_the_wait(
    spotify: Spotify, sandbox: SandboxSpotify
) -> None:
    code, verifier = spotify.code_for("maren")
    sandbox.hang_next(1, 0.3, endpoint="token")

    started = time.monotonic()
    response = spotify.exchange(code, verifier)

    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3


def test_latency_slows_every_api_and_token_response(
    spotify: Spotify, sandbox: SandboxSpotify
) -> None:
    token = spotify.access_token("maren")
    sandbox.latency = 0.2

    started = time.monotonic()
    assert spotify.get("/v1/me", token).status_code == 200
    assert spotify.refresh("AQnope").status_code == 400

    assert time.monotonic() - started >= 0.4


def test_revoked_refresh_tokens_answer_invalid_grant(
    spotify: Spotify, sandbox: SandboxSpotify
) -> None:
    maren = spotify.sign_in("maren")
    tomas = spotify.sign_in("tomas")

    sandbox.revoke_refresh_tokens("maren")

    assert oauth_error(spotify.refresh(maren["refresh_token"])) == (
        400,
        "invalid_grant",
        "Refresh token revoked",
    )
    assert spotify.refresh(tomas["refresh_token"]).status_code == 200
    sandbox.revoke_refresh_tokens()
    assert oauth_error(spotify.refresh(tomas["refresh_token"]))[:2] == (400, "invalid_grant")


def test_omit_refresh_token_on_refresh_leaves_it_out_and_the_old_one_still_works(
    spotify: Spotify, sandbox: SandboxSpotify
) -> None:
    first = spotify.sign_in("maren")
    sandbox.omit_refresh_token_on_refresh = True

    refreshed = spotify.refresh(first["refresh_token"]).json()

    assert "refresh_token" not in refreshed
    assert set(refreshed) == {"access_token", "token_type", "expires_in", "scope"}
    assert spotify.refresh(first["refresh_token"]).status_code == 200


def test_calls_count_every_request_per_endpoint(spotify: Spotify, sandbox: SandboxSpotify) -> None:
    token = spotify.access_token("maren")  # one token call
    sandbox.fail_next(1, status=500, endpoint="me")

    spotify.get("/v1/me", token)
    spotify.get("/v1/me", token)
    spotify.get("/v1/me/top/tracks", token)

    assert sandbox.calls["token"] == 1
    assert sandbox.calls["me"] == 2
    assert sandbox.calls["top_tracks"] == 1
    assert sandbox.calls["top_artists"] == 0


def test_reset_clears_switches_and_counters(spotify: Spotify, sandbox: SandboxSpotify) -> None:
    token = spotify.access_token("maren")
    sandbox.fail_next(5, status=500)
    sandbox.malformed_next(5)
    sandbox.hang_next(5, 10)
    sandbox.latency = 1.0
    sandbox.omit_refresh_token_on_refresh = True

    sandbox.reset()

    assert sum(sandbox.calls.values()) == 0
    assert sandbox.latency == 0
    assert sandbox.omit_refresh_token_on_refresh is False
    assert spotify.get("/v1/me", token).status_code == 200


def test_switches_reject_an_unknown_endpoint_name(sandbox: SandboxSpotify) -> None:
    with pytest.raises(ValueError, match="unknown endpoint"):
        sandbox.fail_next(1, status=500, endpoint="top")


def test_switches_can_be_flipped_from_many_threads_at_once(
    spotify: Spotify, sandbox: SandboxSpotify
) -> None:
    threads = [
        threading.Thread(target=sandbox.fail_next, args=(1,), kwargs={"status": 503})
        for _ in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = [spotify.refresh("AQx").status_code for _ in range(21)]

    assert statuses == [503] * 20 + [400]


# --- Covers and stand-in pages -------------------------------------------------------------


def test_covers_are_300_pixel_jpegs_that_browsers_may_cache(spotify: Spotify) -> None:
    token = spotify.access_token("tomas")
    track = spotify.get("/v1/me/top/tracks", token, limit=1).json()["items"][0]
    artist = spotify.get("/v1/me/top/artists", token, limit=1).json()["items"][0]
    me = spotify.get("/v1/me", token).json()

    for url in (
        track["album"]["images"][0]["url"],
        artist["images"][0]["url"],
        me["images"][0]["url"],
    ):
        response = spotify.http.get(url)
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/jpeg"
        assert response.headers["cache-control"] == "public, max-age=86400"
        image = Image.open(io.BytesIO(response.content))
        assert image.format == "JPEG"
        assert image.size == (300, 300)


def test_a_cover_nobody_owns_is_404(spotify: Spotify) -> None:
    assert spotify.http.get(f"{spotify.base}/covers/album-nope.jpg").status_code == 404
    assert spotify.http.get(f"{spotify.base}/covers/user-nobody.jpg").status_code == 404


def test_covers_are_the_same_bytes_every_time() -> None:
    cover_jpeg.cache_clear()
    first = cover_jpeg("album-abc", "Ágætis byrjun")
    cover_jpeg.cache_clear()

    assert cover_jpeg("album-abc", "Ágætis byrjun") == first
    assert cover_jpeg("album-abd", "Ágætis byrjun") != first


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Sigur Rós", "SR"),
        ("Ólafur Arnalds", "OA"),
        ("Björk", "B"),
        ("Ágætis byrjun", "AB"),
        ("Молчат Дома", ""),
        ("坂本龍一", ""),
        ("Yellow Magic Orchestra", "YM"),
    ],
)
def test_cover_initials_fold_accents_and_skip_other_scripts(label: str, expected: str) -> None:
    assert initials(label) == expected


def test_image_urls_follow_wherever_the_sandbox_is_served(clocked: Spotify) -> None:
    token = clocked.access_token("maren")

    me = clocked.get("/v1/me", token).json()

    assert "/sandbox/spotify" not in clocked.base
    assert me["images"][0]["url"] == f"{clocked.base}/covers/user-maren.jpg"
    assert clocked.http.get(me["images"][0]["url"]).status_code == 200


def test_external_urls_open_a_stand_in_page(spotify: Spotify) -> None:
    token = spotify.access_token("maren")
    track = spotify.get("/v1/me/top/tracks", token, limit=1).json()["items"][0]

    album_page = spotify.http.get(track["album"]["external_urls"]["spotify"])
    track_page = spotify.http.get(track["external_urls"]["spotify"])

    assert album_page.status_code == 200
    assert "Ágætis byrjun" in album_page.text
    assert "Svefn-g-englar" in track_page.text
    assert spotify.http.get(f"{spotify.base}/open/album/nope").status_code == 404


# --- The listeners' data --------------------------------------------------------------------


def test_there_are_about_five_listeners_with_what_the_consent_page_needs(
    sandbox: SandboxSpotify,
) -> None:
    assert [listener.id for listener in sandbox.listeners] == [
        "maren",
        "tomas",
        "yuki",
        "layla",
        "sam",
    ]
    for listener in sandbox.listeners:
        assert listener.display_name
        assert "@" in listener.email
        assert listener.blurb and "\n" not in listener.blurb
        assert len(listener.tracks) <= 50
        assert len(listener.artists) <= 50


def test_a_local_file_comes_without_ids_images_or_popularity(spotify: Spotify) -> None:
    tracks = spotify.all_top("tracks", spotify.access_token("maren"))

    local = [t for t in tracks if t["is_local"]]

    assert len(local) == 1
    track = local[0]
    assert track["id"] is None
    assert track["uri"].startswith("spotify:local:")
    assert "popularity" not in track
    assert track["album"]["id"] is None
    assert track["album"]["images"] == []
    assert track["artists"][0]["id"] is None


def test_the_same_track_can_be_listed_twice(spotify: Spotify) -> None:
    tracks = spotify.all_top("tracks", spotify.access_token("tomas"))

    ids = [t["id"] for t in tracks]

    twice = {i for i in ids if ids.count(i) == 2}
    assert len(twice) == 1
    assert [t["name"] for t in tracks if t["id"] in twice] == ["Águas de Março"] * 2


def test_two_editions_of_one_album_share_a_name_and_first_artist(spotify: Spotify) -> None:
    tracks = spotify.all_top("tracks", spotify.access_token("maren"))

    editions: dict[tuple[str, str], set[str]] = {}
    for track in tracks:
        album = track["album"]
        if album["id"]:
            key = (album["artists"][0]["name"], album["name"])
            editions.setdefault(key, set()).add(album["id"])

    assert [key for key, ids in editions.items() if len(ids) == 2] == [
        ("Sigur Rós", "Ágætis byrjun")
    ]


def test_some_album_types_come_in_upper_case(spotify: Spotify) -> None:
    tracks = spotify.all_top("tracks", spotify.access_token("yuki"))

    types = {t["album"]["album_type"] for t in tracks}

    assert "ALBUM" in types
    assert "album" in types


def test_an_album_has_tracks_of_very_different_popularity(spotify: Spotify) -> None:
    tracks = spotify.all_top("tracks", spotify.access_token("tomas"))

    transa = [t["popularity"] for t in tracks if t["album"]["name"] == "Transa"]

    assert len(transa) == 7
    assert max(transa) - min(transa) >= 40


def test_the_development_mode_listener_has_no_popularity_genres_or_followers(
    spotify: Spotify,
) -> None:
    token = spotify.access_token("layla")

    bodies = [
        spotify.get("/v1/me", token).json(),
        spotify.all_top("artists", token),
        spotify.all_top("tracks", token),
        spotify.all_top("tracks", token, time_range="short_term"),
    ]

    keys = set(walk_keys(bodies))
    assert keys.isdisjoint({"popularity", "genres", "followers"})
    assert {"name", "album", "images"} <= keys
    assert len(bodies[1]) == 21
    assert len(bodies[2]) == 30


def test_the_listener_with_no_history_gets_empty_lists(spotify: Spotify) -> None:
    token = spotify.access_token("sam")

    for kind in ("artists", "tracks"):
        for time_range in ("short_term", "medium_term", "long_term"):
            page = spotify.get(f"/v1/me/top/{kind}", token, time_range=time_range).json()
            assert page["items"] == []
            assert page["total"] == 0
            assert page["next"] is None
            assert page["previous"] is None


def test_names_cross_scripts_and_cultures(spotify: Spotify, sandbox: SandboxSpotify) -> None:
    names = {
        artist.name
        for listener in sandbox.listeners
        for track in listener.tracks
        for artist in track.artists
    }

    for name in ("Björk", "Sigur Rós", "Rosalía", "Caetano Veloso", "坂本龍一", "فيروز", "Кино"):
        assert name in names


def test_the_catalogue_has_singles_eps_compilations_and_soundtracks(
    sandbox: SandboxSpotify,
) -> None:
    albums = {
        track.album
        for listener in sandbox.listeners
        for track in listener.tracks
        if track.album.id is not None
    }

    singles = [a for a in albums if a.album_type == "single" and a.total_tracks == 1]
    eps = [a for a in albums if a.album_type == "single" and a.total_tracks > 1]
    compilations = [a for a in albums if a.album_type == "compilation"]
    soundtracks = [a for a in albums if "Soundtrack" in a.name]
    assert len(singles) >= 3
    assert len(eps) >= 3
    assert len(compilations) >= 3
    assert len(soundtracks) >= 4


def test_every_album_has_a_release_date_with_a_matching_precision(
    spotify: Spotify, sandbox: SandboxSpotify
) -> None:
    patterns = {
        "year": r"\d{4}",
        "month": r"\d{4}-\d{2}",
        "day": r"\d{4}-\d{2}-\d{2}",
    }
    precisions = set()
    for listener in ("maren", "tomas", "yuki", "layla"):
        for track in spotify.all_top("tracks", spotify.access_token(listener)):
            album = track["album"]
            if album["id"] is None:
                continue
            precision = album["release_date_precision"]
            precisions.add(precision)
            assert re.fullmatch(patterns[precision], album["release_date"]), album

    assert precisions == {"year", "month", "day"}


def test_ids_are_stable_22_character_base62_strings() -> None:
    assert spotify_id("artist", "Björk") == spotify_id("artist", "Björk")
    assert re.fullmatch(r"[0-9A-Za-z]{22}", spotify_id("album", "anything"))
    assert LISTENERS[0].artists[0].id == spotify_id("artist", "Björk")


# --- The live server helper ---------------------------------------------------------------


def test_serve_starts_on_a_free_loopback_port_and_leaves_no_thread_behind() -> None:
    before = set(threading.enumerate())

    with serve(SandboxSpotify().app()) as url:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        response = httpx.get(f"{url}/v1/me")
        assert response.status_code == 401

    assert set(threading.enumerate()) == before
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/v1/me")


def test_serve_shuts_down_even_while_a_request_hangs() -> None:
    sandbox = SandboxSpotify()
    sandbox.hang_next(1, 60, endpoint="me")
    result: list[object] = []

    def client(url: str) -> None:
        try:
            result.append(httpx.get(f"{url}/v1/me", timeout=30).status_code)
        except httpx.HTTPError as error:
            result.append(error)

    started = time.monotonic()
    with serve(sandbox.app(), timeout_graceful_shutdown=0.5) as url:
        caller = threading.Thread(target=client, args=(url,))
        caller.start()
        while sandbox.calls["me"] == 0:
            time.sleep(0.01)
    caller.join(10)

    assert time.monotonic() - started < 10
    assert not caller.is_alive()
    assert result
