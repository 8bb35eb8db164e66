"""Accounts: signing in (Spotify, Google, email link), linking Spotify, and sessions.

OAuth round trips are stored server-side under their ``state`` (single use, 10
minutes) with the PKCE verifier (and OIDC nonce), and the browser carries the
same state in a cookie, so a callback that did not start in this browser is
refused. Sessions are opaque random ids; only an HMAC of the id is stored, so a
leaked table cannot be replayed as cookies. A session slides: each day it is
used, its 30 days start again.

Accounts are never merged silently: a verified email belongs to one account,
and a sign-in whose email another account holds is refused with a way forward.
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
from liner.domain.devices import device_hint
from liner.ports.identity import (
    IdentityProvider,
    IdentityRejected,
    IdentityUnavailable,
    OidcIdentity,
)
from liner.ports.music_source import InvalidGrant, MusicAuth, MusicSource, MusicSourceError
from liner.ports.store import (
    EMAIL_IDENTITY,
    GOOGLE_IDENTITY,
    SPOTIFY_IDENTITY,
    IdentityTaken,
    PendingSignIn,
    Session,
    Store,
    User,
)
from liner.services.clock import Clock
from liner.services.errors import spotify_error
from liner.services.spotify_link import SpotifyTokens

log = logging.getLogger(__name__)

SIGN_IN_WINDOW = timedelta(minutes=10)
# Writing last-seen on every request would cost a write per page view; once an hour is
# plenty for "last seen" and for sliding a 30-day expiry.
TOUCH_EVERY = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class SignInStart:
    url: str
    state: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class StartedSession:
    cookie_value: str = field(repr=False)  # goes to the browser only; never stored or logged
    session: Session
    new_user: bool = False


@dataclass(frozen=True, slots=True)
class Me:
    user: User
    spotify_connected: bool
    spotify_needs_reconnect: bool


def same(a: str, b: str) -> bool:
    """Constant-time equality that also works for non-ASCII input."""
    return hmac.compare_digest(
        a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass")
    )


def display_name_from(*candidates: str | None) -> str:
    for candidate in candidates:
        if candidate and candidate.strip():
            return " ".join(candidate.split())[:100]
    return "Listener"


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
        google: IdentityProvider | None = None,
        google_redirect_uri: str = "",
    ) -> None:
        self._store = store
        self._auth = auth
        self._source = source
        self._tokens = tokens
        self._clock = clock
        self._secret_key = secret_key
        self._redirect_uri = redirect_uri
        self._session_lifetime = session_lifetime
        self._google = google
        self._google_redirect_uri = google_redirect_uri

    @property
    def google_enabled(self) -> bool:
        return self._google is not None

    # --- round trips -----------------------------------------------------------------

    async def _begin(
        self, purpose: str, *, user_id: str | None = None, nonce: str | None = None
    ) -> tuple[str, str]:
        state = secrets.token_urlsafe(24)
        # RFC 7636: 43-128 characters from the unreserved set; token_urlsafe(64) gives 86.
        verifier = secrets.token_urlsafe(64)
        pending = PendingSignIn(
            state=state,
            code_verifier=verifier,
            expires_at=self._clock() + SIGN_IN_WINDOW,
            purpose=purpose,
            user_id=user_id,
            nonce=nonce,
        )
        await asyncio.to_thread(self._store.put_pending_sign_in, pending)
        return state, create_s256_code_challenge(verifier)

    async def _resume(
        self, *, state: str | None, browser_state: str | None, error: str | None, provider: str
    ) -> PendingSignIn:
        if error:
            if error == "access_denied":
                raise errors.SignInFailed(
                    f"You chose not to connect {provider}, so nothing changed."
                    if provider == "Spotify"
                    else f"You chose not to sign in with {provider}."
                )
            raise errors.SignInFailed(f"{provider} did not sign you in. Please try again.")
        if not state or not browser_state or not same(state, browser_state):
            raise errors.SignInFailed(
                "This sign-in did not start in this browser or has expired. Please start again."
            )
        pending = await asyncio.to_thread(self._store.take_pending_sign_in, state, self._clock())
        if pending is None:
            raise errors.SignInFailed(
                "This sign-in has expired or was already used. Please start again."
            )
        return pending

    # --- Spotify: sign in, or connect to the signed-in account ---------------------

    async def start_spotify_sign_in(self, *, link_to: str | None = None) -> SignInStart:
        state, challenge = await self._begin("link" if link_to else "sign-in", user_id=link_to)
        url = self._auth.authorize_url(
            state=state, code_challenge=challenge, redirect_uri=self._redirect_uri
        )
        return SignInStart(url=url, state=state)

    async def finish_spotify(
        self,
        *,
        state: str | None,
        browser_state: str | None,
        code: str | None,
        error: str | None,
        current_user_id: str | None,
        user_agent: str = "",
    ) -> StartedSession | None:
        """Signs in (returns a new session) or, for a link round trip, connects Spotify to
        the signed-in person (returns None)."""
        pending = await self._resume(
            state=state, browser_state=browser_state, error=error, provider="Spotify"
        )
        if not code:
            raise errors.SignInFailed("Spotify did not send a sign-in code. Please try again.")
        if pending.purpose == "link" and pending.user_id != current_user_id:
            raise errors.SignInFailed("Please sign in again, then connect Spotify.")
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

        if pending.purpose == "link" and pending.user_id:
            try:
                await asyncio.to_thread(
                    self._store.link_identity, pending.user_id, SPOTIFY_IDENTITY, account.id
                )
            except IdentityTaken:
                raise errors.IdentityInUse(
                    "This Spotify account is already connected to another Liner account. "
                    "Sign in with Spotify to use that account, or connect a different one."
                ) from None
            await self._tokens.save_new_link(pending.user_id, account.id, tokens)
            log.info("a user connected Spotify")
            return None

        user = await asyncio.to_thread(self._store.find_user_by_spotify_id, account.id)
        new_user = user is None
        if user is None:
            user = User(
                id=uuid.uuid4().hex,
                display_name=display_name_from(account.display_name, account.id),
                created_at=self._clock(),
                spotify_id=account.id,
            )
            try:
                await asyncio.to_thread(self._store.create_user, user)
            except IdentityTaken:
                # Two first sign-ins raced: the other one created the user.
                found = await asyncio.to_thread(self._store.find_user_by_spotify_id, account.id)
                if found is None:
                    raise errors.SignInFailed() from None
                user, new_user = found, False
        await self._tokens.save_new_link(user.id, account.id, tokens)
        log.info("user signed in with Spotify")
        started = await self.start_session(user.id, user_agent=user_agent)
        return StartedSession(started.cookie_value, started.session, new_user=new_user)

    async def disconnect_spotify(self, user_id: str) -> None:
        user = await asyncio.to_thread(self._store.get_user, user_id)
        if user is None:
            raise errors.Unauthenticated()
        if user.spotify_id and not (user.google_sub or user.email):
            raise errors.InvalidInput(
                "Spotify is how you sign in to Liner, so it cannot be disconnected. "
                "Delete your account from Settings if you want Liner to forget you."
            )
        await asyncio.to_thread(self._store.unlink_spotify, user_id)

    # --- Google (OpenID Connect) ----------------------------------------------------

    def _require_google(self) -> IdentityProvider:
        if self._google is None:
            raise errors.NotFound("Google sign-in is not set up on this Liner.")
        return self._google

    async def start_google_sign_in(self) -> SignInStart:
        google = self._require_google()
        nonce = secrets.token_urlsafe(24)
        state, challenge = await self._begin("google", nonce=nonce)
        try:
            url = await google.authorize_url(
                state=state,
                nonce=nonce,
                code_challenge=challenge,
                redirect_uri=self._google_redirect_uri,
            )
        except IdentityUnavailable:
            raise errors.ProviderUnavailable("Google is not answering right now.") from None
        return SignInStart(url=url, state=state)

    async def finish_google(
        self,
        *,
        state: str | None,
        browser_state: str | None,
        code: str | None,
        error: str | None,
        user_agent: str = "",
    ) -> StartedSession:
        google = self._require_google()
        pending = await self._resume(
            state=state, browser_state=browser_state, error=error, provider="Google"
        )
        if pending.purpose != "google" or not pending.nonce or not code:
            raise errors.SignInFailed("Google did not sign you in. Please try again.")
        try:
            identity = await google.finish(
                code=code,
                code_verifier=pending.code_verifier,
                redirect_uri=self._google_redirect_uri,
                nonce=pending.nonce,
            )
        except IdentityRejected as exc:
            raise errors.SignInFailed(str(exc)) from None
        except IdentityUnavailable:
            raise errors.ProviderUnavailable("Google is not answering right now.") from None
        user, new_user = await self._google_user(identity)
        started = await self.start_session(user.id, user_agent=user_agent)
        return StartedSession(started.cookie_value, started.session, new_user=new_user)

    async def _google_user(self, identity: OidcIdentity) -> tuple[User, bool]:
        user = await asyncio.to_thread(
            self._store.find_user_by_identity, GOOGLE_IDENTITY, identity.subject
        )
        if user is not None:
            return user, False
        email = (
            identity.email.strip().lower() if identity.email and identity.email_verified else None
        )
        user = User(
            id=uuid.uuid4().hex,
            display_name=display_name_from(identity.name, (email or "").split("@")[0]),
            created_at=self._clock(),
            google_sub=identity.subject,
            email=email,
        )
        try:
            await asyncio.to_thread(self._store.create_user, user)
        except IdentityTaken as taken:
            if taken.provider == EMAIL_IDENTITY:
                raise errors.IdentityInUse(
                    "A Liner account already uses this email address. Sign in with an email "
                    "link to that address instead; accounts are never merged without you."
                ) from None
            found = await asyncio.to_thread(
                self._store.find_user_by_identity, GOOGLE_IDENTITY, identity.subject
            )
            if found is None:
                raise errors.SignInFailed() from None
            return found, False
        return user, True

    # --- sessions ------------------------------------------------------------------

    def _hash(self, cookie_value: str) -> str:
        return hmac.new(self._secret_key, cookie_value.encode(), hashlib.sha256).hexdigest()

    async def start_session(self, user_id: str, *, user_agent: str = "") -> StartedSession:
        """Always a brand-new id: signing in never reuses a session (no fixation)."""
        cookie_value = secrets.token_urlsafe(32)
        now = self._clock()
        session = Session(
            id_hash=self._hash(cookie_value),
            user_id=user_id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + self._session_lifetime,
            last_seen=now,
            device=device_hint(user_agent),
        )
        await asyncio.to_thread(self._store.create_session, session)
        return StartedSession(cookie_value=cookie_value, session=session)

    async def session(self, cookie_value: str | None) -> Session | None:
        if not cookie_value or len(cookie_value) > 200 or not cookie_value.isascii():
            return None
        now = self._clock()
        session = await asyncio.to_thread(self._store.get_session, self._hash(cookie_value), now)
        if session is None:
            return None
        if session.last_seen is None or now - session.last_seen >= TOUCH_EVERY:
            await asyncio.to_thread(
                self._store.touch_session,
                session,
                now=now,
                expires_at=now + self._session_lifetime,
            )
        return session

    async def end_session(self, cookie_value: str | None) -> None:
        if cookie_value and len(cookie_value) <= 200 and cookie_value.isascii():
            await asyncio.to_thread(self._store.delete_session, self._hash(cookie_value))

    async def sessions(self, user_id: str) -> list[Session]:
        return await asyncio.to_thread(self._store.list_sessions, user_id, self._clock())

    async def end_session_by_id(self, user_id: str, id_hash: str) -> None:
        """Sign out one of your own sessions; another person's id is simply not found."""
        mine = {s.id_hash for s in await self.sessions(user_id)}
        if id_hash not in mine:
            raise errors.NotFound("That session is not one of yours, or it already ended.")
        await asyncio.to_thread(self._store.delete_session, id_hash, user_id)

    async def end_all_sessions(self, user_id: str) -> int:
        return await asyncio.to_thread(self._store.delete_sessions, user_id)

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
