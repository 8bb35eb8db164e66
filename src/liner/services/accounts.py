"""Accounts: signing in with Spotify, and server-side sessions.

The OAuth round trip is stored server-side under its ``state`` (single use,
10 minutes) with its PKCE verifier, and the browser carries the same state in a
cookie, so a callback that did not start in this browser is refused. Sessions
are opaque random ids; only an HMAC of the id is stored, so a leaked table
cannot be replayed as cookies.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from authlib.oauth2.rfc7636 import create_s256_code_challenge

from liner import errors
from liner.ports.music_source import InvalidGrant, MusicAuth, MusicSource, MusicSourceError
from liner.ports.store import IdentityTaken, PendingSignIn, Session, Store, User
from liner.services.clock import Clock
from liner.services.errors import spotify_error
from liner.services.spotify_link import SpotifyTokens

log = logging.getLogger(__name__)

SIGN_IN_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class SignInStart:
    url: str
    state: str


@dataclass(frozen=True, slots=True)
class StartedSession:
    cookie_value: str = field(repr=False)  # goes to the browser only; never stored or logged
    session: Session


@dataclass(frozen=True, slots=True)
class Me:
    user: User
    spotify_connected: bool
    spotify_needs_reconnect: bool


def _same(a: str, b: str) -> bool:
    """Constant-time equality that also works for non-ASCII input (which never matches)."""
    return hmac.compare_digest(
        a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass")
    )


class AccountService:
    def __init__(
        self,
        store: Store,
        auth: MusicAuth,
        source: MusicSource,
        tokens: SpotifyTokens,
        clock: Clock,
        *,
        secret_key: bytes,
        redirect_uri: str,
        session_lifetime: timedelta,
    ) -> None:
        self._store = store
        self._auth = auth
        self._source = source
        self._tokens = tokens
        self._clock = clock
        self._secret_key = secret_key
        self._redirect_uri = redirect_uri
        self._session_lifetime = session_lifetime

    # --- Spotify sign-in -----------------------------------------------------------

    async def start_spotify_sign_in(self) -> SignInStart:
        state = secrets.token_urlsafe(24)
        # RFC 7636: 43-128 characters from the unreserved set; token_urlsafe(64) gives 86.
        verifier = secrets.token_urlsafe(64)
        pending = PendingSignIn(
            state=state, code_verifier=verifier, expires_at=self._clock() + SIGN_IN_WINDOW
        )
        await asyncio.to_thread(self._store.put_pending_sign_in, pending)
        url = self._auth.authorize_url(
            state=state,
            code_challenge=create_s256_code_challenge(verifier),
            redirect_uri=self._redirect_uri,
        )
        return SignInStart(url=url, state=state)

    async def finish_spotify_sign_in(
        self,
        *,
        state: str | None,
        browser_state: str | None,
        code: str | None,
        error: str | None,
    ) -> StartedSession:
        if error:
            if error == "access_denied":
                raise errors.SignInFailed(
                    "You chose not to connect Spotify, so you are not signed in."
                )
            raise errors.SignInFailed("Spotify did not sign you in. Please try again.")
        if not state or not browser_state or not _same(state, browser_state):
            raise errors.SignInFailed(
                "This sign-in did not start in this browser or has expired. Please start again."
            )
        pending = await asyncio.to_thread(self._store.take_pending_sign_in, state, self._clock())
        if pending is None:
            raise errors.SignInFailed(
                "This sign-in has expired or was already used. Please start again."
            )
        if not code:
            raise errors.SignInFailed("Spotify did not send a sign-in code. Please try again.")
        try:
            tokens = await self._auth.exchange_code(
                code=code, code_verifier=pending.code_verifier, redirect_uri=self._redirect_uri
            )
            account = await self._source.account(tokens.access_token)
        except InvalidGrant:
            raise errors.SignInFailed(
                "Spotify did not accept this sign-in (the code was invalid or already used). "
                "Please start again."
            ) from None
        except MusicSourceError as exc:
            raise spotify_error(exc) from None

        user = await asyncio.to_thread(self._store.find_user_by_spotify_id, account.id)
        if user is None:
            user = User(
                id=uuid.uuid4().hex,
                display_name=(account.display_name or account.id)[:100],
                created_at=self._clock(),
                spotify_id=account.id,
                email=account.email,
            )
            try:
                await asyncio.to_thread(self._store.create_user, user)
            except IdentityTaken:
                # Two first sign-ins raced: the other one created the user.
                found = await asyncio.to_thread(self._store.find_user_by_spotify_id, account.id)
                if found is None:
                    raise errors.SignInFailed() from None
                user = found
        await self._tokens.save_new_link(user.id, account.id, tokens)
        log.info("user signed in with Spotify")
        return await self.start_session(user.id)

    # --- sessions ------------------------------------------------------------------

    def _hash(self, cookie_value: str) -> str:
        return hmac.new(self._secret_key, cookie_value.encode(), hashlib.sha256).hexdigest()

    async def start_session(self, user_id: str) -> StartedSession:
        cookie_value = secrets.token_urlsafe(32)
        now = self._clock()
        session = Session(
            id_hash=self._hash(cookie_value),
            user_id=user_id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + self._session_lifetime,
        )
        await asyncio.to_thread(self._store.create_session, session)
        return StartedSession(cookie_value=cookie_value, session=session)

    async def session(self, cookie_value: str | None) -> Session | None:
        if not cookie_value or len(cookie_value) > 200:
            return None
        return await asyncio.to_thread(
            self._store.get_session, self._hash(cookie_value), self._clock()
        )

    async def end_session(self, cookie_value: str | None) -> None:
        if cookie_value and len(cookie_value) <= 200:
            await asyncio.to_thread(self._store.delete_session, self._hash(cookie_value))

    # --- the signed-in person ------------------------------------------------------

    async def me(self, user_id: str) -> Me:
        user, link = await asyncio.gather(
            asyncio.to_thread(self._store.get_user, user_id),
            asyncio.to_thread(self._store.get_spotify_link, user_id),
        )
        if user is None:
            raise errors.Unauthenticated()
        return Me(
            user=user,
            spotify_connected=link is not None,
            spotify_needs_reconnect=bool(link and link.needs_reconnect),
        )

    def now(self) -> datetime:
        return self._clock()
