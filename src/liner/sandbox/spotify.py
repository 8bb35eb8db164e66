"""A sandbox of Spotify's accounts service and Web API, as a Starlette app.

External contract imitated (paths are relative to wherever the app is mounted;
Liner mounts it at ``/sandbox/spotify`` and uses that one base for both the
accounts URL and the API URL):

* ``GET /authorize`` - the consent page. Validates like accounts.spotify.com:
  unknown ``client_id`` -> 400 page "INVALID_CLIENT: Invalid client"; the
  redirect URI must be ``https://...`` or ``http://`` on a loopback IP literal
  (127.0.0.1 or [::1]); ``localhost`` -> "INVALID_CLIENT: Insecure redirect URI".
  Once the redirect URI is trusted, other mistakes are redirected back as
  ``?error=...&state=...`` (RFC 6749 4.1.2.1): ``response_type`` other than
  ``code`` -> ``unsupported_response_type``; a PKCE challenge without
  ``code_challenge_method=S256`` -> ``invalid_request``.
* ``POST /authorize`` - the consent decision -> 303 to
  ``redirect_uri?code=...&state=...`` or ``?error=access_denied&state=...``.
  Codes are single use, live 10 minutes, and are bound to the client, the
  redirect URI and the PKCE challenge.
* ``POST /api/token`` (form-encoded; HTTP Basic or ``client_id`` in the body
  for PKCE public clients) - grants ``authorization_code`` and
  ``refresh_token``. Errors are OAuth-shaped:
  ``{"error": "invalid_grant", "error_description": "..."}``.
* ``GET /v1/me``, ``GET /v1/me/top/artists``, ``GET /v1/me/top/tracks`` -
  Bearer auth; errors are ``{"error": {"status": N, "message": "..."}}``.
  Scopes matter as on Spotify: top items need ``user-top-read`` (403
  otherwise); ``email`` needs ``user-read-email``; ``country``/``product``
  need ``user-read-private``.
* ``GET /covers/{key}.jpg`` - generated art; ``GET /open/{kind}/{id}`` - a tiny
  page standing in for open.spotify.com links.

Misbehaviour is injected per endpoint name ("token", "me", "top_artists",
"top_tracks") and happens before the request is processed, so an injected
failure never consumes an authorization code or rotates a token.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from liner.sandbox.covers import cover_jpeg
from liner.sandbox.faults import FaultQueue
from liner.sandbox.listeners import (
    LISTENERS,
    AlbumRecord,
    ArtistRecord,
    Listener,
    TrackRecord,
)

__all__ = ["ENDPOINTS", "Listener", "SandboxSpotify"]

ENDPOINTS = ("token", "me", "top_artists", "top_tracks")
TIME_RANGES = ("short_term", "medium_term", "long_term")
CODE_TTL = 600.0  # seconds an authorization code lives, as on accounts.spotify.com
COVER_SIZE = 300
MalformedShape = Literal["invalid_json", "wrong_shape"]
_T = TypeVar("_T")

_SCOPE_WORDS = {
    "user-top-read": "See your top artists and tracks",
    "user-read-email": "See your email address",
    "user-read-private": "See your country and subscription type",
    "user-read-recently-played": "See what you played recently",
}
_STATUS_MESSAGES = {
    429: "API rate limit exceeded",
    500: "Server error.",
    502: "Bad gateway.",
    503: "Service unavailable",
}
_AUTHORIZE_PARAMS = (
    "client_id",
    "response_type",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "show_dialog",
)
_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")


# --- State --------------------------------------------------------------------------


@dataclass
class _Fault:
    kind: Literal["fail", "malformed", "hang"]
    status: int = 200
    retry_after: int | None = None
    body: object | None = None
    seconds: float = 0.0
    shape: MalformedShape = "invalid_json"


@dataclass(frozen=True)
class _AuthRequest:
    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    code_challenge: str | None
    params: dict[str, str]  # the original query, carried through the consent form


@dataclass(frozen=True)
class _Code:
    listener_id: str
    client_id: str
    redirect_uri: str
    scope: str
    code_challenge: str | None
    expires_at: float


@dataclass
class _AccessToken:
    listener_id: str
    client_id: str
    scope: str
    expires_at: float


@dataclass
class _RefreshToken:
    listener_id: str
    client_id: str
    scope: str
    revoked: bool = False


class _TokenError(Exception):
    """An OAuth error answered by /api/token."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


class SandboxSpotify:
    """Spotify's accounts service and Web API for one client, in memory.

    Tests flip the misbehaviour switches directly; they are safe to call from
    any thread while the app serves requests on another.
    """

    app_name = "Liner"  # shown on the consent page

    def __init__(
        self,
        *,
        client_id: str = "liner-sandbox",
        client_secret: str = "liner-sandbox-secret",  # noqa: S107 - a sandbox, not a secret
        access_token_ttl: int = 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.access_token_ttl = access_token_ttl
        self._clock = clock
        self.listeners: list[Listener] = list(LISTENERS)
        self.latency: float = 0.0
        self.omit_refresh_token_on_refresh: bool = False
        self.calls: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()
        self._faults: FaultQueue[_Fault] = FaultQueue(ENDPOINTS)
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, _AccessToken] = {}
        self._refresh: dict[str, _RefreshToken] = {}
        self._templates = Environment(
            loader=PackageLoader("liner.sandbox", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    # --- Switches ---------------------------------------------------------------

    def fail_next(
        self,
        count: int,
        *,
        status: int,
        endpoint: str | None = None,
        retry_after: int | None = None,
        body: object | None = None,
    ) -> None:
        """The next ``count`` requests to ``endpoint`` (None: any) answer ``status``.

        ``body``: a dict/list is sent as JSON, a str as raw text; None sends
        Spotify's ``{"error": {"status": N, "message": "..."}}``.
        """
        self._add_fault(
            endpoint, count, _Fault("fail", status=status, retry_after=retry_after, body=body)
        )

    def malformed_next(
        self, count: int, *, endpoint: str | None = None, shape: MalformedShape = "invalid_json"
    ) -> None:
        """The next ``count`` requests answer 200 with a body that cannot be used:
        truncated JSON (``shape="invalid_json"``) or valid JSON of the wrong shape."""
        self._add_fault(endpoint, count, _Fault("malformed", shape=shape))

    def hang_next(self, count: int, seconds: float, *, endpoint: str | None = None) -> None:
        """The next ``count`` requests wait ``seconds`` before answering normally
        (or until the client hangs up, so a timed-out client does not hold the server)."""
        self._add_fault(endpoint, count, _Fault("hang", seconds=seconds))

    def revoke_refresh_tokens(self, listener_id: str | None = None) -> None:
        """Every refresh token issued so far (for ``listener_id``, or everyone's) is revoked."""
        with self._lock:
            for record in self._refresh.values():
                if listener_id is None or record.listener_id == listener_id:
                    record.revoked = True

    def expire_access_tokens(self) -> None:
        """Every access token issued so far now answers 401 "The access token expired"."""
        with self._lock:
            for record in self._access.values():
                record.expires_at = float("-inf")

    def reset(self) -> None:
        """Clear the switches and the call counters. Issued codes and tokens stay as they are."""
        with self._lock:
            self._faults.clear()
            self.latency = 0.0
            self.omit_refresh_token_on_refresh = False
            self.calls.clear()

    def _add_fault(self, endpoint: str | None, count: int, fault: _Fault) -> None:
        with self._lock:
            self._faults.add(endpoint, count, fault)

    def _take_fault(self, endpoint: str) -> _Fault | None:
        """The oldest pending fault for ``endpoint``, consuming one use (lock held)."""
        return self._faults.take(endpoint)

    # --- The app ------------------------------------------------------------------

    def app(self) -> Starlette:
        """The ASGI app; mount it anywhere (URLs in responses follow the mount)."""
        return Starlette(
            routes=[
                Route("/authorize", self._authorize_page, methods=["GET"]),
                Route("/authorize", self._authorize_decision, methods=["POST"]),
                Route("/api/token", self._token, methods=["POST"]),
                Route("/v1/me", self._me, methods=["GET"]),
                Route("/v1/me/top/artists", self._top_artists, methods=["GET"]),
                Route("/v1/me/top/tracks", self._top_tracks, methods=["GET"]),
                Route("/v1/{rest:path}", self._not_found),
                Route("/covers/{key}.jpg", self._cover, methods=["GET"]),
                Route("/open/{kind}/{item_id}", self._open, methods=["GET"]),
            ]
        )

    # --- Misbehaviour, applied on the way in ---------------------------------------

    async def _enter(self, request: Request, endpoint: str) -> Response | None:
        """Count the call, add latency, and answer now if a fault says so."""
        with self._lock:
            self.calls[endpoint] += 1
            latency = self.latency
            fault = self._take_fault(endpoint)
        if latency > 0:
            await asyncio.sleep(latency)
        if fault is None:
            return None
        if fault.kind == "hang":
            await _sleep_unless_client_leaves(request, fault.seconds)
            return None
        if fault.kind == "fail":
            return _failure(fault)
        return _malformed(endpoint, fault.shape)

    # --- Accounts: consent ---------------------------------------------------------

    async def _authorize_page(self, request: Request) -> Response:
        with self._lock:
            self.calls["authorize"] += 1
        checked = self._check_authorize(_first_values(request.query_params.multi_items()))
        if isinstance(checked, Response):
            return checked
        base = _base_url(request)
        scopes = [s for s in checked.scope.split() if s]
        return self._render(
            "consent.html",
            app_name=self.app_name,
            scopes=[(s, _SCOPE_WORDS.get(s, s)) for s in scopes],
            listeners=[
                {
                    "id": listener.id,
                    "name": listener.display_name,
                    "blurb": listener.blurb,
                    "avatar": f"{base}/covers/user-{listener.id}.jpg",
                    "empty": not listener.tracks and not listener.artists,
                }
                for listener in self.listeners
            ],
            params=checked.params,
            action=f"{base}/authorize",
        )

    async def _authorize_decision(self, request: Request) -> Response:
        form = _first_values(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        decision = form.pop("decision", "")
        listener_id = form.pop("listener", "")
        checked = self._check_authorize(form, status_code=303)
        if isinstance(checked, Response):
            return checked
        if decision == "cancel":
            return _redirect(checked.redirect_uri, {"error": "access_denied"}, checked.state, 303)
        listener = self._listener(listener_id)
        if listener is None:
            return self._error_page("INVALID_REQUEST: Unknown listener", 400)
        code = "AQ" + secrets.token_urlsafe(96)
        with self._lock:
            self._codes[code] = _Code(
                listener_id=listener.id,
                client_id=checked.client_id,
                redirect_uri=checked.redirect_uri,
                scope=checked.scope,
                code_challenge=checked.code_challenge,
                expires_at=self._clock() + CODE_TTL,
            )
        return _redirect(checked.redirect_uri, {"code": code}, checked.state, 303)

    def _check_authorize(
        self, params: dict[str, str], *, status_code: int = 302
    ) -> _AuthRequest | Response:
        client_id = params.get("client_id", "")
        if not hmac.compare_digest(client_id.encode(), self.client_id.encode()):
            return self._error_page("INVALID_CLIENT: Invalid client", 400)
        redirect_uri = params.get("redirect_uri", "")
        problem = _redirect_uri_problem(redirect_uri)
        if problem is not None:
            return self._error_page(f"INVALID_CLIENT: {problem}", 400)
        state = params.get("state")
        if params.get("response_type") != "code":
            return _redirect(
                redirect_uri, {"error": "unsupported_response_type"}, state, status_code
            )
        challenge = params.get("code_challenge") or None
        method = params.get("code_challenge_method") or None
        if method is not None or challenge is not None:
            problem = None
            if method != "S256":
                problem = "code_challenge_method must be S256"
            elif challenge is None or not _CHALLENGE.fullmatch(challenge):
                problem = "code_challenge must be a base64url SHA-256 digest"
            if problem is not None:
                return _redirect(
                    redirect_uri,
                    {"error": "invalid_request", "error_description": problem},
                    state,
                    status_code,
                )
        return _AuthRequest(
            client_id=client_id,
            redirect_uri=redirect_uri,
            scope=" ".join(params.get("scope", "").split()),
            state=state,
            code_challenge=challenge,
            params={k: params[k] for k in _AUTHORIZE_PARAMS if k in params},
        )

    # --- Accounts: tokens ---------------------------------------------------------

    async def _token(self, request: Request) -> Response:
        body = await request.body()  # read first: a hang then waits for a disconnect
        early = await self._enter(request, "token")
        if early is not None:
            return early
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        form: dict[str, str] = {}
        if content_type == "application/x-www-form-urlencoded":
            form = _first_values(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        try:
            client_id, confidential = self._authenticate_client(request, form)
            grant_type = form.get("grant_type")
            if not grant_type:
                raise _TokenError("unsupported_grant_type", "grant_type parameter is missing")
            if grant_type == "authorization_code":
                payload = self._exchange_code(form, client_id, confidential)
            elif grant_type == "refresh_token":
                payload = self._refresh_grant(form, client_id)
            else:
                raise _TokenError(
                    "unsupported_grant_type",
                    "grant_type must be client_credentials, authorization_code or refresh_token",
                )
        except _TokenError as error:
            return JSONResponse(
                {"error": error.error, "error_description": error.description},
                status_code=error.status,
            )
        return JSONResponse(payload, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _authenticate_client(self, request: Request, form: dict[str, str]) -> tuple[str, bool]:
        """(client_id, authenticated with the secret?) or a _TokenError."""
        header = request.headers.get("authorization")
        if header:
            scheme, _, value = header.partition(" ")
            try:
                decoded = base64.b64decode(value.strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            client_id, colon, secret = decoded.partition(":")
            if scheme.lower() != "basic" or not colon:
                raise _TokenError("invalid_client", "Invalid client")
        else:
            client_id = form.get("client_id", "")
            secret = form.get("client_secret", "")
        if not client_id or not hmac.compare_digest(client_id.encode(), self.client_id.encode()):
            raise _TokenError("invalid_client", "Invalid client")
        if header or secret:
            if not hmac.compare_digest(secret.encode(), self.client_secret.encode()):
                raise _TokenError("invalid_client", "Invalid client secret")
            return client_id, True
        return client_id, False

    def _exchange_code(
        self, form: dict[str, str], client_id: str, confidential: bool
    ) -> dict[str, Any]:
        code = form.get("code")
        redirect_uri = form.get("redirect_uri")
        verifier = form.get("code_verifier")
        if not code:
            raise _TokenError("invalid_request", "code must be supplied")
        if not redirect_uri:
            raise _TokenError("invalid_request", "redirect_uri must be supplied")
        with self._lock:
            record = self._codes.get(code)
            if record is None or record.client_id != client_id:
                raise _TokenError("invalid_grant", "Invalid authorization code")
            # Single use: any attempt with a genuine code spends it.
            del self._codes[code]
            if self._clock() >= record.expires_at:
                raise _TokenError("invalid_grant", "Authorization code expired")
            if redirect_uri != record.redirect_uri:
                raise _TokenError("invalid_grant", "Invalid redirect URI")
            if record.code_challenge is not None:
                if not verifier or not _VERIFIER.fullmatch(verifier):
                    raise _TokenError("invalid_request", "code_verifier required")
                if not hmac.compare_digest(_s256(verifier), record.code_challenge):
                    raise _TokenError("invalid_grant", "code_verifier was incorrect")
            elif not confidential:
                raise _TokenError("invalid_client", "Invalid client")
            return self._issue(record.listener_id, client_id, record.scope, with_refresh=True)

    def _refresh_grant(self, form: dict[str, str], client_id: str) -> dict[str, Any]:
        token = form.get("refresh_token")
        if not token:
            raise _TokenError("invalid_request", "refresh_token must be supplied")
        with self._lock:
            record = self._refresh.get(token)
            if record is None or record.client_id != client_id:
                raise _TokenError("invalid_grant", "Invalid refresh token")
            if record.revoked:
                raise _TokenError("invalid_grant", "Refresh token revoked")
            return self._issue(
                record.listener_id,
                client_id,
                record.scope,
                with_refresh=not self.omit_refresh_token_on_refresh,
            )

    def _issue(
        self, listener_id: str, client_id: str, scope: str, *, with_refresh: bool
    ) -> dict[str, Any]:
        """New tokens (lock held). The old refresh token keeps working, as on Spotify."""
        access = "BQ" + secrets.token_urlsafe(96)
        self._access[access] = _AccessToken(
            listener_id, client_id, scope, self._clock() + self.access_token_ttl
        )
        payload: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.access_token_ttl,
        }
        if with_refresh:
            refresh = "AQ" + secrets.token_urlsafe(96)
            self._refresh[refresh] = _RefreshToken(listener_id, client_id, scope)
            payload["refresh_token"] = refresh
        payload["scope"] = scope
        return payload

    # --- Web API ----------------------------------------------------------------

    def _authorize_bearer(self, request: Request) -> tuple[Listener, set[str]] | Response:
        header = request.headers.get("authorization")
        if not header:
            return _api_error(401, "No token provided")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _api_error(400, "Only valid bearer authentication supported")
        with self._lock:
            record = self._access.get(token.strip())
            expired = record is not None and self._clock() >= record.expires_at
        if record is None:
            return _api_error(401, "Invalid access token")
        if expired:
            return _api_error(401, "The access token expired")
        listener = self._listener(record.listener_id)
        if listener is None:
            return _api_error(401, "Invalid access token")
        return listener, set(record.scope.split())

    async def _me(self, request: Request) -> Response:
        early = await self._enter(request, "me")
        if early is not None:
            return early
        authorized = self._authorize_bearer(request)
        if isinstance(authorized, Response):
            return authorized
        listener, scopes = authorized
        base = _base_url(request)
        me: dict[str, Any] = {
            "display_name": listener.display_name,
            "external_urls": {"spotify": f"{base}/open/user/{listener.id}"},
            "href": f"{base}/v1/users/{listener.id}",
            "id": listener.id,
            "images": _images(base, f"user-{listener.id}") if listener.has_avatar else [],
            "type": "user",
            "uri": f"spotify:user:{listener.id}",
        }
        if "user-read-email" in scopes:
            me["email"] = listener.email
        if not listener.dev_mode:
            me["followers"] = {"href": None, "total": listener.followers}
            if "user-read-private" in scopes:
                me["country"] = listener.country
                me["product"] = listener.product
                me["explicit_content"] = {"filter_enabled": False, "filter_locked": False}
        return JSONResponse(dict(sorted(me.items())))

    async def _top_artists(self, request: Request) -> Response:
        return await self._top(request, "artists")

    async def _top_tracks(self, request: Request) -> Response:
        return await self._top(request, "tracks")

    async def _top(self, request: Request, kind: Literal["artists", "tracks"]) -> Response:
        early = await self._enter(request, f"top_{kind}")
        if early is not None:
            return early
        authorized = self._authorize_bearer(request)
        if isinstance(authorized, Response):
            return authorized
        listener, scopes = authorized
        if "user-top-read" not in scopes:
            return _api_error(403, "Insufficient client scope")
        query = request.query_params
        limit = _int_param(query.get("limit"), default=20, low=1, high=50)
        if limit is None:
            return _api_error(400, "Invalid limit")
        offset = _int_param(query.get("offset"), default=0, low=0, high=10_000)
        if offset is None:
            return _api_error(400, "Invalid offset")
        time_range = query.get("time_range", "medium_term")
        if time_range not in TIME_RANGES:
            return _api_error(400, "Invalid time range")

        base = _base_url(request)
        dev = listener.dev_mode
        items: list[dict[str, Any]]
        if kind == "artists":
            ranked_artists = _ranked(listener.artists, time_range)
            items = [_full_artist(base, a, dev) for a in ranked_artists[offset : offset + limit]]
            total = len(ranked_artists)
        else:
            ranked_tracks = _ranked(listener.tracks, time_range)
            items = [_track(base, t, dev) for t in ranked_tracks[offset : offset + limit]]
            total = len(ranked_tracks)

        def page_url(at: int) -> str:
            query_string = urlencode({"limit": limit, "offset": at, "time_range": time_range})
            return f"{base}/v1/me/top/{kind}?{query_string}"

        return JSONResponse(
            {
                "href": page_url(offset),
                "items": items,
                "limit": limit,
                "next": page_url(offset + limit) if offset + limit < total else None,
                "offset": offset,
                "previous": page_url(max(0, offset - limit)) if offset > 0 else None,
                "total": total,
            }
        )

    async def _not_found(self, request: Request) -> Response:
        return _api_error(404, "Service not found")

    # --- Images and stand-in pages ----------------------------------------------------

    async def _cover(self, request: Request) -> Response:
        key = request.path_params["key"]
        label = self._cover_label(key)
        if label is None:
            return Response("No such cover", status_code=404, media_type="text/plain")
        image = await run_in_threadpool(cover_jpeg, key, label)
        return Response(
            image, media_type="image/jpeg", headers={"Cache-Control": "public, max-age=86400"}
        )

    async def _open(self, request: Request) -> Response:
        kind = request.path_params["kind"]
        item_id = request.path_params["item_id"]
        found = self._find(kind, item_id)
        if found is None:
            return self._error_page("Nothing here: this sandbox has no such item.", 404)
        name, byline, cover_key = found
        base = _base_url(request)
        return self._render(
            "open.html",
            kind=kind,
            name=name,
            byline=byline,
            cover=f"{base}/covers/{cover_key}.jpg" if cover_key else None,
        )

    def _cover_label(self, key: str) -> str | None:
        kind, _, item_id = key.partition("-")
        found = self._find(kind, item_id)
        if found is None or found[2] != key:
            return None
        return found[0]

    def _find(self, kind: str, item_id: str) -> tuple[str, str, str | None] | None:
        """(name, byline, cover key) of an item any listener knows about."""
        for listener in self.listeners:
            if kind == "user" and listener.id == item_id:
                return listener.display_name, listener.blurb, f"user-{listener.id}"
            for artist in _all_artists(listener):
                if kind == "artist" and artist.id == item_id:
                    return artist.name, ", ".join(artist.genres), f"artist-{artist.id}"
            for track in listener.tracks:
                album = track.album
                if kind == "album" and album.id == item_id:
                    return album.name, _names(album.artists), f"album-{album.id}"
                if kind == "track" and track.id == item_id:
                    cover = f"album-{album.id}" if album.id else None
                    return track.name, _names(track.artists), cover
        return None

    # --- Helpers -------------------------------------------------------------------

    def _listener(self, listener_id: str) -> Listener | None:
        return next((x for x in self.listeners if x.id == listener_id), None)

    def _render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        html = self._templates.get_template(template).render(**context)
        return HTMLResponse(html, status_code=status_code)

    def _error_page(self, message: str, status_code: int) -> HTMLResponse:
        return self._render("error.html", status_code=status_code, message=message)


# --- Rendering Spotify objects ------------------------------------------------------


def _images(base: str, key: str) -> list[dict[str, Any]]:
    return [{"height": COVER_SIZE, "url": f"{base}/covers/{key}.jpg", "width": COVER_SIZE}]


def _simple_artist(base: str, artist: ArtistRecord) -> dict[str, Any]:
    if artist.id is None:  # the artist tag of a local file
        return {
            "external_urls": {},
            "href": None,
            "id": None,
            "name": artist.name,
            "type": "artist",
            "uri": None,
        }
    return {
        "external_urls": {"spotify": f"{base}/open/artist/{artist.id}"},
        "href": f"{base}/v1/artists/{artist.id}",
        "id": artist.id,
        "name": artist.name,
        "type": "artist",
        "uri": f"spotify:artist:{artist.id}",
    }


def _full_artist(base: str, artist: ArtistRecord, dev_mode: bool) -> dict[str, Any]:
    full = _simple_artist(base, artist)
    full["images"] = _images(base, f"artist-{artist.id}")
    if not dev_mode:
        full["followers"] = {"href": None, "total": artist.followers or 0}
        full["genres"] = list(artist.genres)
        full["popularity"] = artist.popularity or 0
    return dict(sorted(full.items()))


def _album(base: str, album: AlbumRecord) -> dict[str, Any]:
    if album.id is None:  # the pseudo-album of a local file
        return {
            "album_type": None,
            "artists": [],
            "external_urls": {},
            "href": None,
            "id": None,
            "images": [],
            "name": album.name,
            "release_date": None,
            "release_date_precision": None,
            "total_tracks": 0,
            "type": "album",
            "uri": None,
        }
    return {
        "album_type": album.album_type,
        "artists": [_simple_artist(base, a) for a in album.artists],
        "external_urls": {"spotify": f"{base}/open/album/{album.id}"},
        "href": f"{base}/v1/albums/{album.id}",
        "id": album.id,
        "images": _images(base, f"album-{album.id}"),
        "name": album.name,
        "release_date": album.release_date,
        "release_date_precision": album.release_date_precision,
        "total_tracks": album.total_tracks,
        "type": "album",
        "uri": f"spotify:album:{album.id}",
    }


def _track(base: str, track: TrackRecord, dev_mode: bool) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "album": _album(base, track.album),
        "artists": [_simple_artist(base, a) for a in track.artists],
        "disc_number": track.disc_number,
        "duration_ms": track.duration_ms,
        "explicit": track.explicit,
        "external_ids": {"isrc": track.isrc} if track.isrc else {},
        "external_urls": {"spotify": f"{base}/open/track/{track.id}"} if track.id else {},
        "href": f"{base}/v1/tracks/{track.id}" if track.id else None,
        "id": track.id,
        "is_local": track.is_local,
        "name": track.name,
        "preview_url": None,  # Spotify stopped serving previews to new apps in 2024
        "track_number": track.track_number,
        "type": "track",
        "uri": track.uri,
    }
    if track.popularity is not None and not dev_mode:
        rendered["popularity"] = track.popularity
    return dict(sorted(rendered.items()))


def _ranked(items: tuple[_T, ...], time_range: str) -> list[_T]:
    """medium_term is the data as written; the other ranges are gentle reorderings."""
    ordered = list(items)
    if time_range == "short_term" and len(ordered) > 3:
        return ordered[3:] + ordered[:3]  # this month's favourites crept up
    if time_range == "long_term":
        for i in range(0, len(ordered) - 1, 2):  # old loves trade places pairwise
            ordered[i], ordered[i + 1] = ordered[i + 1], ordered[i]
    return ordered


def _all_artists(listener: Listener) -> Iterable[ArtistRecord]:
    yield from listener.artists
    for track in listener.tracks:
        yield from track.artists
        yield from track.album.artists


def _names(artists: Iterable[ArtistRecord]) -> str:
    return ", ".join(a.name for a in artists)


# --- Responses -------------------------------------------------------------------


def _api_error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = (
            f'Bearer realm="spotify", error="invalid_token", error_description="{message}"'
        )
    return JSONResponse(
        {"error": {"status": status, "message": message}}, status_code=status, headers=headers
    )


def _failure(fault: _Fault) -> Response:
    headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
    if fault.body is None:
        try:
            phrase = HTTPStatus(fault.status).phrase
        except ValueError:
            phrase = "Error"
        return _api_error(fault.status, _STATUS_MESSAGES.get(fault.status, phrase), headers)
    if isinstance(fault.body, str):
        return Response(
            fault.body, status_code=fault.status, headers=headers, media_type="text/plain"
        )
    return JSONResponse(fault.body, status_code=fault.status, headers=headers)


_MALFORMED: dict[str, dict[MalformedShape, str]] = {
    "token": {
        "invalid_json": '{"access_token": "BQD4x',
        "wrong_shape": '{"token_type": "Bearer", "expires_in": "soon"}',
    },
    "me": {
        "invalid_json": '{"display_name": "Maren Sol',
        "wrong_shape": '["id", "display_name"]',
    },
    "top_artists": {
        "invalid_json": '{"href": null, "items": [{"name": "Bj',
        "wrong_shape": '{"items": {"name": "Björk"}, "total": "many", "limit": null}',
    },
    "top_tracks": {
        "invalid_json": '{"href": null, "items": [{"name": "Hoppí',
        "wrong_shape": '{"items": [{"album": 7, "artists": "Sigur Rós"}], "total": "many"}',
    },
}


def _malformed(endpoint: str, shape: MalformedShape) -> Response:
    return Response(_MALFORMED[endpoint][shape], media_type="application/json")


def _redirect(uri: str, params: dict[str, str], state: str | None, status: int) -> Response:
    if state is not None:
        params = {**params, "state": state}
    parts = urlsplit(uri)
    extra = urlencode(params)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return RedirectResponse(urlunsplit(parts._replace(query=query)), status_code=status)


# --- Small parsers ---------------------------------------------------------------


async def _sleep_unless_client_leaves(request: Request, seconds: float) -> None:
    """Sleep, but stop early if the client disconnects (it timed out and went away)."""

    async def client_left() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass

    watcher = asyncio.ensure_future(client_left())
    sleeper = asyncio.ensure_future(asyncio.sleep(seconds))
    try:
        await asyncio.wait({watcher, sleeper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (watcher, sleeper):
            task.cancel()
        await asyncio.gather(watcher, sleeper, return_exceptions=True)


def _redirect_uri_problem(uri: str) -> str | None:
    """Spotify's 2025 rules: https anywhere, http only on a loopback IP literal."""
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "Invalid redirect URI"
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host or parts.fragment:
        return "Invalid redirect URI"
    if host == "localhost" or host.endswith(".localhost"):
        return "Insecure redirect URI"
    if parts.scheme == "http" and host not in ("127.0.0.1", "::1"):
        return "Insecure redirect URI"
    return None


def _first_values(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in pairs:
        values.setdefault(key, value)
    return values


def _int_param(raw: str | None, *, default: int, low: int, high: int) -> int | None:
    if raw is None:
        return default
    if not raw.isdigit():
        return None
    value = int(raw)
    return value if low <= value <= high else None


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _base_url(request: Request) -> str:
    """This app's own absolute base URL, including the path it is mounted at."""
    root_path = request.scope.get("root_path", "")
    return f"{request.url.scheme}://{request.url.netloc}{root_path}".rstrip("/")
