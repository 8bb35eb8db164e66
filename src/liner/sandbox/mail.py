"""A real SMTP server on 127.0.0.1 that keeps what it receives: the mail sink.

    with SmtpSink() as sink:
        mailer = SmtpMailer(host=sink.host, port=sink.port, ...)
        ...
        message = sink.wait_for("alice@example.com")

External contract imitated: an ESMTP submission server (aiosmtpd) that accepts
any sender and recipient, offers 8BITMIME and SMTPUTF8, and offers AUTH PLAIN
and LOGIN without TLS (this is loopback only). It stores each message, parsed
with ``email.policy.default`` into an ``EmailMessage`` (CRLF line endings turned
into ``\\n``, as a local delivery agent would), in arrival order.

Switches, all thread-safe and usable while the server runs:

* ``reject_next(count, code=550)``: the next ``count`` RCPT TO commands are
  refused with ``code``.
* ``require_auth(username, password)``: MAIL FROM is refused with 530 until the
  client has logged in with these credentials. A failed login is answered with
  a 535 whose text deliberately repeats the credentials it was sent, as a leaky
  server might, so tests can prove that clients never show a server's words.

Nothing happens at import or construction: ``start()`` (or ``with``) binds a
free port on 127.0.0.1 and serves from a thread with its own event loop;
``stop()`` closes it. A stopped sink can be started again, on a new port.
"""

from __future__ import annotations

import asyncio
import hmac
import socket
import threading
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr
from types import TracebackType
from typing import Any, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

__all__ = ["SmtpSink"]

HOST = "127.0.0.1"
SERVER_NAME = "sink.liner.test"  # given, so aiosmtpd does not look up the machine's FQDN


@dataclass(slots=True)
class _Received:
    recipients: frozenset[str]  # envelope RCPT TO addresses, lower-cased
    message: EmailMessage
    taken: bool = False  # already returned by wait_for


class SmtpSink:
    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._received: list[_Received] = []
        self._rejections: list[int] = []  # codes for the next RCPT TO commands, in order
        self._credentials: tuple[bytes, bytes] | None = None
        self._controller: _Controller | None = None

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        if self._controller is not None:
            raise RuntimeError("the SMTP sink is already running")
        # Bound before the server starts (port 0: the OS picks), so there is no race
        # for the port and the address is known before any client needs it.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.bind((HOST, 0))
            controller = _Controller(
                _Handler(self),
                sock,
                server_hostname=SERVER_NAME,
                # AUTH is offered on plain loopback; whether it is *required* is the
                # handler's call (see require_auth), which avoids aiosmtpd's
                # "AUTH without TLS" warning that auth_required=True would raise.
                auth_require_tls=False,
                authenticator=self._authenticate,
            )
            controller.start()
        except BaseException:
            sock.close()
            raise
        self._controller = controller

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()  # closes the listening socket with the server

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def host(self) -> str:
        return HOST

    @property
    def port(self) -> int:
        if self._controller is None:
            raise RuntimeError("the SMTP sink is not running")
        return self._controller.port

    # -- what arrived ----------------------------------------------------------------

    @property
    def messages(self) -> list[EmailMessage]:
        """Every message received since the last ``clear()``, oldest first (a copy)."""
        with self._lock:
            return [received.message for received in self._received]

    def wait_for(self, to: str, timeout: float = 5.0) -> EmailMessage:
        """The oldest message to ``to`` not yet returned by ``wait_for``, waiting for one.

        Matches the envelope recipient, case-insensitively; ``to`` may be
        ``Name <addr>``. Each message is returned once, so asking twice gets the
        first and then the second. Raises ``TimeoutError`` if none arrives in time.
        """
        wanted = parseaddr(to)[1].lower() or to.lower()
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for received in self._received:
                    if not received.taken and wanted in received.recipients:
                        received.taken = True
                        return received.message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"no new message to {wanted} within {timeout:g} s "
                        f"({len(self._received)} received in all)"
                    )
                self._lock.wait(remaining)

    def clear(self) -> None:
        """Forget received messages and reset the switches."""
        with self._lock:
            self._received.clear()
            self._rejections.clear()
            self._credentials = None

    # -- switches --------------------------------------------------------------------

    def reject_next(self, count: int, code: int = 550) -> None:
        if count < 0:
            raise ValueError("count must not be negative")
        if not 400 <= code <= 599:
            raise ValueError("a refusal is a 4xx or 5xx reply code")
        with self._lock:
            self._rejections.extend([code] * count)

    def require_auth(self, username: str, password: str) -> None:
        with self._lock:
            self._credentials = (username.encode(), password.encode())

    # -- called from the server's thread ---------------------------------------------

    def _next_rejection(self) -> int | None:
        with self._lock:
            return self._rejections.pop(0) if self._rejections else None

    def _auth_required(self) -> bool:
        with self._lock:
            return self._credentials is not None

    def _store(self, recipients: list[str], data: bytes) -> None:
        message = message_from_bytes(data.replace(b"\r\n", b"\n"), policy=policy.default)
        assert isinstance(message, EmailMessage)  # policy.default builds EmailMessage
        with self._lock:
            self._received.append(
                _Received(frozenset(address.lower() for address in recipients), message)
            )
            self._lock.notify_all()

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        with self._lock:
            expected = self._credentials
        if (
            expected is not None
            and isinstance(data, LoginPassword)
            and hmac.compare_digest(data.login, expected[0])
            and hmac.compare_digest(data.password, expected[1])
        ):
            return AuthResult(success=True)
        given = (
            f"{data.login.decode(errors='replace')}:{data.password.decode(errors='replace')}"
            if isinstance(data, LoginPassword)
            else "?"
        )
        # handled=False makes aiosmtpd send this line; it echoes the credentials on purpose.
        return AuthResult(
            success=False, handled=False, message=f"535 5.7.8 Bad credentials {given}"
        )


class _Handler:
    """aiosmtpd's hooks (found by their ``handle_*`` names), kept off ``SmtpSink``
    so its public surface stays small."""

    def __init__(self, sink: SmtpSink) -> None:
        self._sink = sink

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        if self._sink._auth_required() and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        code = self._sink._next_rejection()
        if code is not None:
            return f"{code} Recipient refused by the sink"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content
        if data is None:  # not reachable with aiosmtpd's DATA handling; be explicit
            return "554 5.6.0 No message content"
        self._sink._store(envelope.rcpt_tos, data)
        return "250 Message accepted for delivery"


class _Controller(Controller):
    """aiosmtpd's threaded controller, serving a socket bound in advance."""

    def __init__(self, handler: _Handler, sock: socket.socket, **smtp_options: Any) -> None:
        super().__init__(handler, hostname=HOST, port=sock.getsockname()[1], **smtp_options)
        self._sock = sock

    def factory(self) -> SMTP:
        # The loop is passed in: otherwise aiosmtpd looks one up through a
        # warnings.catch_warnings() block, which is not thread-safe and would race
        # with the test thread's own warning filters.
        return SMTP(self.handler, loop=self.loop, **self.SMTP_kwargs)

    def _create_server(self) -> Awaitable[asyncio.AbstractServer]:
        return self.loop.create_server(self._factory_invoker, sock=self._sock)
