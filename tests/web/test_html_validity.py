"""Every page a person sees is valid HTML: the W3C Nu validator reports no errors.

The pages are rendered by a real Liner with real data (sandbox listeners with
Japanese and Arabic names, notes written, pages published) and checked in one
validator run, because the validator's start-up is slow.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

import httpx

from support.html_checks import validate_html
from support.liner_app import LinerHarness, consent_form, running_liner
from support.personas import BOB, CJK, DEV_MODE


def _api(
    liner: LinerHarness, client: httpx.Client, method: str, path: str, body: object = None
) -> httpx.Response:
    return client.request(method, path, json=body, headers={"X-CSRF-Token": liner.csrf(client)})


def _published_with_notes(liner: LinerHarness, listener: str) -> httpx.Client:
    client = liner.sign_in(listener)
    assert client.get("/api/v1/me/music").status_code == 200
    assert _api(liner, client, "POST", "/api/v1/me/notes/generate").status_code == 200
    published = _api(liner, client, "PUT", "/api/v1/me/publication", {"published": True})
    assert published.status_code == 200, published.text
    return client


def _signed_in_before_claiming_a_handle(liner: LinerHarness, listener: str) -> httpx.Client:
    """A first sign-in stopped where onboarding asks for a handle."""
    client = liner.client()
    start = client.get("/auth/spotify")
    consent = client.get(start.headers["location"])
    action, fields = consent_form(consent.text, listener)
    decision = client.post(urljoin(str(consent.url), action), data=fields)
    callback = client.get(decision.headers["location"])
    assert callback.headers["location"] == "/welcome", callback.text
    return client


def _html(response: httpx.Response, status: int = 200) -> str:
    assert response.status_code == status, (response.request.url, response.text[:500])
    assert response.headers["content-type"].startswith("text/html"), response.headers
    return response.text


def _rendered_pages(liner: LinerHarness) -> dict[str, str]:
    pages: dict[str, str] = {}
    yuki = _published_with_notes(liner, CJK)
    layla = _published_with_notes(liner, DEV_MODE)
    visitor = liner.client()

    pages["landing, signed out"] = _html(visitor.get("/"))
    pages[f"public page /{CJK}"] = _html(visitor.get(f"/{CJK}"))
    pages[f"public page /{DEV_MODE}"] = _html(visitor.get(f"/{DEV_MODE}"))
    pages["404"] = _html(visitor.get("/nobody-here"), 404)

    form = _html(visitor.get("/auth/email"))
    pages["email sign-in"] = form
    token = re.search(r'name="form_token" value="([^"]+)"', form)
    assert token, form
    sent = visitor.post("/auth/email", data={"email": "ada@example.org", "form_token": token[1]})
    pages["email sign-in, link sent"] = _html(sent)
    pages["email sign-in, confirm"] = _html(visitor.get(liner.last_link("ada@example.org")))

    newcomer = _signed_in_before_claiming_a_handle(liner, BOB)
    pages["welcome (claim a handle)"] = _html(newcomer.get("/welcome"))
    claimed = _api(liner, newcomer, "PUT", "/api/v1/me/handle", {"handle": BOB})
    assert claimed.status_code == 200, claimed.text
    assert newcomer.get("/api/v1/me/music").status_code == 200
    pages["dashboard, before notes"] = _html(newcomer.get("/dashboard"))
    pages["preview, not public yet"] = _html(newcomer.get("/dashboard/preview"))

    pages["dashboard, notes written"] = _html(yuki.get("/dashboard"))
    pages["settings"] = _html(yuki.get("/settings"))
    pages["preview, published"] = _html(yuki.get("/dashboard/preview"))
    pages["dashboard, another listener"] = _html(layla.get("/dashboard"))
    return pages


def test_every_page_a_person_sees_is_valid_html(tmp_path: Path) -> None:
    with running_liner(tmp_path) as liner:
        pages = _rendered_pages(liner)
    # The data reached the pages: non-ASCII names, captions, the bio.
    assert "佐藤 由紀" in pages[f"public page /{CJK}"]
    assert 'class="caption"' in pages[f"public page /{CJK}"]
    assert 'class="bio"' in pages["dashboard, notes written"]
    errors = validate_html(pages)
    assert set(errors) == set(pages)
    invalid = {name: found for name, found in errors.items() if found}
    report = "\n".join(
        f"{name}:\n" + "\n".join(f"  - {message}" for message in found)
        for name, found in invalid.items()
    )
    assert not invalid, "the Nu HTML validator found errors:\n" + report
