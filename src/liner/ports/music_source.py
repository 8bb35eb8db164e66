"""A music service that knows what a person listens to (Spotify first).

Two halves: ``MusicAuth`` (OAuth 2 authorization-code flow with PKCE) and
``MusicSource`` (read a profile and top items with an access token). Errors are
this module's own types; services translate them for people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from liner.domain.music import Artist, Track


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    expires_at: datetime
    scope: str = ""

    def __repr__(self) -> str:  # never let a token reach a log through repr()
        return f"Tokens(expires_at={self.expires_at.isoformat()}, scope={self.scope!r})"


@dataclass(frozen=True, slots=True)
class Account:
    """Who the access token belongs to."""

    id: str
    display_name: str | None
    email: str | None = None
    image_url: str | None = None
    country: str | None = None


# --- Errors -----------------------------------------------------------------


class MusicSourceError(Exception):
    """Base class. ``str(error)`` is safe to show a person (no tokens, no bodies)."""


class Unavailable(MusicSourceError):
    """5xx, timeouts, connection failures: transient, after bounded retries."""


class RateLimited(MusicSourceError):
    """429 with a Retry-After longer than we are willing to wait inside a request."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limited; retry after {retry_after} s")
        self.retry_after = retry_after


class QuotaExceeded(MusicSourceError):
    """429 whose body says ``"reason": "QUOTA_EXCEEDED"``: the app's quota is spent."""

    def __init__(self, retry_after: int | None = None) -> None:
        super().__init__("quota exceeded")
        self.retry_after = retry_after


class Unauthorized(MusicSourceError):
    """401: the access token was rejected (expired or revoked)."""


class InvalidGrant(MusicSourceError):
    """The refresh token or code is dead (revoked, 6 months old, reused): final."""


class AccessDenied(MusicSourceError):
    """403 from the API, e.g. a user not allow-listed on a development-mode app."""


class BadResponse(MusicSourceError):
    """The peer answered with something we cannot read (malformed body, wrong shape)."""


# --- The ports --------------------------------------------------------------


class MusicAuth(Protocol):
    def authorize_url(self, *, state: str, code_challenge: str, redirect_uri: str) -> str: ...

    async def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> Tokens:
        """Raises InvalidGrant for a bad/used code, Unavailable, BadResponse."""
        ...

    async def refresh(self, refresh_token: str) -> Tokens:
        """A response without a new refresh token keeps ``refresh_token``.
        Raises InvalidGrant when the refresh token is dead."""
        ...


class MusicSource(Protocol):
    name: str

    async def account(self, access_token: str) -> Account: ...

    async def top_artists(self, access_token: str, *, time_range: str) -> list[Artist]: ...

    async def top_tracks(self, access_token: str, *, time_range: str) -> list[Track]: ...
