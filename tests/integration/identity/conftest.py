"""The fake Google served for real on 127.0.0.1, a browser to click through its
account chooser, and a way to run the adapter inside its own event loop.

The provider learns its issuer from the requests it gets, so the issuer in its
discovery document is exactly the ``issuer_url`` the tests configure.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from liner.adapters.http import HttpClient, RetryPolicy
from liner.adapters.identity.google import GoogleOidc
from liner.sandbox.oidc import FakeOidcProvider
from support.live_server import serve

T = TypeVar("T")

CLIENT_ID = "liner-test-google"
CLIENT_SECRET = "liner-test-google-secret"
WELL_KNOWN = "/.well-known/openid-configuration"
# Retries stay on (they are part of the contract) but barely wait.
FAST_RETRIES = RetryPolicy(attempts=3, backoff_seconds=0.001, max_backoff_seconds=0.01)


@dataclass
class ChooserPage:
    action: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    accounts: list[str] = field(default_factory=list)  # the sub each button submits
    names: list[str] = field(default_factory=list)
    has_cancel: bool = False


class _ChooserParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.page = ChooserPage()
        self._in_name = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.page.action = a.get("action", "")
        elif tag == "input" and a.get("type") == "hidden":
            self.page.fields[a["name"]] = a.get("value", "")
        elif tag == "button" and a.get("name") == "account":
            self.page.accounts.append(a["value"])
        elif tag == "button" and a.get("name") == "decision" and a.get("value") == "cancel":
            self.page.has_cancel = True
        elif tag == "bdi":
            self._in_name = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "bdi":
            self._in_name = False

    def handle_data(self, data: str) -> None:
        if self._in_name:
            self.page.names.append(data)


class Browser:
    """A person at the account chooser, played by a plain HTTP client."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.last_redirect = ""

    def open(self, authorize_url: str) -> ChooserPage:
        response = self.client.get(authorize_url)
        assert response.status_code == 200, response.text
        parser = _ChooserParser()
        parser.feed(response.text)
        return parser.page

    def choose(self, authorize_url: str, sub: str) -> dict[str, str]:
        """Open the chooser and pick ``sub``; the query the provider redirects back with
        (the browser stops there: the redirect URI is never contacted)."""
        page = self.open(authorize_url)
        assert sub in page.accounts
        return self._submit(page, {**page.fields, "account": sub})

    def cancel(self, authorize_url: str) -> dict[str, str]:
        page = self.open(authorize_url)
        assert page.has_cancel
        return self._submit(page, {**page.fields, "decision": "cancel"})

    def _submit(self, page: ChooserPage, form: dict[str, str]) -> dict[str, str]:
        response = self.client.post(page.action, data=form)
        assert response.status_code == 303, response.text
        self.last_redirect = response.headers["location"]
        return redirect_query(self.last_redirect)


def redirect_query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@pytest.fixture(scope="session")
def provider() -> FakeOidcProvider:
    return FakeOidcProvider(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)


@pytest.fixture(scope="session")
def issuer_url(provider: FakeOidcProvider) -> Iterator[str]:
    """Where the fake Google answers; also its issuer and the adapter's discovery base."""
    with serve(provider.app()) as url:
        yield url


@pytest.fixture(autouse=True)
def _clean_switches(provider: FakeOidcProvider) -> Iterator[None]:
    provider.reset()
    yield
    provider.reset()


@pytest.fixture
def browser() -> Iterator[Browser]:
    with httpx.Client(follow_redirects=False, timeout=10) as client:
        yield Browser(client)


Body = Callable[[GoogleOidc], Awaitable[T]]


class GoogleRunner:
    """Runs ``body(adapter)`` in a fresh event loop with a fresh HttpClient, closed after."""

    def __init__(self, issuer_url: str) -> None:
        self.issuer_url = issuer_url

    def __call__(
        self,
        body: Body[T],
        *,
        discovery_url: str | None = None,
        client_secret: str = CLIENT_SECRET,
        clock: Callable[[], datetime] | None = None,
    ) -> T:
        async def main() -> T:
            http = HttpClient(timeout=5.0, policy=FAST_RETRIES)
            try:
                google = GoogleOidc(
                    client_id=CLIENT_ID,
                    client_secret=client_secret,
                    discovery_url=discovery_url
                    or f"{self.issuer_url}/.well-known/openid-configuration",
                    http=http,
                    clock=clock,
                )
                return await body(google)
            finally:
                await http.aclose()

        return asyncio.run(main())


@pytest.fixture
def run_google(issuer_url: str) -> GoogleRunner:
    return GoogleRunner(issuer_url)
