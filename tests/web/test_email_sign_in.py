"""Signing in with a link sent over real SMTP to a local sink."""

from __future__ import annotations

import re

import httpx

from liner.adapters.store.table import email_token_key
from liner.sandbox.mail import SmtpSink
from support.liner_app import LinerHarness


def _form_token(client: httpx.Client, path: str = "/auth/email") -> str:
    found = re.search(r'name="form_token" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def _ask(liner: LinerHarness, client: httpx.Client, email: str) -> httpx.Response:
    return client.post("/auth/email", data={"email": email, "form_token": _form_token(client)})


def _link(sink: SmtpSink, email: str) -> str:
    message = sink.wait_for(email)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = re.search(r"https?://\S+", body.get_content())
    assert found
    return found.group(0)


def _confirm(client: httpx.Client, link: str) -> httpx.Response:
    page = client.get(link)
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    form = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert token and form, page.text
    return client.post(
        "/auth/email/confirm", data={"token": token.group(1), "form_token": form.group(1)}
    )


def test_a_link_arrives_by_smtp_and_signs_a_new_person_in(
    liner_mail: LinerHarness, smtp_sink: SmtpSink
) -> None:
    client = liner_mail.client()
    sent = _ask(liner_mail, client, "Ada@Example.com")
    assert sent.status_code == 200
    assert "a sign-in link is on its way" in sent.text
    message = smtp_sink.wait_for("ada@example.com")
    assert message["Subject"] == "Your sign-in link for Liner"
    assert message["From"] == "Liner <liner@liner.test>"
    link = _link_from(message)
    assert link.startswith(liner_mail.base_url + "/auth/email/confirm?token=")
    # Opening the link (as a mail scanner would) spends nothing: a person confirms.
    assert "signing in as <strong>ada@example.com</strong>" in client.get(link).text
    assert "signing in as" in client.get(link).text
    done = _confirm(client, link)
    assert done.status_code == 303
    assert done.headers["location"] == "/welcome"
    me = client.get("/api/v1/me").json()["data"]
    assert me["email"] == "ada@example.com"
    assert me["spotify"] == {"connected": False, "needs_reconnect": False}


def _link_from(message: object) -> str:
    body = message.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
    found = re.search(r"https?://\S+", body.get_content())
    assert found
    return found.group(0)


def test_a_link_works_once(liner_mail: LinerHarness, smtp_sink: SmtpSink) -> None:
    client = liner_mail.client()
    _ask(liner_mail, client, "once@example.com")
    link = _link(smtp_sink, "once@example.com")
    page = client.get(link)
    assert _confirm(client, link).status_code == 303
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    form = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert token and form
    other = liner_mail.client()
    other.cookies.set("liner_form", form.group(1), path="/auth")
    replay = other.post(
        "/auth/email/confirm", data={"token": token.group(1), "form_token": form.group(1)}
    )
    assert replay.status_code == 400
    assert "expired or was already used" in replay.text
    assert other.get("/api/v1/me").status_code == 401


def test_a_link_expires_after_15_minutes(liner_mail: LinerHarness, smtp_sink: SmtpSink) -> None:
    client = liner_mail.client()
    _ask(liner_mail, client, "late@example.com")
    link = _link(smtp_sink, "late@example.com")
    liner_mail.clock.advance(minutes=15, seconds=1)
    assert "This link has expired" in client.get(link).text


def test_only_a_hash_of_the_token_is_stored(liner_mail: LinerHarness, smtp_sink: SmtpSink) -> None:
    client = liner_mail.client()
    _ask(liner_mail, client, "hash@example.com")
    token = _link(smtp_sink, "hash@example.com").split("token=", 1)[1]
    items = liner_mail.services.table.items
    assert items.get(email_token_key(token)) is None
    import hashlib

    assert items.get(email_token_key(hashlib.sha256(token.encode()).hexdigest())) is not None


def test_the_answer_never_reveals_whether_an_address_has_an_account(
    liner_mail: LinerHarness, smtp_sink: SmtpSink
) -> None:
    known = liner_mail.client()
    _ask(liner_mail, known, "known@example.com")
    _confirm(known, _link(smtp_sink, "known@example.com"))
    first = _ask(liner_mail, liner_mail.client(), "known@example.com")
    second = _ask(liner_mail, liner_mail.client(), "nobody@example.com")
    assert first.status_code == second.status_code == 200

    def strip(text: str) -> str:
        return re.sub(r"(known|nobody)@example\.com|value=\"[^\"]+\"", "", text)

    assert strip(first.text) == strip(second.text)


def test_sending_is_rate_limited_per_address(liner_mail: LinerHarness, smtp_sink: SmtpSink) -> None:
    statuses = [
        _ask(liner_mail, liner_mail.client(), "busy@example.com").status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert len([m for m in smtp_sink.messages if m["To"] == "busy@example.com"]) == 3


def test_sending_is_rate_limited_per_client(liner_mail: LinerHarness) -> None:
    client = liner_mail.client()
    statuses = [_ask(liner_mail, client, f"p{i}@example.com").status_code for i in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429


def test_a_malformed_address_is_a_clear_error(liner_mail: LinerHarness) -> None:
    client = liner_mail.client()
    for bad in ("not-an-address", "a@b", "x@y.com\r\nBcc: z@evil.test", ""):
        response = _ask(liner_mail, client, bad)
        assert response.status_code == 422, bad
        assert "Enter an email address" in response.text


def test_the_form_needs_its_token(liner_mail: LinerHarness, smtp_sink: SmtpSink) -> None:
    client = liner_mail.client()
    response = client.post("/auth/email", data={"email": "csrf@example.com"})
    assert response.status_code == 403
    assert smtp_sink.messages == []


def test_mail_trouble_is_a_clear_503(tmp_path: object) -> None:
    from pathlib import Path

    from support.liner_app import running_liner
    from support.live_server import bind_free_socket

    sock = bind_free_socket()  # nothing listens: connections are refused
    try:
        with running_liner(
            Path(str(tmp_path)),
            mailer="smtp",
            smtp_host="127.0.0.1",
            smtp_port=sock.getsockname()[1],
            smtp_starttls=False,
        ) as liner:
            client = liner.client()
            response = _ask(liner, client, "x@example.com")
            assert response.status_code == 503
            assert "could not send email" in response.text
    finally:
        sock.close()
