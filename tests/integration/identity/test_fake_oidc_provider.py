"""The fake Google speaks OpenID Connect over real HTTP on 127.0.0.1.

Most tests use the session's provider (served at the root of its URL); tests that
need a mount or a clock of their own serve a second one.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from starlette.applications import Starlette
from starlette.routing import Mount

from liner.sandbox.oidc import ACCOUNTS, FakeGoogleAccount, FakeOidcProvider
from support.live_server import serve

REDIRECT_URI = "http://127.0.0.1:8765/auth/google/callback"
WELL_KNOWN = "/.well-known/openid-configuration"
ALICE, BOB, YUKI = ACCOUNTS


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def query_of(response: httpx.Response) -> dict[str, str]:
    location = response.headers["location"]
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


class Client:
    """What a relying party (and its user's browser) does, one step at a time."""

    def __init__(self, http: httpx.Client, base: str, provider: FakeOidcProvider) -> None:
        self.http = http
        self.base = base
        self.provider = provider
        self.verifier, self.challenge = pkce_pair()

    def authorize_query(self, **overrides: str | None) -> dict[str, str]:
        query: dict[str, str | None] = {
            "client_id": self.provider.client_id,
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "scope": "openid email profile",
            "state": "st4te",
            "nonce": "n0nce",
            "code_challenge": self.challenge,
            "code_challenge_method": "S256",
            **overrides,
        }
        return {k: v for k, v in query.items() if v is not None}

    def authorize_url(self, **overrides: str | None) -> str:
        return f"{self.base}/authorize?{httpx.QueryParams(self.authorize_query(**overrides))}"

    def authorize(self, **overrides: str | None) -> httpx.Response:
        return self.http.get(f"{self.base}/authorize", params=self.authorize_query(**overrides))

    def choose(self, sub: str, **overrides: str | None) -> httpx.Response:
        form = {**self.authorize_query(**overrides), "account": sub}
        return self.http.post(f"{self.base}/authorize", data=form)

    def code(self, sub: str = ALICE.sub, **overrides: str | None) -> str:
        response = self.choose(sub, **overrides)
        assert response.status_code == 303, response.text
        return query_of(response)["code"]

    def token(
        self,
        code: str,
        *,
        verifier: str | None = None,
        redirect_uri: str = REDIRECT_URI,
        auth: str = "basic",
        **extra: str,
    ) -> httpx.Response:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier or self.verifier,
            **extra,
        }
        headers = {}
        if auth == "basic":
            headers = basic(self.provider.client_id, self.provider.client_secret)
        elif auth == "post":
            form["client_id"] = self.provider.client_id
            form["client_secret"] = self.provider.client_secret
        return self.http.post(f"{self.base}/token", data=form, headers=headers)

    def id_token_claims(self, id_token: str) -> tuple[dict[str, Any], dict[str, Any]]:
        keys = KeySet.import_key_set(self.http.get(f"{self.base}/jwks").json())
        token = jwt.decode(id_token, keys, algorithms=["RS256"])
        return dict(token.header), dict(token.claims)


@pytest.fixture
def client(provider: FakeOidcProvider, issuer_url: str) -> Iterator[Client]:
    with httpx.Client(follow_redirects=False, timeout=10) as http:
        yield Client(http, issuer_url, provider)


@contextmanager
def own_provider(provider: FakeOidcProvider, mount: str = "") -> Iterator[Client]:
    app = provider.app() if not mount else Starlette(routes=[Mount(mount, app=provider.app())])
    with serve(app) as url, httpx.Client(follow_redirects=False, timeout=10) as http:
        yield Client(http, f"{url}{mount}", provider)


# --- Discovery and keys ------------------------------------------------------------------


def test_discovery_announces_the_url_it_was_reached_at_as_the_issuer(client) -> None:
    document = client.http.get(f"{client.base}{WELL_KNOWN}").json()
    assert document["issuer"] == client.base
    assert document["authorization_endpoint"] == f"{client.base}/authorize"
    assert document["token_endpoint"] == f"{client.base}/token"
    assert document["jwks_uri"] == f"{client.base}/jwks"
    assert document["userinfo_endpoint"] == f"{client.base}/userinfo"
    assert document["response_types_supported"] == ["code"]
    assert document["subject_types_supported"] == ["public"]
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert {"openid", "email", "profile"} <= set(document["scopes_supported"])


def test_an_issuer_set_by_hand_wins_over_the_request_url(client, provider, monkeypatch) -> None:
    monkeypatch.setattr(provider, "issuer", "https://accounts.google.com")
    document = client.http.get(f"{client.base}{WELL_KNOWN}").json()
    assert document["issuer"] == "https://accounts.google.com"
    assert document["token_endpoint"] == f"{client.base}/token"  # still reachable


def test_mounted_under_a_path_the_issuer_and_every_url_follow_the_mount() -> None:
    with own_provider(FakeOidcProvider(), mount="/sandbox/google") as mounted:
        document = mounted.http.get(f"{mounted.base}{WELL_KNOWN}").json()
        assert mounted.base.endswith("/sandbox/google")
        assert document["issuer"] == mounted.base
        assert document["jwks_uri"] == f"{mounted.base}/jwks"
        response = mounted.token(mounted.code())
        _, claims = mounted.id_token_claims(response.json()["id_token"])
        assert claims["iss"] == mounted.base
        assert claims["picture"] == f"{mounted.base}/avatars/{ALICE.sub}.svg"


def test_the_key_set_publishes_the_signing_key_and_keeps_the_old_one_after_rotation(
    client, provider
) -> None:
    old = provider.kid
    new = provider.rotate_key()
    keys = client.http.get(f"{client.base}/jwks").json()["keys"]
    assert [k["kid"] for k in keys[:2]] == [new, old]
    assert all(k["kty"] == "RSA" and k["alg"] == "RS256" and k["use"] == "sig" for k in keys)
    assert not any("d" in k or "p" in k for k in keys)  # public halves only
    provider.rotate_key(keep_old=False)
    assert [k["kid"] for k in client.http.get(f"{client.base}/jwks").json()["keys"]] == [
        provider.kid
    ]


# --- The account chooser -----------------------------------------------------------------


def test_the_chooser_offers_every_account_and_a_cancel_button(browser, client) -> None:
    page = browser.open(client.authorize_url())
    assert page.accounts == [a.sub for a in ACCOUNTS]
    assert page.names == ["Maren Solberg", "Tomás Ferreira", "佐藤 由紀"]
    assert page.has_cancel
    assert page.action == f"{client.base}/authorize"
    assert page.fields["nonce"] == "n0nce"
    assert page.fields["code_challenge"] == client.challenge


def test_the_chooser_escapes_what_it_shows(client, provider, monkeypatch) -> None:
    mallory = FakeGoogleAccount("100000000000000000001", "m@example.org", True, "<b>Mallory</b>")
    monkeypatch.setattr(provider, "accounts", [mallory])
    page = client.authorize().text
    assert "<b>Mallory</b>" not in page
    assert "&lt;b&gt;Mallory&lt;/b&gt;" in page


def test_an_unknown_client_gets_an_error_page_and_no_redirect(client) -> None:
    response = client.authorize(client_id="someone-else")
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "invalid_client" in response.text


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://localhost:8765/callback",
        "http://app.localhost:8765/callback",
        "http://liner.example/callback",
        "ftp://127.0.0.1/callback",
        "http://127.0.0.1:8765/callback#fragment",
        "not a url",
    ],
)
def test_an_untrusted_redirect_uri_gets_an_error_page_and_no_redirect(client, redirect_uri) -> None:
    response = client.authorize(redirect_uri=redirect_uri)
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "redirect_uri_mismatch" in response.text


@pytest.mark.parametrize(
    "redirect_uri", ["https://liner.example/callback", "http://[::1]:8765/callback"]
)
def test_https_anywhere_and_http_on_a_loopback_ip_are_accepted(client, redirect_uri) -> None:
    assert client.authorize(redirect_uri=redirect_uri).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "email profile"}, "invalid_scope"),
        ({"scope": "openid https://www.googleapis.com/auth/drive"}, "invalid_scope"),
        ({"nonce": None}, "invalid_request"),
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
    ],
)
def test_a_bad_request_to_a_trusted_redirect_uri_is_sent_back_with_the_state(
    client, overrides, error
) -> None:
    response = client.authorize(**overrides)
    assert response.status_code == 302
    assert response.headers["location"].startswith(REDIRECT_URI + "?")
    back = query_of(response)
    assert back["error"] == error
    assert back["state"] == "st4te"


def test_a_request_without_state_is_refused(client) -> None:
    back = query_of(client.authorize(state=None))
    assert back["error"] == "invalid_request"
    assert "state" not in back


def test_cancel_sends_access_denied_back_with_the_state(browser, client) -> None:
    back = browser.cancel(client.authorize_url())
    assert back == {"error": "access_denied", "state": "st4te"}


def test_choosing_an_account_sends_a_code_and_the_state_back(browser, client) -> None:
    back = browser.choose(client.authorize_url(), BOB.sub)
    assert set(back) == {"code", "state"}
    assert back["state"] == "st4te"


def test_an_unknown_account_is_refused(client) -> None:
    response = client.choose("999")
    assert response.status_code == 400
    assert "location" not in response.headers


# --- The token endpoint -------------------------------------------------------------------


def test_a_code_buys_tokens_and_a_signed_id_token_with_googles_claims(client, provider) -> None:
    response = client.token(client.code(ALICE.sub))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "expires_in", "token_type", "scope", "id_token"}
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "openid email profile"
    header, claims = client.id_token_claims(body["id_token"])
    assert header["alg"] == "RS256"
    assert header["kid"] == provider.kid
    assert claims["iss"] == client.base
    assert claims["aud"] == claims["azp"] == provider.client_id
    assert claims["sub"] == ALICE.sub
    assert claims["email"] == ALICE.email
    assert claims["email_verified"] is True
    assert claims["name"] == "Maren Solberg"
    assert claims["given_name"] == "Maren"
    assert claims["family_name"] == "Solberg"
    assert claims["nonce"] == "n0nce"
    assert claims["exp"] - claims["iat"] == 3600
    digest = hashlib.sha256(body["access_token"].encode()).digest()[:16]
    assert claims["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_the_id_token_carries_only_what_the_scope_allows(client) -> None:
    response = client.token(client.code(ALICE.sub, scope="openid"))
    _, claims = client.id_token_claims(response.json()["id_token"])
    assert "email" not in claims
    assert "name" not in claims
    assert claims["sub"] == ALICE.sub


def test_client_secret_post_works_too(client) -> None:
    response = client.token(client.code(), auth="post")
    assert response.status_code == 200, response.text


def test_client_secret_basic_form_urlencodes_the_credentials() -> None:
    provider = FakeOidcProvider(client_id="a b", client_secret="s&c:r+t")
    with own_provider(provider) as own:
        code = own.code()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": own.verifier,
        }
        encoded = basic("a+b", "s%26c%3Ar%2Bt")
        response = own.http.post(f"{own.base}/token", data=form, headers=encoded)
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("auth", ["none", "wrong-secret"])
def test_a_client_that_does_not_authenticate_is_refused(client, provider, auth) -> None:
    code = client.code()
    if auth == "none":
        response = client.token(code, auth="none")
    else:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": client.verifier,
        }
        response = client.http.post(
            f"{client.base}/token", data=form, headers=basic(provider.client_id, "wrong")
        )
        assert response.headers["www-authenticate"].startswith("Basic")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_two_client_authentication_methods_at_once_are_refused(client, provider) -> None:
    response = client.token(client.code(), client_secret=provider.client_secret)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_a_method_the_provider_does_not_list_is_refused(client, provider, monkeypatch) -> None:
    monkeypatch.setattr(provider, "token_auth_methods", ("client_secret_post",))
    document = client.http.get(f"{client.base}{WELL_KNOWN}").json()
    assert document["token_endpoint_auth_methods_supported"] == ["client_secret_post"]
    response = client.token(client.code(), auth="basic")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_a_code_is_single_use(client) -> None:
    code = client.code()
    assert client.token(code).status_code == 200
    again = client.token(code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_a_code_is_bound_to_the_pkce_verifier_and_spent_by_a_wrong_one(client) -> None:
    code = client.code()
    wrong = client.token(code, verifier=secrets.token_urlsafe(48))
    assert wrong.json() == {"error": "invalid_grant", "error_description": "Invalid code verifier."}
    assert client.token(code).json()["error"] == "invalid_grant"  # spent


def test_a_code_is_bound_to_its_redirect_uri(client) -> None:
    response = client.token(client.code(), redirect_uri="http://127.0.0.1:8765/elsewhere")
    assert response.status_code == 400
    assert response.json()["error"] == "redirect_uri_mismatch"


def test_only_the_authorization_code_grant_is_served(client) -> None:
    response = client.token(client.code(), grant_type="refresh_token")
    assert response.json()["error"] == "unsupported_grant_type"


def test_a_token_request_that_is_not_form_encoded_is_refused(client, provider) -> None:
    response = client.http.post(
        f"{client.base}/token",
        json={"grant_type": "authorization_code", "code": client.code()},
        headers=basic(provider.client_id, provider.client_secret),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_a_code_expires_after_ten_minutes() -> None:
    now = [1_800_000_000.0]
    provider = FakeOidcProvider(clock=lambda: now[0])
    with own_provider(provider) as own:
        code = own.code()
        now[0] += 601
        assert own.token(code).json()["error"] == "invalid_grant"


# --- Userinfo and avatars -----------------------------------------------------------------


def test_userinfo_answers_the_bearer_of_an_access_token(client) -> None:
    access = client.token(client.code(BOB.sub)).json()["access_token"]
    response = client.http.get(
        f"{client.base}/userinfo", headers={"Authorization": f"Bearer {access}"}
    )
    assert response.json() == {
        "sub": BOB.sub,
        "email": BOB.email,
        "email_verified": False,
        "name": "Tomás Ferreira",
        "given_name": "Tomás",
        "family_name": "Ferreira",
    }


def test_userinfo_refuses_a_request_without_a_valid_token(client) -> None:
    response = client.http.get(
        f"{client.base}/userinfo", headers={"Authorization": "Bearer ya29.nope"}
    )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_avatars_are_served_locally(client) -> None:
    response = client.http.get(f"{client.base}/avatars/{YUKI.sub}.svg")
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "佐" in response.text
    assert client.http.get(f"{client.base}/avatars/1.svg").status_code == 404


# --- Switches -------------------------------------------------------------------------------


def test_fail_next_answers_the_given_status_that_many_times_then_recovers(client, provider) -> None:
    provider.fail_next(2, 503, endpoint="jwks")
    answers = [client.http.get(f"{client.base}/jwks").status_code for _ in range(3)]
    assert answers == [503, 503, 200]
    assert provider.calls["jwks"] == 3


def test_a_failure_on_one_endpoint_leaves_the_others_alone(client, provider) -> None:
    provider.fail_next(1, 500, endpoint="token")
    assert client.http.get(f"{client.base}{WELL_KNOWN}").status_code == 200
    response = client.token(client.code())
    assert response.status_code == 500
    assert response.json()["error"] == "server_error"


def test_the_switches_refuse_what_they_do_not_know(provider) -> None:
    with pytest.raises(ValueError, match="endpoint"):
        provider.fail_next(1, 500, endpoint="tokens")
    with pytest.raises(ValueError, match="count"):
        provider.fail_next(0, 500)
    with pytest.raises(ValueError, match="tamper"):
        provider.tamper_next_id_token("everything")  # type: ignore[arg-type]


def test_a_tampered_token_is_spoiled_once(client, provider) -> None:
    provider.tamper_next_id_token("issuer")
    first = client.token(client.code()).json()["id_token"]
    second = client.token(client.code()).json()["id_token"]
    assert client.id_token_claims(first)[1]["iss"] != client.base
    assert client.id_token_claims(second)[1]["iss"] == client.base


def test_reset_clears_the_switches_and_the_counters(client, provider) -> None:
    provider.fail_next(5, 500)
    provider.tamper_next_id_token("nonce")
    client.http.get(f"{client.base}/jwks")
    provider.reset()
    assert not provider.calls
    assert client.http.get(f"{client.base}/jwks").status_code == 200
    _, claims = client.id_token_claims(client.token(client.code()).json()["id_token"])
    assert claims["nonce"] == "n0nce"
