"""Translate a music source's errors into what a person is told."""

from __future__ import annotations

from liner import errors
from liner.domain.cooldown import format_wait
from liner.ports.music_source import (
    AccessDenied,
    BadResponse,
    InvalidGrant,
    MusicSourceError,
    QuotaExceeded,
    RateLimited,
    Unauthorized,
)


def spotify_error(exc: MusicSourceError) -> errors.LinerError:
    if isinstance(exc, RateLimited):
        return errors.SpotifyRateLimited(
            f"Spotify is busy, try again in {format_wait(exc.retry_after)}.",
            retry_after=exc.retry_after,
        )
    if isinstance(exc, QuotaExceeded):
        if exc.retry_after is None:
            return errors.SpotifyQuotaExceeded()
        return errors.SpotifyQuotaExceeded(retry_after=exc.retry_after)
    if isinstance(exc, InvalidGrant | Unauthorized):
        return errors.SpotifyReconnectRequired()
    if isinstance(exc, AccessDenied):
        return errors.SpotifyUnavailable(
            "Spotify refused access to this account's listening data. If this Liner uses a "
            "Spotify app in development mode, the account must be added to the app's users.",
        )
    if isinstance(exc, BadResponse):
        return errors.SpotifyBadResponse()
    return errors.SpotifyUnavailable()
