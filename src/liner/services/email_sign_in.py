"""Signing in with a link sent by email.

The link carries a random single-use token valid 15 minutes; only its SHA-256
is stored. Sending is rate-limited per address and per client, and the answer
is the same whether or not the address has an account. Opening the link shows
a confirmation button (link scanners in mail systems follow GET links; only a
person's POST spends the token).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import secrets
import uuid
from datetime import timedelta
from urllib.parse import quote

from liner import errors
from liner.ports.mailer import Email, Mailer, MailerError
from liner.ports.store import EMAIL_IDENTITY, EmailSignIn, IdentityTaken, Store, User
from liner.services.accounts import AccountService, StartedSession, display_name_from
from liner.services.clock import Clock

log = logging.getLogger(__name__)

LINK_LIFETIME = timedelta(minutes=15)
PER_ADDRESS_PER_HOUR = 3
PER_CLIENT_PER_HOUR = 10
# Deliberately plain: one @, no spaces or control characters, a dot in the domain.
_EMAIL = re.compile(
    r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]{1,255}\.[^@\s\x00-\x1f\x7f.]{2,63}$"
)


def normalise_email(raw: str) -> str:
    email = raw.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise errors.InvalidInput("Enter an email address like name@example.com.")
    return email


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class EmailSignInService:
    def __init__(
        self,
        store: Store,
        mailer: Mailer,
        accounts: AccountService,
        clock: Clock,
        *,
        base_url: str,
        per_address_per_hour: int = PER_ADDRESS_PER_HOUR,
        per_client_per_hour: int = PER_CLIENT_PER_HOUR,
    ) -> None:
        self._per_address = per_address_per_hour
        self._per_client = per_client_per_hour
        self._store = store
        self._mailer = mailer
        self._accounts = accounts
        self._clock = clock
        self._base_url = base_url

    async def send_link(self, raw_email: str, *, client: str) -> None:
        email = normalise_email(raw_email)
        now = self._clock()
        per_client = await asyncio.to_thread(
            self._store.count_hit, "email-client", client, now=now, window_seconds=3600
        )
        per_address = await asyncio.to_thread(
            self._store.count_hit, "email-address", token_hash(email), now=now, window_seconds=3600
        )
        if per_client > self._per_client or per_address > self._per_address:
            raise errors.RateLimited(
                "Too many sign-in emails were asked for. Please wait an hour and try again.",
                retry_after=3600,
            )
        token = secrets.token_urlsafe(32)
        await asyncio.to_thread(
            self._store.put_email_sign_in,
            EmailSignIn(token_hash=token_hash(token), email=email, expires_at=now + LINK_LIFETIME),
        )
        link = f"{self._base_url}/auth/email/confirm?token={quote(token)}"
        message = Email(
            to=email,
            subject="Your sign-in link for Liner",
            text=(
                "Hello,\n\n"
                "Open this link to sign in to Liner. It works once, for 15 minutes:\n\n"
                f"{link}\n\n"
                "If you did not ask for it, ignore this email: nothing happens without the link.\n"
            ),
        )
        try:
            await self._mailer.send(message)
        except MailerError as exc:
            log.warning("sign-in email not sent: %s", exc)
            raise errors.MailUnavailable() from None

    async def pending(self, token: str) -> EmailSignIn | None:
        if not token or len(token) > 200:
            return None
        return await asyncio.to_thread(
            self._store.peek_email_sign_in, token_hash(token), self._clock()
        )

    async def confirm(self, token: str, *, user_agent: str = "") -> StartedSession:
        pending = None
        if token and len(token) <= 200:
            pending = await asyncio.to_thread(
                self._store.take_email_sign_in, token_hash(token), self._clock()
            )
        if pending is None:
            raise errors.SignInFailed(
                "This sign-in link has expired or was already used. Ask for a new one."
            )
        user = await asyncio.to_thread(
            self._store.find_user_by_identity, EMAIL_IDENTITY, pending.email
        )
        new_user = user is None
        if user is None:
            user = User(
                id=uuid.uuid4().hex,
                display_name=display_name_from(pending.email.split("@")[0]),
                created_at=self._clock(),
                email=pending.email,
            )
            try:
                await asyncio.to_thread(self._store.create_user, user)
            except IdentityTaken:
                found = await asyncio.to_thread(
                    self._store.find_user_by_identity, EMAIL_IDENTITY, pending.email
                )
                if found is None:
                    raise errors.SignInFailed() from None
                user, new_user = found, False
        started = await self._accounts.start_session(user.id, user_agent=user_agent)
        return StartedSession(started.cookie_value, started.session, new_user=new_user)
