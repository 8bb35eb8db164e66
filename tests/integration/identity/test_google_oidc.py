"""GoogleOidc against the fake Google on 127.0.0.1, over real HTTP.

Each test runs the adapter in its own event loop (``run_google``); the person at
the account chooser is a plain HTTP client (``browser``) driven from a thread.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import inspect
import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import get_args
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from liner.adapters.identity.google import REJECTED, UNAVAILABLE, UNVERIFIED, GoogleOidc
from liner.ports.identity import (
    IdentityProvider,
    IdentityRejected,
    IdentityUnavailable,
    OidcIdentity,
)
from liner.sandbox.oidc import ACCOUNTS, TamperKind
from support.clock import FakeClock
from support.live_server import bind_free_socket

REDIRECT_URI = "http://127.0.0.1:9/auth/google/callback"  # the browser stops before it
ALICE, BOB, YUKI = ACCOUNTS  # a verified gmail user, an unverified address, a non-ASCII name
WELL_KNOWN = "/.well-known/openid-configuration"


@dataclass(frozen=True)
class Attempt:
    """What the service keeps server-side for one sign-in."""

    state: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


async def consent(google, browser, sub: str) -> tuple[Attempt, str]:
    """Start a sign-in and let the browser pick ``sub``: the attempt and the code."""
    attempt = Attempt()
    url = await google.authorize_url(
        state=attempt.state,
        nonce=attempt.nonce,
        code_challenge=attempt.challenge,
        redirect_uri=REDIRECT_URI,
    )
    back = await asyncio.to_thread(browser.choose, url, sub)
    assert back["state"] == attempt.state
    return attempt, back["code"]


async def finish(google, attempt: Attempt, code: str, **overrides: str) -> OidcIdentity:
    arguments = {
        "code": code,
        "code_verifier": attempt.verifier,
        "redirect_uri": REDIRECT_URI,
        "nonce": attempt.nonce,
        **overrides,
    }
    return await google.finish(**arguments)


async def sign_in(google, browser, sub: str) -> OidcIdentity:
    attempt, code = await consent(google, browser, sub)
    return await finish(google, attempt, code)


def test_the_adapter_has_the_identity_provider_shape() -> None:
    assert GoogleOidc.name == "google"
    for method in ("authorize_url", "finish"):
        ours = inspect.signature(getattr(GoogleOidc, method))
        port = inspect.signature(getattr(IdentityProvider, method))
        assert list(ours.parameters) == list(port.parameters)
        assert inspect.iscoroutinefunction(getattr(GoogleOidc, method))


# --- Discovery -------------------------------------------------------------------------


def test_it_reads_the_discovery_document_once_and_reuses_it(run_google, provider) -> None:
    async def body(google):
        first = await google.authorize_url(
            state="s", nonce="n", code_challenge="c" * 43, redirect_uri=REDIRECT_URI
        )
        second = await google.authorize_url(
            state="s", nonce="n", code_challenge="c" * 43, redirect_uri=REDIRECT_URI
        )
        return first, second

    first, second = run_google(body)
    assert first == second
    assert provider.calls["discovery"] == 1


def test_a_bare_issuer_url_is_completed_with_the_well_known_path(
    run_google, provider, issuer_url, browser
) -> None:
    identity = run_google(
        lambda google: sign_in(google, browser, ALICE.sub), discovery_url=issuer_url
    )
    assert identity.subject == ALICE.sub
    assert provider.calls["discovery"] == 1


def test_the_issuer_the_tests_configure_is_the_one_the_provider_announces(
    issuer_url, provider
) -> None:
    document = httpx.get(f"{issuer_url}{WELL_KNOWN}").json()
    assert document["issuer"] == issuer_url
    assert provider.issuer is None  # learned from the request, not set by hand


def test_it_refuses_a_discovery_url_in_plain_http_off_loopback(run_google) -> None:
    with pytest.raises(ValueError, match="https"):
        run_google(
            lambda google: google.authorize_url(
                state="s", nonce="n", code_challenge="c" * 43, redirect_uri=REDIRECT_URI
            ),
            discovery_url="http://accounts.example.org",
        )


def test_a_discovery_document_that_is_not_json_makes_google_unavailable(
    run_google, provider, browser
) -> None:
    provider.fail_next(1, 200, endpoint="discovery", body="<!doctype html><p>Moved</p>")
    with pytest.raises(IdentityUnavailable) as error:
        run_google(lambda google: sign_in(google, browser, ALICE.sub))
    assert str(error.value) == UNAVAILABLE


def test_a_discovery_document_without_a_jwks_uri_makes_google_unavailable(
    run_google, provider, issuer_url
) -> None:
    document = httpx.get(f"{issuer_url}{WELL_KNOWN}").json()
    del document["jwks_uri"]
    provider.fail_next(1, 200, endpoint="discovery", body=document)
    with pytest.raises(IdentityUnavailable):
        run_google(
            lambda google: google.authorize_url(
                state="s", nonce="n", code_challenge="c" * 43, redirect_uri=REDIRECT_URI
            )
        )


def test_a_discovery_document_naming_another_issuer_makes_google_unavailable(
    run_google, provider, monkeypatch
) -> None:
    monkeypatch.setattr(provider, "issuer", "https://accounts.example.org")
    with pytest.raises(IdentityUnavailable):
        run_google(
            lambda google: google.authorize_url(
                state="s", nonce="n", code_challenge="c" * 43, redirect_uri=REDIRECT_URI
            )
        )


def test_a_discovery_endpoint_answering_500_is_retried_then_unavailable_and_not_cached(
    run_google, provider
) -> None:
    provider.fail_next(3, 500, endpoint="discovery")

    async def body(google):
        with pytest.raises(IdentityUnavailable):
            await google.authorize_url(
                state="s", nonce="n", code_challenge="c" * 43, redirect_uri=REDIRECT_URI
            )
        # The failure is not remembered: the next sign-in asks again and succeeds.
        return await google.authorize_url(
            state="s", nonce="n", code_challenge="c" * 43, redirect_uri=REDIRECT_URI
        )

    assert run_google(body).startswith("http://127.0.0.1:")
    assert provider.calls["discovery"] == 4


def test_a_provider_that_cannot_be_reached_is_unavailable(run_google) -> None:
    with bind_free_socket() as closed:  # bound, never listening: connections are refused
        port = closed.getsockname()[1]
        with pytest.raises(IdentityUnavailable):
            run_google(
                lambda google: google.authorize_url(
                    state="s", nonce="n", code_challenge="c" * 43, redirect_uri=REDIRECT_URI
                ),
                discovery_url=f"http://127.0.0.1:{port}",
            )


# --- The authorize URL -------------------------------------------------------------------


def test_the_authorize_url_carries_every_parameter_google_needs(run_google, issuer_url) -> None:
    attempt = Attempt()
    url = run_google(
        lambda google: google.authorize_url(
            state=attempt.state,
            nonce=attempt.nonce,
            code_challenge=attempt.challenge,
            redirect_uri=REDIRECT_URI,
        )
    )
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{issuer_url}/authorize"
    query = parse_qs(parts.query, strict_parsing=True)
    assert {k: v for k, v in query.items()} == {
        "response_type": ["code"],
        "client_id": ["liner-test-google"],
        "redirect_uri": [REDIRECT_URI],
        "scope": ["openid email profile"],
        "state": [attempt.state],
        "nonce": [attempt.nonce],
        "code_challenge": [attempt.challenge],
        "code_challenge_method": ["S256"],
    }


# --- The whole flow ----------------------------------------------------------------------


def test_alice_signs_in_and_finish_returns_her_verified_identity(
    run_google, provider, issuer_url, browser
) -> None:
    identity = run_google(lambda google: sign_in(google, browser, ALICE.sub))
    assert identity == OidcIdentity(
        provider="google",
        subject=ALICE.sub,
        email="maren.solberg@gmail.com",
        email_verified=True,
        name="Maren Solberg",
        picture=f"{issuer_url}/avatars/{ALICE.sub}.svg",
    )
    assert provider.calls["token"] == 1
    assert provider.calls["jwks"] == 1


def test_an_address_google_has_not_verified_is_reported_as_unverified(run_google, browser) -> None:
    identity = run_google(lambda google: sign_in(google, browser, BOB.sub))
    assert identity.email == "tomas.ferreira@example.org"
    assert identity.email_verified is False
    assert identity.name == "Tomás Ferreira"
    assert identity.picture is None


def test_a_name_outside_ascii_arrives_intact(run_google, browser) -> None:
    identity = run_google(lambda google: sign_in(google, browser, YUKI.sub))
    assert identity.name == "佐藤 由紀"
    assert identity.email_verified is True


def test_the_keys_and_discovery_are_fetched_once_for_many_sign_ins(
    run_google, provider, browser
) -> None:
    async def body(google):
        return [await sign_in(google, browser, account.sub) for account in ACCOUNTS]

    identities = run_google(body)
    assert [i.subject for i in identities] == [a.sub for a in ACCOUNTS]
    assert provider.calls["discovery"] == 1
    assert provider.calls["jwks"] == 1


@pytest.mark.parametrize("only", ["client_secret_basic", "client_secret_post"])
def test_the_client_authenticates_the_way_the_provider_lists(
    run_google, provider, browser, monkeypatch, only
) -> None:
    # The fake enforces what it advertises, so a success proves the method used.
    monkeypatch.setattr(provider, "token_auth_methods", (only,))
    identity = run_google(lambda google: sign_in(google, browser, ALICE.sub))
    assert identity.subject == ALICE.sub


# --- Rejections ----------------------------------------------------------------------------


WHY_REJECTED = {
    "signature": "bad signature",
    "audience": "invalid_claim: Invalid claim: 'aud'",
    "azp": "azp is not our client id",
    "issuer": "invalid_claim: Invalid claim: 'iss'",
    "expired": "expired_token: The token is expired",
    "nonce": "nonce does not match",
    "unknown_kid": "signed with a key Google does not publish",
    "alg_none": "algorithm is not RS256",
    "alg_hs256": "algorithm is not RS256",
}


def test_every_way_the_fake_can_spoil_a_token_is_covered() -> None:
    assert set(WHY_REJECTED) == set(get_args(TamperKind))


@pytest.mark.parametrize("kind", list(WHY_REJECTED))
def test_an_id_token_that_fails_verification_is_rejected_for_that_reason(
    run_google, provider, browser, caplog, kind
) -> None:
    async def body(google):
        attempt, code = await consent(google, browser, ALICE.sub)
        provider.tamper_next_id_token(kind)
        with pytest.raises(IdentityRejected) as error:
            await finish(google, attempt, code)
        return attempt, code, error.value

    attempt, code, error = run_google(body)
    assert str(error) == UNVERIFIED
    reasons = [r.getMessage() for r in caplog.records if r.name.startswith("liner")]
    assert reasons == [f"Google ID token rejected: {WHY_REJECTED[kind]}"]
    for secret in (code, attempt.verifier, attempt.nonce, provider.client_secret):
        assert secret not in str(error)


def test_a_nonce_other_than_the_one_this_sign_in_sent_is_rejected(run_google, browser) -> None:
    async def body(google):
        attempt, code = await consent(google, browser, ALICE.sub)
        await finish(google, attempt, code, nonce=secrets.token_urlsafe(24))

    with pytest.raises(IdentityRejected) as error:
        run_google(body)
    assert str(error.value) == UNVERIFIED


def test_a_code_used_twice_is_rejected_the_second_time(run_google, browser) -> None:
    async def body(google):
        attempt, code = await consent(google, browser, ALICE.sub)
        await finish(google, attempt, code)
        with pytest.raises(IdentityRejected) as error:
            await finish(google, attempt, code)
        return error.value

    assert str(run_google(body)) == REJECTED


def test_a_wrong_pkce_verifier_is_rejected(run_google, browser) -> None:
    async def body(google):
        attempt, code = await consent(google, browser, ALICE.sub)
        await finish(google, attempt, code, code_verifier=secrets.token_urlsafe(48))

    with pytest.raises(IdentityRejected) as error:
        run_google(body)
    assert str(error.value) == REJECTED


def test_a_redirect_uri_other_than_the_authorized_one_is_a_configuration_fault(
    run_google, browser
) -> None:
    async def body(google):
        attempt, code = await consent(google, browser, ALICE.sub)
        await finish(google, attempt, code, redirect_uri="https://liner.example/elsewhere")

    with pytest.raises(IdentityUnavailable):
        run_google(body)


def test_a_wrong_client_secret_is_unavailable_not_the_persons_fault(run_google, browser) -> None:
    with pytest.raises(IdentityUnavailable) as error:
        run_google(
            lambda google: sign_in(google, browser, ALICE.sub), client_secret="not-the-secret"
        )
    assert "not-the-secret" not in str(error.value)


def test_a_token_endpoint_500_is_unavailable_is_not_retried_and_leaves_the_code_usable(
    run_google, provider, browser
) -> None:
    async def body(google):
        attempt, code = await consent(google, browser, ALICE.sub)
        provider.fail_next(1, 500, endpoint="token")
        with pytest.raises(IdentityUnavailable) as error:
            await finish(google, attempt, code)
        assert provider.calls["token"] == 1  # spending a code is never retried blindly
        # The fake failed before looking at the code, so the person can try again.
        return error.value, await finish(google, attempt, code)

    error, identity = run_google(body)
    assert str(error) == UNAVAILABLE
    assert identity.subject == ALICE.sub


def test_a_token_answer_without_an_id_token_is_unavailable(run_google, provider, browser) -> None:
    provider.fail_next(
        1, 200, endpoint="token", body={"access_token": "ya29.x", "token_type": "Bearer"}
    )
    with pytest.raises(IdentityUnavailable):
        run_google(lambda google: sign_in(google, browser, ALICE.sub))


def test_a_token_answer_that_is_not_json_is_unavailable(run_google, provider, browser) -> None:
    provider.fail_next(1, 200, endpoint="token", body='{"id_token": "eyJ')
    with pytest.raises(IdentityUnavailable):
        run_google(lambda google: sign_in(google, browser, ALICE.sub))


# --- Signing keys --------------------------------------------------------------------------


@pytest.mark.parametrize("keep_old", [True, False], ids=["old-key-kept", "old-key-dropped"])
def test_a_rotated_signing_key_is_picked_up_with_one_refetch(
    run_google, provider, browser, keep_old
) -> None:
    async def body(google):
        await sign_in(google, browser, ALICE.sub)
        new_kid = provider.rotate_key(keep_old=keep_old)
        assert provider.kid == new_kid
        return await sign_in(google, browser, BOB.sub)

    assert run_google(body).subject == BOB.sub
    assert provider.calls["jwks"] == 2


def test_a_token_from_an_unpublished_key_costs_one_refetch_then_is_rejected(
    run_google, provider, browser
) -> None:
    async def body(google):
        await sign_in(google, browser, ALICE.sub)
        attempt, code = await consent(google, browser, ALICE.sub)
        provider.tamper_next_id_token("unknown_kid")
        await finish(google, attempt, code)

    with pytest.raises(IdentityRejected):
        run_google(body)
    assert provider.calls["jwks"] == 2


def test_keys_that_cannot_be_fetched_make_google_unavailable(run_google, provider, browser) -> None:
    provider.fail_next(3, 503, endpoint="jwks")
    with pytest.raises(IdentityUnavailable):
        run_google(lambda google: sign_in(google, browser, ALICE.sub))
    assert provider.calls["jwks"] == 3


def test_a_key_set_of_the_wrong_shape_makes_google_unavailable(
    run_google, provider, browser
) -> None:
    provider.fail_next(1, 200, endpoint="jwks", body={"keys": {"kid": "x"}})
    with pytest.raises(IdentityUnavailable):
        run_google(lambda google: sign_in(google, browser, ALICE.sub))


# --- Time ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("skew", "accepted"),
    [
        (timedelta(hours=1, seconds=30), True),  # expired 30 s ago: within the leeway
        (timedelta(hours=1, seconds=100), False),  # expired 100 s ago
        (timedelta(seconds=-30), True),  # issued 30 s "in the future": clock skew
        (timedelta(seconds=-120), False),  # issued two minutes in the future
    ],
    ids=["expired-within-leeway", "expired", "iat-slightly-ahead", "iat-far-ahead"],
)
def test_expiry_and_issue_time_allow_sixty_seconds_of_skew(
    run_google, browser, skew, accepted
) -> None:
    clock = FakeClock(datetime.now(UTC) + skew)

    def run():
        return run_google(lambda google: sign_in(google, browser, ALICE.sub), clock=clock)

    if accepted:
        assert run().subject == ALICE.sub
    else:
        with pytest.raises(IdentityRejected):
            run()


# --- Secrets ---------------------------------------------------------------------------------


def test_no_code_token_or_secret_reaches_the_logs_or_the_messages(
    run_google, provider, browser, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets_seen: list[str] = [provider.client_secret]
    messages: list[str] = []

    async def body(google):
        for spoil in ("signature", "nonce", "alg_none"):
            attempt, code = await consent(google, browser, ALICE.sub)
            secrets_seen.extend([code, attempt.verifier])
            provider.tamper_next_id_token(spoil)
            with pytest.raises(IdentityRejected) as rejected:
                await finish(google, attempt, code)
            with pytest.raises(IdentityRejected) as reused:
                await finish(google, attempt, code)
            messages.extend([str(rejected.value), str(reused.value)])

    run_google(body)
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("liner"))
    assert "ID token rejected" in ours  # the reasons are logged...
    shown = "\n".join(messages)
    for secret in secrets_seen:
        assert secret not in ours  # ...but never a code, a verifier or the client secret
        assert secret not in shown
    for prefix in ("eyJ", "ya29."):  # nor an ID token or an access token
        assert prefix not in ours
        assert prefix not in shown
