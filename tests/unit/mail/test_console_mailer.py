"""The console mailer: a framed block on a stream, an outbox, and nothing in the logs."""

from __future__ import annotations

import asyncio
import io
import logging

import pytest

from liner.adapters.mail.console import ConsoleMailer
from liner.ports.mailer import Email, Mailer, MailerError

ALICE = "alice@liner.test"
BOB = "bob@liner.test"
LINK = "https://liner.test/auth/email?token=Zm9vYmFyYmF6cXV4"


def sign_in_email(to: str = ALICE, subject: str = "Your Liner sign-in link") -> Email:
    return Email(to=to, subject=subject, text=f"Sign in to Liner:\n\n{LINK}\n")


def send(mailer: Mailer, email: Email) -> None:
    asyncio.run(mailer.send(email))


def test_it_prints_a_framed_block_with_the_recipient_subject_and_link() -> None:
    stream = io.StringIO()

    send(ConsoleMailer(stream), sign_in_email())

    lines = stream.getvalue().splitlines()
    rule = lines[0]
    assert set(rule) == {"="} and len(rule) >= 40
    assert lines[-1] == rule
    assert "console mailer" in lines[1] and "not sent" in lines[1]
    assert f"To:      {ALICE}" in lines
    assert "Subject: Your Liner sign-in link" in lines
    assert LINK in lines
    assert lines.count(rule) == 3  # above the header, between header and body, below


def test_it_prints_to_stdout_when_no_stream_is_given(capsys: pytest.CaptureFixture[str]) -> None:
    send(ConsoleMailer(), sign_in_email())

    out, err = capsys.readouterr()
    assert LINK in out
    assert err == ""


def test_a_non_ascii_name_and_subject_are_printed_as_they_are() -> None:
    stream = io.StringIO()

    send(ConsoleMailer(stream), sign_in_email("佐藤 <sato@liner.test>", "Ваш вход в Liner"))

    assert "To:      佐藤 <sato@liner.test>" in stream.getvalue()
    assert "Subject: Ваш вход в Liner" in stream.getvalue()


def test_an_html_alternative_is_mentioned_but_not_printed() -> None:
    stream = io.StringIO()
    email = Email(to=ALICE, subject="s", text=LINK, html="<p>SECRET-MARKUP</p>")

    send(ConsoleMailer(stream), email)

    assert "HTML alternative" in stream.getvalue()
    assert "SECRET-MARKUP" not in stream.getvalue()


def test_the_outbox_keeps_messages_oldest_first() -> None:
    mailer = ConsoleMailer(io.StringIO())

    send(mailer, sign_in_email(ALICE, "one"))
    send(mailer, sign_in_email(BOB, "two"))

    assert [(e.to, e.subject) for e in mailer.outbox] == [(ALICE, "one"), (BOB, "two")]
    assert mailer.outbox[0].text == f"Sign in to Liner:\n\n{LINK}\n"


def test_the_outbox_keeps_only_the_newest_messages() -> None:
    mailer = ConsoleMailer(io.StringIO(), keep=2)

    for subject in ("one", "two", "three"):
        send(mailer, sign_in_email(subject=subject))

    assert [e.subject for e in mailer.outbox] == ["two", "three"]


def test_nothing_goes_through_logging(caplog: pytest.LogCaptureFixture) -> None:
    # Capture covers the send alone: creating and closing a loop logs asyncio's own
    # debug lines ("Using selector", and "Close" in dev mode), not the mailer's doing.
    loop = asyncio.new_event_loop()
    try:
        with caplog.at_level(logging.DEBUG):
            loop.run_until_complete(ConsoleMailer(io.StringIO()).send(sign_in_email()))
    finally:
        loop.close()

    assert caplog.records == []
    assert LINK not in caplog.text


@pytest.mark.parametrize(
    "to",
    ["alice@liner.test\r\nSubject: forged", "alice@liner.test, bob@liner.test", "alice"],
)
def test_an_address_smtp_would_refuse_is_refused_here_too(to: str) -> None:
    stream = io.StringIO()
    mailer = ConsoleMailer(stream)

    with pytest.raises(MailerError, match="recipient refused before sending"):
        send(mailer, sign_in_email(to))

    assert stream.getvalue() == ""
    assert mailer.outbox == []


def test_a_line_break_in_the_subject_cannot_forge_frame_lines() -> None:
    stream = io.StringIO()
    mailer = ConsoleMailer(stream)

    with pytest.raises(MailerError, match="subject refused before sending"):
        send(mailer, sign_in_email(subject="hi\nTo:      bob@liner.test"))

    assert stream.getvalue() == ""
    assert mailer.outbox == []


def test_it_is_a_mailer_named_console() -> None:
    mailer: Mailer = ConsoleMailer()
    assert mailer.name == "console"
    with pytest.raises(ValueError):
        ConsoleMailer(keep=0)
