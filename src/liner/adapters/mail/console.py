"""The console mailer: development's way to receive a sign-in link.

External contract: nothing leaves the process. Each ``send`` writes one framed
block to a text stream (``sys.stdout`` unless another stream is given, looked
up at send time so redirected output is honoured) with To, Subject and the
text body, and keeps the message in ``outbox`` (the newest ``keep`` messages,
oldest first) for tests and the demo to read.

Printing the link is the point here: on the embedded default this is how a
developer signs in. It is written to the stream directly and never through
``logging``, so it cannot end up in shipped logs or a log aggregator. The
recipient and subject are checked by the same rules as the SMTP mailer's, so an
address that works here works in production, and a CR/LF in either cannot
forge lines of the frame.
"""

from __future__ import annotations

import sys
from typing import TextIO

from liner.adapters.mail.smtp import header_safe, parse_address
from liner.ports.mailer import Email, MailerError

__all__ = ["ConsoleMailer"]

_RULE = "=" * 72


class ConsoleMailer:
    name = "console"

    def __init__(self, stream: TextIO | None = None, *, keep: int = 100) -> None:
        if keep < 1:
            raise ValueError("keep must be at least 1")
        self._stream = stream
        self._keep = keep
        self.outbox: list[Email] = []

    async def send(self, email: Email) -> None:
        try:
            recipient = parse_address(email.to)
        except ValueError as error:
            raise MailerError(f"recipient refused before sending: {error}") from None
        if not header_safe(email.subject):
            raise MailerError(
                "subject refused before sending: it holds control or line-breaking characters"
            )
        stream = self._stream if self._stream is not None else sys.stdout
        lines = [
            _RULE,
            "Liner email (console mailer: printed here, not sent)",
            f"To:      {recipient}",
            f"Subject: {email.subject}",
            _RULE,
            email.text.rstrip("\n"),
        ]
        if email.html is not None:
            lines.append("[an HTML alternative was also given; it is not shown here]")
        lines.append(_RULE)
        # One write, so a concurrent print cannot land inside the frame.
        stream.write("\n".join(lines) + "\n")
        stream.flush()
        self.outbox.append(email)
        del self.outbox[: -self._keep]
