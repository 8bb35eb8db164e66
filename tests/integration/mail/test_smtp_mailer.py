"""SmtpMailer -> SmtpSink over real SMTP on 127.0.0.1: what arrives, and how it fails."""

from __future__ import annotations

import asyncio
import socket
import time
import traceback
from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from liner.adapters.mail.smtp import SmtpMailer, parse_address
from liner.ports.mailer import Email, Mailer, MailerError
from liner.sandbox.mail import SmtpSink
from support.live_server import bind_free_socket

ALICE = "alice@liner.test"
BOB = "bob@liner.test"
LINK = "https://liner.test/auth/email?token=Zm9vYmFyYmF6cXV4"
TEXT = f"Sign in to Liner:\n\n{LINK}\n\nThe link works once, for 15 minutes."
PASSWORD = "hunter2-Sm7p-pa55word"  # must never show in any error text


def sign_in_email(to: str = ALICE, **overrides: str | None) -> Email:
    fields: dict[str, str | None] = {
        "subject": "Your Liner sign-in link",
        "text": TEXT,
        "html": None,
    }
    fields.update(overrides)
    return Email(
        to=to, subject=fields["subject"] or "", text=fields["text"] or "", html=fields["html"]
    )


def send(mailer: Mailer, email: Email) -> None:
    asyncio.run(mailer.send(email))


def plain_text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    content = part.get_content()
    assert isinstance(content, str)
    return content


def smtp_mailer(port: int, /, **options: object) -> SmtpMailer:
    settings: dict[str, object] = {
        "host": "127.0.0.1",
        "port": port,
        "username": None,
        "password": None,
        "sender": "Liner <no-reply@liner.test>",
        "timeout": 5.0,
    }
    settings.update(options)
    return SmtpMailer(**settings)  # type: ignore[arg-type]


def error_text(error: BaseException) -> str:
    """Everything a log line or an error page could show about ``error``."""
    return f"{error}\n{error!r}\n" + "".join(traceback.format_exception(error))


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port on 127.0.0.1 that is bound but not listening: connecting is refused."""
    sock = bind_free_socket()
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


@pytest.fixture
def mute_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) but never says a word."""
    sock = bind_free_socket()
    sock.listen(1)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


# -- what arrives -------------------------------------------------------------------------


def test_the_subject_sender_recipient_and_link_arrive_intact(
    sink: SmtpSink, mailer: SmtpMailer
) -> None:
    send(mailer, sign_in_email())

    message = sink.wait_for(ALICE)
    assert message["Subject"] == "Your Liner sign-in link"
    assert message["From"].addresses[0].display_name == "Liner"
    assert message["From"].addresses[0].addr_spec == "no-reply@liner.test"
    assert message["To"].addresses[0].addr_spec == ALICE
    assert (
        plain_text(message)
        == f"Sign in to Liner:\n\n{LINK}\n\nThe link works once, for 15 minutes.\n"
    )
    assert message.get_content_type() == "text/plain"


def test_it_stamps_a_date_and_a_message_id_on_the_senders_domain(
    sink: SmtpSink, mailer: SmtpMailer
) -> None:
    send(mailer, sign_in_email())
    send(mailer, sign_in_email())

    first, second = sink.wait_for(ALICE), sink.wait_for(ALICE)
    assert first["Date"].datetime is not None
    assert first["Message-ID"].startswith("<") and first["Message-ID"].endswith("@liner.test>")
    assert first["Message-ID"] != second["Message-ID"]
    assert first["Auto-Submitted"] == "auto-generated"


def test_a_non_ascii_subject_recipient_name_and_body_survive_the_trip(
    sink: SmtpSink, mailer: SmtpMailer
) -> None:
    send(
        mailer,
        sign_in_email(
            "佐藤 <sato@liner.test>",
            subject="Ваш вход в Liner",
            text=f"Здравствуйте, 佐藤さん!\n{LINK}",
        ),
    )

    message = sink.wait_for("sato@liner.test")
    assert message["Subject"] == "Ваш вход в Liner"
    assert message["To"].addresses[0].display_name == "佐藤"
    assert message["To"].addresses[0].addr_spec == "sato@liner.test"
    assert plain_text(message) == f"Здравствуйте, 佐藤さん!\n{LINK}\n"


def test_a_non_ascii_sender_name_survives_the_trip(sink: SmtpSink) -> None:
    send(smtp_mailer(sink.port, sender='"Лайнер, Liner" <hello@liner.test>'), sign_in_email())

    sender = sink.wait_for(ALICE)["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("Лайнер, Liner", "hello@liner.test")


def test_an_html_alternative_arrives_beside_the_text(sink: SmtpSink, mailer: SmtpMailer) -> None:
    html = f'<p>Sign in to Liner: <a href="{LINK}">continue</a></p>'
    send(mailer, sign_in_email(html=html))

    message = sink.wait_for(ALICE)
    assert message.get_content_type() == "multipart/alternative"
    html_part = message.get_body(("html",))
    assert isinstance(html_part, EmailMessage)
    assert html_part.get_content() == html + "\n"
    assert LINK in plain_text(message)


def test_the_sink_hands_each_message_out_once_in_arrival_order(
    sink: SmtpSink, mailer: SmtpMailer
) -> None:
    send(mailer, sign_in_email(subject="first"))
    send(mailer, sign_in_email(BOB, subject="for bob"))
    send(mailer, sign_in_email(subject="second"))

    assert sink.wait_for(ALICE)["Subject"] == "first"
    assert sink.wait_for(f"Alice <{ALICE.upper()}>")["Subject"] == "second"
    assert sink.wait_for(BOB)["Subject"] == "for bob"
    with pytest.raises(TimeoutError):
        sink.wait_for(ALICE, timeout=0.05)
    assert [m["Subject"] for m in sink.messages] == ["first", "for bob", "second"]

    sink.clear()
    assert sink.messages == []


def test_a_login_with_the_right_credentials_is_accepted(sink: SmtpSink) -> None:
    sink.require_auth("liner", PASSWORD)

    send(smtp_mailer(sink.port, username="liner", password=PASSWORD), sign_in_email())

    assert sink.wait_for(ALICE)["Subject"] == "Your Liner sign-in link"


# -- how it fails -------------------------------------------------------------------------


@pytest.mark.parametrize("code", [550, 450])
def test_a_refused_recipient_is_a_mailer_error(
    sink: SmtpSink, mailer: SmtpMailer, code: int
) -> None:
    sink.reject_next(1, code=code)

    with pytest.raises(MailerError, match=rf"refused the recipient \({code}\)"):
        send(mailer, sign_in_email())

    assert sink.messages == []


def test_nothing_listening_is_a_mailer_error_promptly(silent_port: int) -> None:
    started = time.monotonic()

    with pytest.raises(MailerError, match="could not connect") as caught:
        send(smtp_mailer(silent_port), sign_in_email())

    assert time.monotonic() - started < 2.0
    assert f"127.0.0.1:{silent_port}" in str(caught.value)


def test_a_server_that_never_answers_is_a_mailer_error_after_the_timeout(mute_port: int) -> None:
    started = time.monotonic()

    with pytest.raises(MailerError, match=r"did not finish within 0\.3 s"):
        send(smtp_mailer(mute_port, timeout=0.3), sign_in_email())

    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize(
    "address",
    [
        "alice@liner.test\r\nBcc: bob@liner.test",
        "alice@liner.test\nBcc: bob@liner.test",
        "Alice\u2028Bcc: bob@liner.test <alice@liner.test>",
        "Alice\x85Bcc: bob@liner.test <alice@liner.test>",
        "Alice\r\nBcc: bob@liner.test <alice@liner.test>",
        "alice@liner.test>\r\nRCPT TO:<bob@liner.test",
        "alice@liner.test, bob@liner.test",
        "Alice <alice@liner.test>, bob@liner.test",
        "alice@liner.test bob@liner.test",
        "alice@liner.test@liner.test",
        "alice",
        "@liner.test",
        "alice@",
        "alice@liner..test",
        "<alice@liner.test> SIZE=1",
        "",
    ],
)
def test_a_malformed_or_injected_address_is_refused_before_anything_is_sent(
    sink: SmtpSink, mailer: SmtpMailer, address: str
) -> None:
    with pytest.raises(MailerError, match="recipient refused before sending"):
        send(mailer, sign_in_email(address))

    # The sink handles one connection at a time, in order: once a later, valid message
    # has arrived, anything the refused attempt had sent would be there before it.
    send(mailer, sign_in_email(BOB, subject="control"))
    sink.wait_for(BOB)
    assert [m["Subject"] for m in sink.messages] == ["control"]


@pytest.mark.parametrize("line_break", ["\r\n", "\n", "\u2028", "\x85"])
def test_a_line_break_in_the_subject_is_refused_before_anything_is_sent(
    sink: SmtpSink, mailer: SmtpMailer, line_break: str
) -> None:
    with pytest.raises(MailerError, match="subject refused before sending"):
        send(mailer, sign_in_email(subject=f"Sign in{line_break}Bcc: bob@liner.test"))

    send(mailer, sign_in_email(BOB, subject="control"))
    sink.wait_for(BOB)
    assert [m["Subject"] for m in sink.messages] == ["control"]


def test_tls_from_the_start_against_a_plain_server_is_a_mailer_error(sink: SmtpSink) -> None:
    with pytest.raises(MailerError, match="TLS handshake failed"):
        send(smtp_mailer(sink.port, use_tls=True), sign_in_email())

    assert sink.messages == []


def test_a_required_starttls_the_server_does_not_offer_is_a_mailer_error(sink: SmtpSink) -> None:
    # starttls=True must never fall back to plain text (the sink offers no STARTTLS).
    with pytest.raises(MailerError, match="STARTTLS"):
        send(smtp_mailer(sink.port, starttls=True), sign_in_email())

    assert sink.messages == []


def test_a_body_that_is_not_valid_unicode_is_a_mailer_error(
    sink: SmtpSink, mailer: SmtpMailer
) -> None:
    with pytest.raises(MailerError, match="could not be encoded"):
        send(mailer, sign_in_email(text=f"{LINK} \udcff"))


def test_a_wrong_password_is_a_mailer_error_that_never_shows_the_password(
    sink: SmtpSink,
) -> None:
    # The sink's 535 reply repeats the credentials it was sent, as a leaky server might.
    sink.require_auth("liner", "the-right-one")

    with pytest.raises(MailerError, match=r"refused the login \(535\)") as caught:
        send(smtp_mailer(sink.port, username="liner", password=PASSWORD), sign_in_email())

    assert PASSWORD not in error_text(caught.value)
    assert sink.messages == []


def test_an_unauthenticated_sender_is_refused_when_the_server_requires_a_login(
    sink: SmtpSink, mailer: SmtpMailer
) -> None:
    sink.require_auth("liner", PASSWORD)

    with pytest.raises(MailerError, match=r"refused the sender \(530\)"):
        send(mailer, sign_in_email())


@pytest.mark.parametrize("failure", ["refused", "not listening", "recipient refused", "timeout"])
def test_no_failure_shows_the_password_or_the_link(
    sink: SmtpSink, silent_port: int, mute_port: int, failure: str
) -> None:
    port = {"not listening": silent_port, "timeout": mute_port}.get(failure, sink.port)
    mailer = smtp_mailer(port, username="liner", password=PASSWORD, timeout=0.3)
    if failure == "refused":
        sink.require_auth("liner", "the-right-one")
    if failure == "recipient refused":
        sink.require_auth("liner", PASSWORD)
        sink.reject_next(1)

    with pytest.raises(MailerError) as caught:
        send(mailer, sign_in_email())

    shown = error_text(caught.value)
    assert PASSWORD not in shown
    assert LINK not in shown
    assert PASSWORD not in repr(mailer)


def test_the_address_parser_keeps_a_name_and_exactly_one_mailbox() -> None:
    assert parse_address("alice@liner.test").addr_spec == "alice@liner.test"
    named = parse_address('"Sato, Yuki" <sato@liner.test>')
    assert (named.display_name, named.addr_spec) == ("Sato, Yuki", "sato@liner.test")
    with pytest.raises(ValueError):
        parse_address("alice@liner.test\r\n")


@pytest.mark.parametrize(
    "options",
    [
        {"use_tls": True, "starttls": True},
        {"username": "liner"},
        {"sender": "no-reply"},
        {"sender": "Liner <no-reply@liner.test>\r\nBcc: x@liner.test"},
        {"port": 0},
        {"port": 65536},
        {"timeout": 0},
    ],
)
def test_contradictory_or_broken_settings_fail_at_construction(options: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        smtp_mailer(25, **options)


def test_it_is_a_mailer_named_smtp() -> None:
    mailer: Mailer = smtp_mailer(25)
    assert mailer.name == "smtp"


def test_the_sink_is_inert_until_started() -> None:
    sink = SmtpSink()
    with pytest.raises(RuntimeError):
        _ = sink.port
    sink.start()
    try:
        port = sink.port
        with socket.create_connection((sink.host, port), timeout=2) as conn:
            assert conn.recv(1024).startswith(b"220 ")
    finally:
        sink.stop()
    with pytest.raises(RuntimeError):
        _ = sink.port
