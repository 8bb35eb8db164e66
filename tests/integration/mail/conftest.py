"""The SMTP mailer against the SMTP sink, over real SMTP on 127.0.0.1.

Each test gets its own sink (fresh port, no switches left over) and a mailer
pointed at it. Sends run in ``asyncio.run`` inside plain sync tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from liner.adapters.mail.smtp import SmtpMailer
from liner.sandbox.mail import SmtpSink

SENDER = "Liner <no-reply@liner.test>"


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as running:
        yield running


@pytest.fixture
def mailer(sink: SmtpSink) -> SmtpMailer:
    return SmtpMailer(
        host=sink.host, port=sink.port, username=None, password=None, sender=SENDER, timeout=5.0
    )
