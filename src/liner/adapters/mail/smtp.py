"""The SMTP mailer: one message per connection, handed over with aiosmtplib.

External contract (RFC 5321 submission, RFC 5322 message format):

* Each ``send`` opens one connection to ``host:port``, says EHLO, upgrades with
  STARTTLS when asked (``starttls=True``: required; ``None``: when the server
  offers it; ``False``: never) or speaks TLS from the first byte
  (``use_tls=True``, usually port 465), logs in when a username is set, sends
  one message to one recipient, and quits. Certificates are always verified.
* The message is an ``email.message.EmailMessage``: ``From`` (the configured
  sender, display name allowed), ``To`` (the recipient, display name allowed),
  ``Subject``, ``Date`` (UTC), ``Message-ID`` on the sender's domain,
  ``Auto-Submitted: auto-generated`` (RFC 3834: no vacation replies to a
  sign-in link), and a UTF-8 text part, with an HTML alternative when given.
  Non-ASCII display names and subjects are RFC 2047-encoded, so a server
  without SMTPUTF8 gets them intact; bodies are quoted-printable or base64, so
  no 8BITMIME is needed either.
* ``Email.to`` is either a bare address (``alice@example.com``) or a name and
  an address (``佐藤 <sato@example.com>``). It is checked before any connection
  is made: no control or line-breaking characters (CR/LF header injection),
  exactly one ``@``, no whitespace or address specials, RFC 5321 lengths. The
  subject may not hold control or line-breaking characters either.
* ``timeout`` bounds the whole hand-over (connect, TLS, login, the message),
  not each step, so a slow-dripping server cannot hold a sign-in request longer.
* Every failure is a ``MailerError`` whose text is short and safe to log and
  show: which step failed, the server address and the SMTP reply code. It never
  holds the password, the message body, or the server's reply text (a server
  may echo what it was sent, credentials included).
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import ssl
import unicodedata
from datetime import UTC, datetime
from email import policy
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import aiosmtplib

from liner.ports.mailer import Email, MailerError

__all__ = ["SmtpMailer", "header_safe", "parse_address"]

# Character categories refused in an address, a name or a subject: controls (CR
# and LF are what header injection needs; NEL is one too), Unicode line and
# paragraph separators (str.splitlines breaks on them) and lone surrogates.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
# "Name <addr>" or "\"Name\" <addr>"; anything else must be a bare address.
_NAMED = re.compile(r"(?P<name>[^<>]*?)\s*<(?P<addr>[^<>]*)>")
# Whitespace and the RFC 5322 specials that would end or split an address on a
# header line or an SMTP command line. Quoted local parts are not supported.
_NOT_IN_ADDRESS = re.compile(r'[\s<>(),;:"\[\]\\]')
_MAX_LOCAL = 64  # RFC 5321 4.5.3.1.1
_MAX_ADDRESS = 254  # RFC 5321 4.5.3.1.3 path length, less the angle brackets

# The message's own policy: 7-bit transfer encodings for the bodies, so any server
# takes them. Line endings stay "\n" here: aiosmtplib flattens with CRLF itself, and
# a CRLF policy would put CRs inside base64-encoded text.
_MESSAGE_POLICY = policy.default.clone(cte_type="7bit")


def header_safe(value: str) -> bool:
    """True when ``value`` can go on a header line: no control or line-breaking characters."""
    return not any(unicodedata.category(char) in _UNSAFE_CATEGORIES for char in value)


def parse_address(value: str) -> Address:
    """One mailbox, ``addr`` or ``Name <addr>``, or ``ValueError`` with a safe message.

    Shared by every mailer adapter so that an address the console accepts in
    development is one SMTP accepts in production.
    """
    if not isinstance(value, str) or not header_safe(value):
        raise ValueError("the address holds control or line-breaking characters")
    value = value.strip()
    named = _NAMED.fullmatch(value)
    name, addr = (named["name"].strip(), named["addr"]) if named else ("", value)
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    if addr.count("@") != 1 or _NOT_IN_ADDRESS.search(addr):
        raise ValueError("the address is not exactly one mailbox")
    local, domain = addr.split("@")
    if not local or not domain or len(local) > _MAX_LOCAL or len(addr) > _MAX_ADDRESS:
        raise ValueError("the address is not exactly one mailbox")
    if domain.startswith(".") or domain.endswith(".") or ".." in domain:
        raise ValueError("the address is not exactly one mailbox")
    try:
        return Address(display_name=name, addr_spec=addr)
    except (ValueError, IndexError, HeaderParseError):  # the stdlib parser found more
        raise ValueError("the address is not exactly one mailbox") from None


class SmtpMailer:
    name = "smtp"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        username: str | None,
        password: str | None,
        sender: str,
        starttls: bool | None = None,
        use_tls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        # Configuration mistakes are ValueErrors at start-up, not MailerErrors per send.
        if not host or not header_safe(host) or any(c.isspace() for c in host):
            raise ValueError("SMTP host must be a host name or an IP address")
        if not 0 < port < 65536:
            raise ValueError("SMTP port must be between 1 and 65535")
        if use_tls and starttls:
            raise ValueError("use_tls (TLS from the start) and starttls exclude each other")
        if (username is None) != (password is None):
            raise ValueError("SMTP username and password go together")
        if not timeout > 0:
            raise ValueError("SMTP timeout must be positive")
        try:
            self._sender = parse_address(sender)
        except ValueError as error:
            raise ValueError(f"SMTP sender: {error}") from None
        self._host = host
        self._port = port
        self._username = username
        self._password = password
        # With TLS from the first byte there is nothing to upgrade.
        self._starttls = False if use_tls else starttls
        self._use_tls = use_tls
        self._timeout = timeout

    def __repr__(self) -> str:  # the password is left out on purpose
        return (
            f"SmtpMailer(host={self._host!r}, port={self._port}, "
            f"username={self._username!r}, sender={self._sender.addr_spec!r}, "
            f"starttls={self._starttls!r}, use_tls={self._use_tls!r})"
        )

    async def send(self, email: Email) -> None:
        message, recipient = self._build_message(email)
        try:
            async with asyncio.timeout(self._timeout):
                await aiosmtplib.send(
                    message,
                    sender=self._sender.addr_spec,
                    recipients=[recipient.addr_spec],
                    hostname=self._host,
                    port=self._port,
                    username=self._username,
                    password=self._password,
                    use_tls=self._use_tls,
                    start_tls=self._starttls,
                    timeout=self._timeout,
                )
        except (aiosmtplib.SMTPException, OSError, TimeoutError, ValueError) as error:
            # Not chained: the original's text may be the server's reply, and a
            # server may echo what it was sent (the AUTH line included).
            raise MailerError(self._describe(error)) from None

    def _build_message(self, email: Email) -> tuple[EmailMessage, Address]:
        try:
            recipient = parse_address(email.to)
        except ValueError as error:
            raise MailerError(f"recipient refused before sending: {error}") from None
        if not header_safe(email.subject):
            raise MailerError(
                "subject refused before sending: it holds control or line-breaking characters"
            )
        message = EmailMessage(policy=_MESSAGE_POLICY)
        message["From"] = self._sender
        message["To"] = recipient
        message["Subject"] = email.subject
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = make_msgid(domain=self._sender.domain)
        message["Auto-Submitted"] = "auto-generated"
        try:
            message.set_content(email.text, charset="utf-8")
            if email.html is not None:
                message.add_alternative(email.html, subtype="html", charset="utf-8")
        except ValueError:  # UnicodeEncodeError: a lone surrogate in the body
            raise MailerError("the message body could not be encoded as UTF-8") from None
        return message, recipient

    def _describe(self, error: Exception) -> str:
        """A short, safe sentence for ``error``: the step, the server, the reply code.

        Reply *text* is left out on purpose: servers echo what they were sent.
        """
        server = f"SMTP server {self._host}:{self._port}"
        if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
            codes = sorted({refusal.code for refusal in error.recipients})
            return f"the {server} refused the recipient ({', '.join(map(str, codes))})"
        if isinstance(error, aiosmtplib.SMTPRecipientRefused):
            return f"the {server} refused the recipient ({error.code})"
        if isinstance(error, aiosmtplib.SMTPSenderRefused):
            return f"the {server} refused the sender ({error.code})"
        if isinstance(error, aiosmtplib.SMTPAuthenticationError):
            return f"the {server} refused the login ({error.code})"
        if isinstance(error, aiosmtplib.SMTPConnectResponseError):
            return f"the {server} refused the connection ({error.code})"
        if isinstance(error, aiosmtplib.SMTPDataError):
            return f"the {server} refused the message ({error.code})"
        if isinstance(error, aiosmtplib.SMTPHeloError):
            return f"the {server} refused the greeting ({error.code})"
        if isinstance(error, aiosmtplib.SMTPResponseException):
            return f"the {server} answered with an error ({error.code})"
        if isinstance(error, TimeoutError):  # aiosmtplib's own timeouts subclass it
            return f"the {server} did not finish within {self._timeout:g} s"
        if isinstance(error, aiosmtplib.SMTPConnectError):
            reason = _os_reason(error.__cause__)
            return f"could not connect to the {server}{reason}"
        if isinstance(error, aiosmtplib.SMTPServerDisconnected):
            return f"the {server} closed the connection unexpectedly"
        if isinstance(error, aiosmtplib.SMTPNotSupported):
            return f"the {server} lacks an extension this message needs (STARTTLS or SMTPUTF8)"
        if isinstance(error, OSError):
            return f"could not reach the {server}{_os_reason(error)}"
        if isinstance(error, aiosmtplib.SMTPException):
            # aiosmtplib's own wording (e.g. no AUTH offered): library text, not the server's.
            return f"the {server} could not take the message: {error.message[:120]}"
        return f"the message could not be handed to the {server} ({type(error).__name__})"


def _os_reason(error: BaseException | None) -> str:
    """`` (Connection refused)`` and the like: why a connection failed, in our words or
    the OS's, never the peer's."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return " (its TLS certificate was not accepted)"
    if isinstance(error, ssl.SSLError):
        return " (the TLS handshake failed)"
    if isinstance(error, socket.gaierror):
        return " (the host name could not be resolved)"
    if isinstance(error, OSError) and error.errno:
        return f" ({os.strerror(error.errno)})"
    return ""
