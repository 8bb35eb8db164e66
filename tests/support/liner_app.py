"""Liner's real app on 127.0.0.1 with its sandbox Spotify, a movable clock and a
choice of store, for the web and end-to-end tiers.

The socket is bound before the app is built because the app must know its own
base URL (the OAuth redirect URI and the sandbox's address depend on it).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import httpx

from liner.adapters.http import RetryPolicy
from liner.bootstrap import Services, build
from liner.config import Settings
from liner.sandbox.spotify import SandboxSpotify
from liner.web.app import create_app
from support.clock import FakeClock
from support.live_server import bind_free_socket, serve

# Real retries and backoff, but short, so failure tests stay fast.
FAST_RETRIES = RetryPolicy(attempts=3, backoff_seconds=0.01, max_backoff_seconds=0.05)


@dataclass
class LinerHarness:
    base_url: str
    services: Services
    sandbox: SandboxSpotify
    clock: FakeClock
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self) -> httpx.Client:
        """A fresh browser-like client (own cookie jar), closed when the harness stops."""
        client = httpx.Client(base_url=self.base_url, follow_redirects=False, timeout=30)
        self.clients.append(client)
        return client

    def close_clients(self) -> None:
        for client in self.clients:
            client.close()

    def sign_in(
        self, listener: str, client: httpx.Client | None = None, *, handle: str | None = None
    ) -> httpx.Client:
        """The whole OAuth round trip over HTTP, as a browser does it; a first sign-in
        then claims a handle (``handle`` or the listener's id) as onboarding asks."""
        client = client or self.client()
        start = client.get("/auth/spotify")
        assert start.status_code == 303, start.text
        consent = client.get(start.headers["location"])
        assert consent.status_code == 200, consent.text
        action, fields = consent_form(consent.text, listener)
        decision = client.post(urljoin(str(consent.url), action), data=fields)
        assert decision.status_code in (302, 303), decision.text
        callback = client.get(decision.headers["location"])
        assert callback.status_code == 303, callback.text
        location = callback.headers["location"]
        if location == "/welcome":
            claimed = client.put(
                "/api/v1/me/handle",
                json={"handle": handle or listener},
                headers={"X-CSRF-Token": self.csrf(client)},
            )
            assert claimed.status_code == 200, claimed.text
        else:
            assert location == "/dashboard", location
        return client

    def sign_in_by_email(
        self, email: str, client: httpx.Client | None = None, *, handle: str | None = None
    ) -> httpx.Client:
        """Ask for a link, read it from the mail Liner sent, confirm it, claim a handle."""
        client = client or self.client()
        form = client.get("/auth/email")
        token = re.search(r'name="form_token" value="([^"]+)"', form.text)
        assert token, form.text
        sent = client.post("/auth/email", data={"email": email, "form_token": token.group(1)})
        assert sent.status_code == 200, sent.text
        link = self.last_link(email)
        confirm = client.get(link)
        form_token = re.search(r'name="form_token" value="([^"]+)"', confirm.text)
        link_token = re.search(r'name="token" value="([^"]+)"', confirm.text)
        assert form_token and link_token, confirm.text
        done = client.post(
            "/auth/email/confirm",
            data={"token": link_token.group(1), "form_token": form_token.group(1)},
        )
        assert done.status_code == 303, done.text
        if done.headers["location"] == "/welcome":
            claimed = client.put(
                "/api/v1/me/handle",
                json={"handle": handle or email.split("@")[0].replace(".", "-")},
                headers={"X-CSRF-Token": self.csrf(client)},
            )
            assert claimed.status_code == 200, claimed.text
        return client

    def last_link(self, email: str) -> str:
        """The sign-in link in the newest message to ``email`` (console mailer's outbox)."""
        outbox = getattr(self.services.mailer, "outbox", [])
        for message in reversed(outbox):
            if message.to == email:
                found = re.search(r"https?://\S+", message.text)
                assert found, message.text
                return found.group(0)
        raise AssertionError(f"no mail to {email}")

    def csrf(self, client: httpx.Client) -> str:
        token = client.get("/api/v1/me").json()["data"]["csrf_token"]
        assert isinstance(token, str)
        return token


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str], list[tuple[str, str]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append((a.get("action", ""), {}, []))
        elif tag in ("input", "button") and self.forms and a.get("name"):
            if tag == "input" and a.get("type", "text") != "submit":
                self.forms[-1][1][a["name"]] = a.get("value", "")
            else:
                self.forms[-1][2].append((a["name"], a.get("value", "")))


def consent_form(html: str, listener: str) -> tuple[str, dict[str, str]]:
    """The consent page's form (action, fields) that signs in as ``listener``."""
    parser = _Forms()
    parser.feed(html)
    for action, fields, buttons in parser.forms:
        for name, value in buttons:
            if value == listener:
                return action, {**fields, name: value}
        if listener in fields.values():
            return action, dict(fields)
    raise AssertionError(f"no consent form for listener {listener!r}")


@contextmanager
def running_liner(
    data_dir: Path,
    *,
    store: str = "sqlite",
    cooldown_seconds: int = 86400,
    **overrides: object,
) -> Iterator[LinerHarness]:
    sock = bind_free_socket()
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data_dir,
        base_url=base_url,
        store=store,  # type: ignore[arg-type]
        dynamodb_table=f"liner-{uuid.uuid4().hex[:12]}",
        refresh_cooldown_seconds=cooldown_seconds,
        http_timeout_seconds=2,
        **overrides,
    )
    clock = FakeClock()
    sandbox = SandboxSpotify(
        client_id=settings.effective_spotify_client_id,
        client_secret=settings.effective_spotify_client_secret,
    )
    services = build(settings, clock=clock, retry_policy=FAST_RETRIES, sandbox=sandbox)
    if store == "dynamodb":
        services.table.create()
    app = create_app(services=services)
    harness = LinerHarness(base_url=base_url, services=services, sandbox=sandbox, clock=clock)
    with serve(app, sock, lifespan="on"):
        try:
            yield harness
        finally:
            harness.close_clients()
