"""Publishing: the public page, its previews when shared, caching, views, the landing page."""

from __future__ import annotations

import asyncio
import re
import time
from html.parser import HTMLParser

import extruct
import httpx
import pytest
from markupsafe import escape

from liner.adapters.images.og import tile_boxes
from liner.errors import HandleRequired
from liner.ports.store import User
from support.liner_app import LinerHarness
from support.personas import ALICE, BOB, DEV_MODE

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _call(liner: LinerHarness, client: httpx.Client, method: str, path: str, body: object = None):
    return client.request(method, path, json=body, headers={"X-CSRF-Token": liner.csrf(client)})


def _publish(liner: LinerHarness, client: httpx.Client, **body: object) -> httpx.Response:
    return _call(liner, client, "PUT", "/api/v1/me/publication", {"published": True, **body})


def _ready(liner: LinerHarness, listener: str = ALICE, handle: str | None = None) -> httpx.Client:
    """Signed in, music fetched, notes written, published."""
    client = liner.sign_in(listener, handle=handle)
    client.get("/api/v1/me/music")
    assert _call(liner, client, "POST", "/api/v1/me/notes/generate").status_code == 200
    assert _publish(liner, client).status_code == 200
    return client


def _visitor(liner: LinerHarness, ua: str = BROWSER) -> httpx.Client:
    client = liner.client()
    client.headers["User-Agent"] = ua
    return client


def _open_graph(html: str, base_url: str) -> dict[str, str]:
    """Open Graph properties as a real parser (extruct) reads them."""
    found = extruct.extract(html, base_url=base_url, syntaxes=["opengraph"], uniform=False)
    assert len(found["opengraph"]) == 1
    return dict(found["opengraph"][0]["properties"])


class _Meta(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.named: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta" and "name" in a:
            self.named[a["name"]] = a.get("content", "")
        if tag == "link" and "rel" in a:
            self.links[a["rel"]] = a.get("href", "")
        self._in_title = tag == "title"

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False


def test_publishing_needs_a_handle(liner: LinerHarness) -> None:
    table = liner.services.table
    table.create_user(User("no-handle", "Nobody", liner.clock()))
    with pytest.raises(HandleRequired):
        asyncio.run(liner.services.publishing.set_publication("no-handle", published=True))


def test_publishing_without_a_bio_asks_for_confirmation(liner: LinerHarness) -> None:
    client = liner.sign_in(ALICE)
    client.get("/api/v1/me/music")
    refused = _publish(liner, client)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "bio_missing"
    assert _visitor(liner).get(f"/{ALICE}").status_code == 404
    confirmed = _publish(liner, client, confirm_no_bio=True)
    assert confirmed.status_code == 200
    assert confirmed.json()["data"]["url"] == f"{liner.base_url}/{ALICE}"
    assert _visitor(liner).get(f"/{ALICE}").status_code == 200


def test_the_public_page_shows_the_person_calmly_and_without_a_session(liner: LinerHarness) -> None:
    owner = _ready(liner)
    notes = owner.get("/api/v1/me/notes").json()["data"]
    response = _visitor(liner).get(f"/{ALICE}")
    assert response.status_code == 200
    html = response.text
    assert "Maren Solberg" in html and f"@{ALICE}" in html
    assert str(escape(notes["bio"]["text"])) in html  # visible text, not a tooltip
    for caption in notes["captions"].values():
        assert str(escape(caption["text"])) in html
    assert html.count('class="caption"') == 5
    assert "Made with Liner" in html
    assert "From Spotify, last refreshed" in html
    assert "<script" not in html
    assert 'href="' + liner.base_url + "/sandbox/spotify/open/album/" in html  # the source's pages


def test_previews_when_shared_carry_open_graph_and_twitter_tags(liner: LinerHarness) -> None:
    owner = _ready(liner)
    bio = owner.get("/api/v1/me/notes").json()["data"]["bio"]["text"]
    html = _visitor(liner).get(f"/{ALICE}").text
    og = _open_graph(html, liner.base_url)
    assert og["og:type"] == "profile"
    assert og["profile:username"] == ALICE
    assert og["og:title"] == "Maren Solberg on Liner"
    assert og["og:description"] == bio
    assert og["og:url"] == f"{liner.base_url}/{ALICE}"
    assert og["og:image"].startswith(f"{liner.base_url}/og/{ALICE}.png")
    assert og["og:image:width"] == "1200" and og["og:image:height"] == "630"
    assert og["og:image:alt"]
    meta = _Meta()
    meta.feed(html)
    assert meta.named["twitter:card"] == "summary_large_image"
    assert meta.named["twitter:image"] == og["og:image"]
    assert meta.named["description"] == bio
    assert meta.links["canonical"] == f"{liner.base_url}/{ALICE}"
    assert meta.title.startswith("Maren Solberg (@maren)")


def test_without_a_bio_the_description_is_a_neutral_sentence(liner: LinerHarness) -> None:
    client = liner.sign_in(DEV_MODE)
    client.get("/api/v1/me/music")
    _publish(liner, client, confirm_no_bio=True)
    html = _visitor(liner).get(f"/{DEV_MODE}").text
    og = _open_graph(html, liner.base_url)
    assert og["og:description"].startswith("What Layla Haddad listens to:")


def test_unknown_and_unpublished_addresses_answer_the_same_404(liner: LinerHarness) -> None:
    owner = liner.sign_in(ALICE)
    owner.get("/api/v1/me/music")
    visitor = _visitor(liner)
    unpublished = visitor.get(f"/{ALICE}")
    unknown = visitor.get("/nobody-here")
    assert unpublished.status_code == unknown.status_code == 404
    assert unpublished.text == unknown.text
    assert visitor.get("/NotLowerCase").status_code == 404


def test_unpublishing_takes_the_page_down(liner: LinerHarness) -> None:
    owner = _ready(liner)
    assert _visitor(liner).get(f"/{ALICE}").status_code == 200
    down = _call(liner, owner, "PUT", "/api/v1/me/publication", {"published": False})
    assert down.status_code == 200 and down.json()["data"]["url"] is None
    assert _visitor(liner).get(f"/{ALICE}").status_code == 404


def test_a_changed_handle_moves_the_page_and_the_old_address_stops(liner: LinerHarness) -> None:
    owner = _ready(liner)
    assert _call(liner, owner, "PUT", "/api/v1/me/handle", {"handle": "maren-s"}).status_code == 200
    visitor = _visitor(liner)
    assert visitor.get("/maren-s").status_code == 200
    time.sleep(2.1)  # past the pointer cache
    assert visitor.get(f"/{ALICE}").status_code == 404


def test_an_edit_shows_on_the_page_without_a_stale_copy(liner: LinerHarness) -> None:
    owner = _ready(liner)
    visitor = _visitor(liner)
    first = visitor.get(f"/{ALICE}")
    mine = "She keeps coming back to Björk and Sigur Rós."
    assert _call(liner, owner, "PATCH", "/api/v1/me/notes", {"bio": mine}).status_code == 200
    second = visitor.get(f"/{ALICE}", headers={"If-None-Match": first.headers["etag"]})
    assert second.status_code == 200
    assert mine in second.text
    assert second.headers["etag"] != first.headers["etag"]


def test_the_page_answers_etags_with_304_and_is_cacheable_by_a_cdn(liner: LinerHarness) -> None:
    _ready(liner)
    visitor = _visitor(liner)
    first = visitor.get(f"/{ALICE}")
    cache = first.headers["cache-control"]
    assert "public" in cache and "s-maxage=" in cache and "stale-while-revalidate=" in cache
    again = visitor.get(f"/{ALICE}", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


def test_viewing_never_calls_spotify_and_a_hit_reads_at_most_one_item(liner: LinerHarness) -> None:
    _ready(liner)
    visitor = _visitor(liner)
    visitor.get(f"/{ALICE}")  # rendered and cached
    calls = dict(liner.sandbox.calls)
    before = liner.services.table.round_trips()
    for _ in range(20):
        assert visitor.get(f"/{ALICE}").status_code == 200
    asyncio.run(asyncio.sleep(0.2))  # let any view counting land
    reads = liner.services.table.round_trips() - before
    assert dict(liner.sandbox.calls) == calls
    assert reads <= 20 + 1  # at most one pointer read per hit (+1 counted view)


def test_views_count_people_not_owners_bots_or_repeats(liner: LinerHarness) -> None:
    owner = _ready(liner)
    owner.headers["User-Agent"] = BROWSER
    owner.get(f"/{ALICE}")  # the owner
    for ua in ("Twitterbot/1.0", "facebookexternalhit/1.1", "Slackbot-LinkExpanding 1.0", "curl/8"):
        _visitor(liner, ua).get(f"/{ALICE}")
    reader = _visitor(liner)
    for _ in range(3):
        reader.get(f"/{ALICE}")  # repeats within the window count once
    _visitor(liner).get(f"/{ALICE}", headers={"Sec-Purpose": "prefetch"})
    _visitor(liner, BROWSER + " extra").get(f"/{ALICE}")  # another client
    time.sleep(0.3)
    views = owner.get("/api/v1/me/publication").json()["data"]["views"]
    assert views == 2
    assert "2 views" in owner.get("/dashboard").text
    assert "views" not in reader.get(f"/{ALICE}").text.lower()


def test_no_refresh_edit_or_publish_resets_the_view_count(liner: LinerHarness) -> None:
    owner = _ready(liner)
    _visitor(liner).get(f"/{ALICE}")
    time.sleep(0.3)
    liner.clock.advance(hours=25)
    assert _call(liner, owner, "POST", "/api/v1/me/music/refresh").status_code == 200
    _call(liner, owner, "PATCH", "/api/v1/me/notes", {"bio": "Björk, mostly."})
    _call(liner, owner, "PUT", "/api/v1/me/publication", {"published": False})
    _publish(liner, owner)
    assert owner.get("/api/v1/me/publication").json()["data"]["views"] == 1


def test_the_owner_previews_the_page_before_publishing(liner: LinerHarness) -> None:
    owner = liner.sign_in(ALICE)
    owner.get("/api/v1/me/music")
    preview = owner.get("/dashboard/preview")
    assert preview.status_code == 200
    assert "this page is not public yet" in preview.text
    assert preview.headers["cache-control"] == "no-store"
    assert _visitor(liner).get(f"/{ALICE}").status_code == 404


def test_outside_the_sandbox_only_pages_that_opted_in_are_examples(liner: LinerHarness) -> None:
    alice = _ready(liner)
    _ready(liner, BOB)

    def examples() -> list[str]:
        found = asyncio.run(liner.services.publishing.examples(include_all_published=False))
        return [f.handle for f in found]

    assert examples() == []
    _publish(liner, alice, featured=True)
    assert examples() == [ALICE]


def test_on_the_sandbox_the_landing_page_shows_the_sample_listeners_pages(
    liner: LinerHarness,
) -> None:
    _ready(liner)
    unpublished = liner.sign_in(BOB)
    unpublished.get("/api/v1/me/music")
    landing = liner.client().get("/").text
    assert f'href="/{ALICE}"' in landing
    assert f'href="/{BOB}"' not in landing


def test_robots_and_the_sitemap_list_published_pages(liner: LinerHarness) -> None:
    _ready(liner)
    other = liner.sign_in(BOB)
    other.get("/api/v1/me/music")
    robots = liner.client().get("/robots.txt").text
    assert "Disallow: /api/" in robots and f"Sitemap: {liner.base_url}/sitemap.xml" in robots
    sitemap = liner.client().get("/sitemap.xml").text
    assert f"<loc>{liner.base_url}/{ALICE}</loc>" in sitemap
    assert f"/{BOB}</loc>" not in sitemap
    assert re.search(r"<urlset xmlns=", sitemap)


def test_the_preview_image_is_made_at_publish_time_with_the_covers(liner: LinerHarness) -> None:
    import io

    from PIL import Image, ImageStat

    owner = _ready(liner)
    html = _visitor(liner).get(f"/{ALICE}").text
    image_url = _open_graph(html, liner.base_url)["og:image"]
    response = _visitor(liner).get(image_url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(response.content)).convert("RGB")
    assert image.size == (1200, 630)
    # The first tile holds the first album's cover (as the sandbox serves it).
    album = owner.get("/api/v1/me/music").json()["data"]["albums"][0]
    cover = Image.open(io.BytesIO(liner.client().get(album["image_url"]).content)).convert("RGB")
    albums = owner.get("/api/v1/me/music").json()["data"]["albums"]
    box = tile_boxes(len(albums))[0]
    size = (box[2] - box[0], box[3] - box[1])
    drawn = ImageStat.Stat(image.crop(box)).mean
    expected = ImageStat.Stat(cover.resize(size)).mean
    assert all(abs(d - e) < 10 for d, e in zip(drawn, expected, strict=True)), (drawn, expected)
    # Not per request: the image is stored, and a new version comes with a change.
    _call(liner, owner, "PATCH", "/api/v1/me", {"display_name": "Maren S."})
    newer = _open_graph(_visitor(liner).get(f"/{ALICE}").text, liner.base_url)["og:image"]
    assert newer != image_url
    assert _visitor(liner).get(newer).status_code == 200


def test_an_unpublished_page_has_no_preview_image(liner: LinerHarness) -> None:
    owner = _ready(liner)
    _call(liner, owner, "PUT", "/api/v1/me/publication", {"published": False})
    assert _visitor(liner).get(f"/og/{ALICE}.png").status_code == 404


def test_the_fast_path_answers_exactly_like_the_full_route(liner: LinerHarness) -> None:
    owner = _ready(liner)
    visitor = _visitor(liner)
    full = visitor.get(f"/{ALICE}")  # the first view renders through FastAPI
    fast = visitor.get(f"/{ALICE}")  # then the fast path serves the cached render
    assert fast.content == full.content
    for name in ("etag", "cache-control", "content-type", "content-security-policy"):
        assert fast.headers[name] == full.headers[name], name
    assert visitor.head(f"/{ALICE}").content == b""
    # With a query string, or for the signed-in owner, the full route answers.
    assert visitor.get(f"/{ALICE}?x=1").status_code == 200
    assert owner.get(f"/{ALICE}").status_code == 200
