"""Sending email (sign-in links). SMTP in production, the console in development."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Email:
    to: str
    subject: str
    text: str = field(repr=False)  # may hold a sign-in link: never in a repr or a log
    html: str | None = field(default=None, repr=False)


class MailerError(Exception):
    """The message could not be handed over; ``str(error)`` is safe to log and show."""


class Mailer(Protocol):
    name: str

    async def send(self, email: Email) -> None:
        """Hand the message to the mail system, or raise MailerError."""
        ...
