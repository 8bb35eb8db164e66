"""A user's Spotify connection: encrypted tokens, refreshed before they expire.

The access token is refreshed ahead of its expiry and once more after a 401.
A refresh answer without a refresh token keeps the old one (the adapter sees
to that). ``invalid_grant`` is final: the link is marked "needs reconnect" and
the user's data is kept.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TypeVar

from liner import errors
from liner.ports.cipher import Cipher, CipherError, CipherUnavailable
from liner.ports.music_source import (
    InvalidGrant,
    MusicAuth,
    MusicSourceError,
    Tokens,
    Unauthorized,
)
from liner.ports.store import SpotifyLink, Store
from liner.services.clock import Clock
from liner.services.errors import spotify_error

T = TypeVar("T")

# Refresh this long before the expiry Spotify gave us, so a token never dies mid-call.
EXPIRY_MARGIN = timedelta(seconds=120)
PURPOSE = "spotify-token"


class SpotifyTokens:
    def __init__(self, store: Store, cipher: Cipher, auth: MusicAuth, clock: Clock) -> None:
        self._store = store
        self._cipher = cipher
        self._auth = auth
        self._clock = clock

    # --- encryption -------------------------------------------------------------

    def _context(self, user_id: str, kind: str) -> dict[str, str]:
        return {"purpose": PURPOSE, "user": user_id, "token": kind}

    def encrypt(self, user_id: str, kind: str, token: str) -> str:
        try:
            blob = self._cipher.encrypt(token.encode(), self._context(user_id, kind))
        except CipherError as exc:
            raise errors.SecretsUnavailable() from exc
        return base64.b64encode(blob).decode("ascii")

    def decrypt(self, user_id: str, kind: str, blob: str) -> str:
        try:
            raw = base64.b64decode(blob.encode("ascii"), validate=True)
            return self._cipher.decrypt(raw, self._context(user_id, kind)).decode()
        except CipherUnavailable as exc:
            raise errors.SecretsUnavailable() from exc
        except (CipherError, ValueError, UnicodeDecodeError) as exc:
            # Unreadable tokens (tampered, or copied from another user) are as good as
            # none: flag the link so the dashboard offers to reconnect.
            self._store.mark_spotify_needs_reconnect(user_id)
            raise errors.SpotifyReconnectRequired() from exc

    async def save_new_link(self, user_id: str, spotify_id: str, tokens: Tokens) -> None:
        link = await asyncio.to_thread(self._build_link, user_id, spotify_id, tokens)
        await asyncio.to_thread(self._store.save_spotify_link, user_id, link)

    def _build_link(self, user_id: str, spotify_id: str, tokens: Tokens) -> SpotifyLink:
        return SpotifyLink(
            spotify_id=spotify_id,
            access_token_enc=self.encrypt(user_id, "access", tokens.access_token),
            refresh_token_enc=(
                self.encrypt(user_id, "refresh", tokens.refresh_token)
                if tokens.refresh_token
                else None
            ),
            expires_at=tokens.expires_at,
            scope=tokens.scope,
            connected_at=self._clock(),
        )

    # --- use -------------------------------------------------------------------

    async def link(self, user_id: str) -> SpotifyLink:
        link = await asyncio.to_thread(self._store.get_spotify_link, user_id)
        if link is None:
            raise errors.SpotifyNotConnected()
        if link.needs_reconnect:
            raise errors.SpotifyReconnectRequired()
        return link

    async def access_token(self, user_id: str) -> str:
        link = await self.link(user_id)
        if self.expires_soon(link, self._clock()):
            return await self._refresh(user_id, link)
        return await asyncio.to_thread(self.decrypt, user_id, "access", link.access_token_enc)

    async def _refresh(self, user_id: str, link: SpotifyLink) -> str:
        if link.refresh_token_enc is None:
            await asyncio.to_thread(self._store.mark_spotify_needs_reconnect, user_id)
            raise errors.SpotifyReconnectRequired()
        refresh_token = await asyncio.to_thread(
            self.decrypt, user_id, "refresh", link.refresh_token_enc
        )
        try:
            tokens = await self._auth.refresh(refresh_token)
        except InvalidGrant:
            # Final (revoked, or past Spotify's 6-month limit): keep the data, ask to reconnect.
            await asyncio.to_thread(self._store.mark_spotify_needs_reconnect, user_id)
            raise errors.SpotifyReconnectRequired() from None
        except MusicSourceError as exc:
            raise spotify_error(exc) from None
        await asyncio.to_thread(self._save_refreshed, user_id, tokens, refresh_token)
        return tokens.access_token

    def _save_refreshed(self, user_id: str, tokens: Tokens, old_refresh: str) -> None:
        new_refresh = tokens.refresh_token
        self._store.update_spotify_tokens(
            user_id,
            access_token_enc=self.encrypt(user_id, "access", tokens.access_token),
            refresh_token_enc=(
                self.encrypt(user_id, "refresh", new_refresh)
                if new_refresh and new_refresh != old_refresh
                else None  # None keeps the stored one
            ),
            expires_at=tokens.expires_at,
        )

    async def call(self, user_id: str, action: Callable[[str], Awaitable[T]]) -> T:
        """Run ``action(access_token)``; after a 401, refresh once and try once more."""
        token = await self.access_token(user_id)
        try:
            return await action(token)
        except Unauthorized:
            link = await self.link(user_id)
            token = await self._refresh(user_id, link)
        try:
            return await action(token)
        except Unauthorized:
            # A brand-new token rejected too: access was revoked on Spotify's side.
            await asyncio.to_thread(self._store.mark_spotify_needs_reconnect, user_id)
            raise errors.SpotifyReconnectRequired() from None

    def expires_soon(self, link: SpotifyLink, now: datetime) -> bool:
        return link.expires_at - EXPIRY_MARGIN <= now
