"""Signing in with Google (OpenID Connect) against a fake provider on 127.0.0.1."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from liner.sandbox.oidc import FakeOidcProvider
from support.liner_app import LinerHarness, consent_form

MAREN = "108234417356512093311"  # verified gmail address
TOMAS = "117760329405188826540"  # unverified address
YUKI = "103958211674033950822"  # 佐藤 由紀


def _google(liner: LinerHarness, client: httpx.Client, account: str) -> httpx.Response:
    start = client.get("/auth/google")
    assert start.status_code == 303, start.text
    chooser = client.get(start.headers["location"])
    assert chooser.status_code == 200, chooser.text
    action, fields = consent_form(chooser.text, account)
    decision = client.post(str(chooser.url.join(action)), data=fields)
    assert decision.status_code in (302, 303), decision.text
    return client.get(decision.headers["location"])


def test_the_landing_page_offers_google_when_it_is_set_up(liner_google: LinerHarness) -> None:
    assert 'href="/auth/google"' in liner_google.client().get("/").text


def test_google_is_not_offered_when_it_is_not_set_up(liner: LinerHarness) -> None:
    client = liner.client()
    assert 'href="/auth/google"' not in client.get("/").text
    assert client.get("/auth/google").status_code == 404


def test_the_authorize_request_carries_state_nonce_and_pkce(
    liner_google: LinerHarness, google: tuple[FakeOidcProvider, str]
) -> None:
    start = liner_google.client().get("/auth/google")
    query = {k: v[0] for k, v in parse_qs(urlsplit(start.headers["location"]).query).items()}
    assert query["redirect_uri"] == liner_google.base_url + "/auth/google/callback"
    assert set(query["scope"].split()) >= {"openid", "email"}
    assert len(query["state"]) >= 16 and len(query["nonce"]) >= 16
    assert query["code_challenge_method"] == "S256"


def test_a_first_google_sign_in_makes_an_account_with_the_verified_email(
    liner_google: LinerHarness,
) -> None:
    client = liner_google.client()
    done = _google(liner_google, client, MAREN)
    assert done.status_code == 303
    assert done.headers["location"] == "/welcome"
    me = client.get("/api/v1/me").json()["data"]
    assert me["display_name"] == "Maren Solberg"
    assert me["email"] == "maren.solberg@gmail.com"
    assert me["google"] == {"connected": True}
    again = liner_google.client()
    _google(liner_google, again, MAREN)
    assert again.get("/api/v1/me").json()["data"]["id"] == me["id"]


def test_an_unverified_google_email_is_not_taken_as_the_persons(
    liner_google: LinerHarness,
) -> None:
    client = liner_google.client()
    _google(liner_google, client, TOMAS)
    me = client.get("/api/v1/me").json()["data"]
    assert me["email"] is None
    assert me["display_name"] == "Tomás Ferreira"


def test_a_verified_email_held_by_another_account_is_not_merged_silently(
    liner_google: LinerHarness,
) -> None:
    by_email = liner_google.sign_in_by_email("maren.solberg@gmail.com", handle="maren")
    first_id = by_email.get("/api/v1/me").json()["data"]["id"]
    client = liner_google.client()
    refused = _google(liner_google, client, MAREN)
    assert refused.status_code == 409
    assert "already uses this email address" in refused.text
    assert client.get("/api/v1/me").status_code == 401
    assert by_email.get("/api/v1/me").json()["data"]["id"] == first_id


def test_a_tampered_id_token_signs_nobody_in(
    liner_google: LinerHarness, google: tuple[FakeOidcProvider, str]
) -> None:
    provider, _ = google
    for kind in ("signature", "audience", "issuer", "expired", "nonce"):
        client = liner_google.client()
        provider.tamper_next_id_token(kind)
        response = _google(liner_google, client, YUKI)
        assert response.status_code == 400, kind
        assert client.get("/api/v1/me").status_code == 401, kind


def test_google_being_down_is_a_clear_503(
    liner_google: LinerHarness, google: tuple[FakeOidcProvider, str]
) -> None:
    provider, _ = google
    provider.fail_next(5, status=503, endpoint="discovery")
    response = liner_google.client().get("/auth/google")
    assert response.status_code == 503
    assert "Google is not answering" in response.text
