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
    spotify_id: str | None = None
    email: str | None = None


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


@dataclass(frozen=True, slots=True)
class PendingSignIn:
    """An OAuth round trip in flight, keyed by its ``state``."""

    state: str = field(repr=False)
    code_verifier: str = field(repr=False)
    expires_at: datetime
    purpose: str = "sign-in"


@dataclass(frozen=True, slots=True)
class RefreshMeta:
    refreshed_at: datetime | None = None
    next_refresh_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredMusic:
    snapshot: Snapshot | None
    meta: RefreshMeta


class IdentityTaken(Exception):
    """Another user already holds this identity (e.g. the Spotify account)."""


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
    def find_user_by_spotify_id(self, spotify_id: str) -> User | None: ...
    def create_user(self, user: User) -> None:
        """Creates the user and claims its identities atomically; raises IdentityTaken."""
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

    # sessions and sign-in round trips
    def create_session(self, session: Session) -> None: ...
    def get_session(self, id_hash: str, now: datetime) -> Session | None: ...
    def delete_session(self, id_hash: str) -> None: ...
    def put_pending_sign_in(self, pending: PendingSignIn) -> None: ...
    def take_pending_sign_in(self, state: str, now: datetime) -> PendingSignIn | None:
        """Single use: returns it and deletes it atomically; None if absent or expired."""
        ...

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

    def round_trips(self) -> int: ...
