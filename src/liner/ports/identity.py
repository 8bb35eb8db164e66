"""Signing in with an OpenID Connect provider (Google first).

The service creates ``state``, ``nonce`` and a PKCE verifier, keeps them
server-side, and hands the challenge here; ``finish`` exchanges the code and
verifies the ID token (signature against the provider's JWKS, issuer,
audience, expiry, nonce) before returning who signed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class OidcIdentity:
    provider: str  # "google"
    subject: str  # the provider's stable user id ("sub")
    email: str | None
    email_verified: bool
    name: str | None = None
    picture: str | None = None


class IdentityError(Exception):
    """Base class; ``str(error)`` is safe to show a person (no tokens)."""


class IdentityUnavailable(IdentityError):
    """The provider could not be reached or answered 5xx / garbage."""


class IdentityRejected(IdentityError):
    """The provider refused the code, or the ID token failed verification."""


class IdentityProvider(Protocol):
    name: str

    async def authorize_url(
        self, *, state: str, nonce: str, code_challenge: str, redirect_uri: str
    ) -> str: ...

    async def finish(
        self, *, code: str, code_verifier: str, redirect_uri: str, nonce: str
    ) -> OidcIdentity: ...
