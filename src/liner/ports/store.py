"""The store as the services see it: Liner's records and access patterns.

One implementation (``liner.adapters.store.table.Table``) maps these onto the
single-table key schema over any ``ItemStore`` backend (memory, SQLite,
DynamoDB). Records are plain frozen dataclasses; secrets inside them are
already encrypted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from liner.domain.music import Snapshot


@dataclass(frozen=True, slots=True)
class User:
    id: str
    display_name: str
    created_at: datetime
    handle: str | None = None
    spotify_id: str | None = None  # the connected Spotify account, if any
    google_sub: str | None = None  # the Google account that signs in, if any
    email: str | None = None  # a verified email that signs in by link, if any
    published: bool = False
    featured: bool = False  # opted in to Liner's front page
    published_at: datetime | None = None


# Identity providers: each (provider, subject) pair belongs to at most one user.
SPOTIFY_IDENTITY = "spotify"
GOOGLE_IDENTITY = "google"
EMAIL_IDENTITY = "email"


@dataclass(frozen=True, slots=True)
class SpotifyLink:
    """A user's Spotify connection. Token fields hold ciphertext (base64), never plaintext."""

    spotify_id: str
    access_token_enc: str
    refresh_token_enc: str | None
    expires_at: datetime
    scope: str
    needs_reconnect: bool = False
    connected_at: datetime | None = None

    def __repr__(self) -> str:
        return (
            f"SpotifyLink(spotify_id={self.spotify_id!r}, needs_reconnect={self.needs_reconnect})"
        )


@dataclass(frozen=True, slots=True)
class Session:
    id_hash: str  # HMAC of the cookie value; the cookie value itself is never stored
    user_id: str
    csrf_token: str = field(repr=False)
    created_at: datetime
    expires_at: datetime
    last_seen: datetime | None = None
    device: str = ""


@dataclass(frozen=True, slots=True)
class PendingSignIn:
    """An OAuth round trip in flight, keyed by its ``state``."""

    state: str = field(repr=False)
    code_verifier: str = field(repr=False)
    expires_at: datetime
    purpose: str = "sign-in"  # or "link": connect to ``user_id``'s account
    user_id: str | None = None
    nonce: str | None = field(default=None, repr=False)  # OpenID Connect


@dataclass(frozen=True, slots=True)
class EmailSignIn:
    """A sign-in link in flight. Only the hash of its token is stored."""

    token_hash: str
    email: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class RefreshMeta:
    refreshed_at: datetime | None = None
    next_refresh_at: datetime | None = None
    views: int = 0


@dataclass(frozen=True, slots=True)
class PagePointer:
    """What a public address points at: one small item, read per (uncached) view."""

    handle: str
    user_id: str
    published: bool
    version: int  # bumped by every change that alters the page


@dataclass(frozen=True, slots=True)
class FeaturedPage:
    handle: str
    display_name: str
    published_at: datetime


@dataclass(frozen=True, slots=True)
class StoredMusic:
    snapshot: Snapshot | None
    meta: RefreshMeta


@dataclass(frozen=True, slots=True)
class Note:
    """A piece of liner notes: the bio (``album_id`` None) or one album's caption."""

    kind: str  # "bio" or "caption"
    text: str
    origin: str  # "generated" or "edited"
    updated_at: datetime
    album_id: str | None = None
    generated_text: str | None = None  # the last generated version, for "revert"
    generated_at: datetime | None = None


class IdentityTaken(Exception):
    """Another user already holds this identity (e.g. the Spotify account)."""

    def __init__(self, provider: str = "") -> None:
        super().__init__(f"identity taken: {provider}")
        self.provider = provider


class HandleTaken(Exception):
    """Someone else holds this handle."""


class Conflict(Exception):
    """The record changed under us (a concurrent update); try again."""


class RefreshRefused(Exception):
    """The refresh claim was refused: the cooldown has not passed, or another
    refresh is running (until ``claim_until`` at the latest). ``next_refresh_at``
    is when the cooldown ends (None if unknown)."""

    def __init__(
        self,
        next_refresh_at: datetime | None,
        *,
        in_progress: bool = False,
        claim_until: datetime | None = None,
    ) -> None:
        super().__init__("refresh refused")
        self.next_refresh_at = next_refresh_at
        self.in_progress = in_progress
        self.claim_until = claim_until


class ClaimLost(Exception):
    """Saving a snapshot found that this refresh no longer holds the claim."""


class Store(Protocol):
    # users and identities
    def get_user(self, user_id: str) -> User | None: ...
    def find_user_by_identity(self, provider: str, subject: str) -> User | None: ...
    def find_user_by_spotify_id(self, spotify_id: str) -> User | None: ...
    def create_user(self, user: User) -> None:
        """Creates the user and claims its identities atomically; raises IdentityTaken."""
        ...

    def link_identity(self, user_id: str, provider: str, subject: str) -> None:
        """Raises IdentityTaken when another user holds it."""
        ...

    def unlink_spotify(self, user_id: str) -> None: ...
    def set_display_name(self, user_id: str, display_name: str) -> User: ...

    # handles
    def handle_owner(self, handle: str) -> str | None: ...
    def claim_handle(
        self, user_id: str, handle: str, *, previous: str | None, published: bool = False
    ) -> None:
        """All or nothing; raises HandleTaken, or Conflict if the profile moved on."""
        ...

    # Spotify connection
    def get_spotify_link(self, user_id: str) -> SpotifyLink | None: ...
    def save_spotify_link(self, user_id: str, link: SpotifyLink) -> None: ...
    def update_spotify_tokens(
        self,
        user_id: str,
        *,
        access_token_enc: str,
        refresh_token_enc: str | None,
        expires_at: datetime,
    ) -> None: ...
    def mark_spotify_needs_reconnect(self, user_id: str) -> None: ...

    # sessions
    def create_session(self, session: Session) -> None: ...
    def get_session(self, id_hash: str, now: datetime) -> Session | None: ...
    def touch_session(self, session: Session, *, now: datetime, expires_at: datetime) -> None: ...
    def list_sessions(self, user_id: str, now: datetime) -> list[Session]: ...
    def delete_session(self, id_hash: str, user_id: str | None = None) -> None: ...
    def delete_sessions(self, user_id: str, *, keep: str | None = None) -> int: ...

    # sign-in round trips (OAuth state, email links): single use
    def put_pending_sign_in(self, pending: PendingSignIn) -> None: ...
    def take_pending_sign_in(self, state: str, now: datetime) -> PendingSignIn | None:
        """Single use: returns it and deletes it atomically; None if absent or expired."""
        ...

    def put_email_sign_in(self, pending: EmailSignIn) -> None: ...
    def peek_email_sign_in(self, token_hash: str, now: datetime) -> EmailSignIn | None: ...
    def take_email_sign_in(self, token_hash: str, now: datetime) -> EmailSignIn | None: ...

    # rate limits
    def count_hit(self, bucket: str, key: str, *, now: datetime, window_seconds: int) -> int: ...

    # music snapshot (one round trip to read; claim + one transaction to refresh)
    def get_music(self, user_id: str) -> StoredMusic: ...
    def claim_refresh(self, user_id: str, *, now: datetime, lease_seconds: int, token: str) -> None:
        """Raises RefreshRefused inside the cooldown or while another claim is live."""
        ...

    def save_snapshot(
        self, user_id: str, snapshot: Snapshot, *, next_refresh_at: datetime, token: str
    ) -> None:
        """Writes artists, albums, the track pool and refresh metadata in one transaction,
        only while ``token`` still holds the claim (else ClaimLost)."""
        ...

    def release_refresh(self, user_id: str, *, token: str) -> None: ...

    # publishing
    def page_pointer(self, handle: str) -> PagePointer | None: ...
    def set_publication(
        self, user_id: str, handle: str, *, published: bool, featured: bool, now: datetime
    ) -> PagePointer:
        """Profile and address change together; raises Conflict if the handle moved."""
        ...

    def bump_page(self, user_id: str, handle: str) -> PagePointer | None: ...
    def featured_pages(self, limit: int) -> list[FeaturedPage]: ...
    def published_handles(self, limit: int) -> list[str]: ...
    def add_view(self, user_id: str) -> int: ...

    # liner notes
    def get_notes(self, user_id: str) -> list[Note]: ...
    def put_notes(self, user_id: str, notes: list[Note]) -> None:
        """All of them or none (one transaction per 100)."""
        ...

    # a person's data
    def user_items(self, user_id: str) -> list[dict[str, object]]:
        """Every item under the user's partition (for export and deletion)."""
        ...

    def delete_user(self, user_id: str) -> None:
        """Every item the person owns, including identities, handle and sessions."""
        ...

    def round_trips(self) -> int: ...
