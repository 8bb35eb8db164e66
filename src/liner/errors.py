"""One small error tree. Services raise these; the web layer renders them.

Every error carries a stable machine ``code``, an HTTP ``status`` and a
``message`` written for a person. ``extra`` holds safe, structured details
(``retry_after``). Nothing here ever contains a token or an internal trace.
"""

from __future__ import annotations

from typing import Any


class LinerError(Exception):
    code = "error"
    status = 400
    message = "Something went wrong."

    def __init__(self, message: str | None = None, **extra: Any) -> None:
        self.message = message or type(self).message
        self.extra: dict[str, Any] = extra
        super().__init__(self.message)

    @property
    def retry_after(self) -> int | None:
        value = self.extra.get("retry_after")
        return int(value) if value is not None else None


class Unauthenticated(LinerError):
    code = "unauthenticated"
    status = 401
    message = "Please sign in first."


class CsrfFailed(LinerError):
    code = "csrf_failed"
    status = 403
    message = "This request could not be verified. Reload the page and try again."


class Forbidden(LinerError):
    code = "forbidden"
    status = 403
    message = "You cannot do that."


class NotFound(LinerError):
    code = "not_found"
    status = 404
    message = "There is nothing here."


class InvalidInput(LinerError):
    code = "invalid_input"
    status = 422
    message = "Some of what was sent is not valid."


class SignInFailed(LinerError):
    code = "sign_in_failed"
    status = 400
    message = "Signing in did not work. Please try again."


class IdentityInUse(LinerError):
    code = "identity_in_use"
    status = 409
    message = "That account is already connected to another Liner account."


class HandleTaken(LinerError):
    code = "handle_taken"
    status = 409
    message = "That handle is taken."


class InvalidHandle(LinerError):
    code = "invalid_handle"
    status = 422
    message = "That handle cannot be used."


class Conflict(LinerError):
    code = "conflict"
    status = 409
    message = "Something changed at the same time. Please try again."


class RateLimited(LinerError):
    code = "rate_limited"
    status = 429
    message = "Too many requests. Please wait a little and try again."


class ProviderUnavailable(LinerError):
    code = "provider_unavailable"
    status = 503
    message = "The sign-in provider is not answering right now. Please try again shortly."


class MailUnavailable(LinerError):
    code = "mail_unavailable"
    status = 503
    message = "Liner could not send email just now. Please try again in a few minutes."


class Cooldown(LinerError):
    code = "cooldown"
    status = 429
    message = "Your music was refreshed recently."


class SpotifyUnavailable(LinerError):
    code = "spotify_unavailable"
    status = 503
    message = "Spotify is not answering right now. Please try again in a few minutes."


class SpotifyBadResponse(SpotifyUnavailable):
    """Spotify answered something we could not read: a bad gateway, not our fault."""

    status = 502
    message = "Spotify sent an answer we could not read. Please try again later."


class SpotifyRateLimited(LinerError):
    code = "spotify_rate_limited"
    status = 503
    message = "Spotify is busy."


class SpotifyQuotaExceeded(LinerError):
    code = "spotify_quota_exceeded"
    status = 503
    message = "Liner has used up its Spotify quota for now. Please try again later."


class SpotifyReconnectRequired(LinerError):
    code = "spotify_reconnect_required"
    status = 409
    message = "Spotify needs you to reconnect your account."


class SpotifyNotConnected(LinerError):
    code = "spotify_not_connected"
    status = 409
    message = "Connect Spotify first."


class SecretsUnavailable(LinerError):
    code = "secrets_unavailable"
    status = 503
    message = "Liner cannot read your Spotify connection right now. Please try again shortly."


class StoreUnavailable(LinerError):
    code = "store_unavailable"
    status = 503
    message = "Liner cannot reach its database right now. Please try again shortly."


# --- liner notes and publishing ---------------------------------------------------


class NotesRejected(LinerError):
    code = "notes_rejected"
    status = 422
    message = "The writer could not produce text that follows the rules. Nothing was changed."


class EditRejected(LinerError):
    code = "edit_rejected"
    status = 422
    message = "That text breaks the rules for liner notes. Nothing was saved."


class EditWouldBeLost(LinerError):
    code = "edit_would_be_lost"
    status = 409
    message = "This would replace text you edited. Confirm to replace it."


class WriterFailed(LinerError):
    code = "writer_unavailable"
    status = 503
    message = "The writer is not available right now. Please try again in a few minutes."


class QuotaReached(LinerError):
    code = "writer_quota_exceeded"
    status = 429
    message = "You have written a lot of notes today. Please try again tomorrow."


class NoMusicYet(LinerError):
    code = "no_music"
    status = 409
    message = "Liner needs your music before it can write about it. Connect a source first."


class HandleRequired(LinerError):
    code = "handle_required"
    status = 409
    message = "Choose a handle first: it is your page's address."


class BioMissing(LinerError):
    code = "bio_missing"
    status = 409
    message = "Your page has no bio yet. Publish without one, or write your liner notes first."
