"""Spotify: the accounts service (OAuth 2 + PKCE) and the Web API's top items.

External contract (https://developer.spotify.com/documentation/web-api):

- ``GET {accounts}/authorize?response_type=code&client_id&redirect_uri&scope&state
  &code_challenge_method=S256&code_challenge``; ``POST {accounts}/api/token`` with
  HTTP Basic client auth, ``grant_type=authorization_code`` (code, redirect_uri,
  code_verifier) or ``grant_type=refresh_token``. Errors are
  ``{"error": "invalid_grant", ...}``; a refresh answer may omit ``refresh_token``.
- ``GET {api}/v1/me`` and ``GET {api}/v1/me/top/{artists,tracks}?limit=50&time_range=``
  with a Bearer token; errors are ``{"error": {"status", "message"}}``; 429 carries
  Retry-After (possibly hours) and sometimes ``"reason": "QUOTA_EXCEEDED"``.
- Since 2025-2026 development-mode apps get no ``popularity``, ``genres`` or
  ``followers``: every such field is optional here. Local files have ``is_local``
  and an album without id; the same track may be listed twice.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from liner.adapters.http import HttpClient, RateLimitedHttpError, TransientHttpError
from liner.domain.music import AlbumRef, Artist, ArtistRef, Track
from liner.ports.music_source import (
    AccessDenied,
    Account,
    BadResponse,
    InvalidGrant,
    QuotaExceeded,
    RateLimited,
    Tokens,
    Unauthorized,
    Unavailable,
)

SCOPES = ("user-top-read", "user-read-email", "user-read-private")
TOP_LIMIT = 50


class Spotify:
    """Implements ``MusicAuth`` and ``MusicSource`` for Spotify (or its sandbox)."""

    name = "spotify"

    def __init__(
        self,
        http: HttpClient,
        *,
        client_id: str,
        client_secret: str,
        accounts_url: str,
        api_url: str,
        clock: Any = None,
    ) -> None:
        self._http = http
        self._client_id = client_id
        self._client_secret = client_secret
        self._accounts_url = accounts_url.rstrip("/")
        self._api_url = api_url.rstrip("/")
        self._now = clock or (lambda: datetime.now(UTC))

    # --- MusicAuth --------------------------------------------------------------

    def authorize_url(self, *, state: str, code_challenge: str, redirect_uri: str) -> str:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self._client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(SCOPES),
                "state": state,
                "code_challenge_method": "S256",
                "code_challenge": code_challenge,
            }
        )
        return f"{self._accounts_url}/authorize?{query}"

    async def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> Tokens:
        body = await self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            }
        )
        return self._tokens(body, previous_refresh_token=None)

    async def refresh(self, refresh_token: str) -> Tokens:
        body = await self._token_request(
            {"grant_type": "refresh_token", "refresh_token": refresh_token}
        )
        return self._tokens(body, previous_refresh_token=refresh_token)

    async def _token_request(self, form: dict[str, str]) -> dict[str, Any]:
        try:
            response = await self._http.send(
                "POST",
                f"{self._accounts_url}/api/token",
                data=form,
                auth=(self._client_id, self._client_secret),
                # A code is spent on first use: retrying a lost answer would only
                # earn an invalid_grant. Refresh tokens stay valid, so those retry.
                idempotent=form.get("grant_type") != "authorization_code",
            )
        except RateLimitedHttpError as exc:
            raise _rate_limit_error(exc) from None
        except TransientHttpError as exc:
            raise Unavailable(f"Spotify's accounts service {exc}") from None
        if response.status_code in (400, 401):
            error = _read_json(response)
            code = error.get("error") if isinstance(error, dict) else None
            if code == "invalid_grant":
                raise InvalidGrant("Spotify no longer accepts this sign-in")
            raise BadResponse(
                f"Spotify's accounts service refused the request ({code or response.status_code})"
            )
        if response.status_code != 200:
            raise BadResponse(f"Spotify's accounts service answered {response.status_code}")
        body = _read_json(response)
        if not isinstance(body, dict):
            raise BadResponse("Spotify's accounts service sent an unreadable answer")
        return body

    def _tokens(self, body: dict[str, Any], *, previous_refresh_token: str | None) -> Tokens:
        access = body.get("access_token")
        expires_in = body.get("expires_in", 3600)
        if not isinstance(access, str) or not access or not isinstance(expires_in, int):
            raise BadResponse("Spotify's accounts service sent an unreadable token answer")
        refresh = body.get("refresh_token")
        if not isinstance(refresh, str) or not refresh:
            refresh = previous_refresh_token  # Spotify may omit it: keep the old one
        scope = body.get("scope")
        return Tokens(
            access_token=access,
            refresh_token=refresh,
            expires_at=self._now() + timedelta(seconds=max(0, expires_in)),
            scope=scope if isinstance(scope, str) else "",
        )

    # --- MusicSource ------------------------------------------------------------

    async def account(self, access_token: str) -> Account:
        body = await self._api_get("/v1/me", access_token)
        try:
            images = body.get("images") or []
            return Account(
                id=_str(body["id"]),
                display_name=_opt_str(body.get("display_name")),
                email=_opt_str(body.get("email")),
                image_url=_first_image(images),
                country=_opt_str(body.get("country")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BadResponse("Spotify sent an unreadable profile") from exc

    async def top_artists(self, access_token: str, *, time_range: str) -> list[Artist]:
        items = await self._top("artists", access_token, time_range)
        try:
            return [_artist(item) for item in items]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BadResponse("Spotify sent unreadable top artists") from exc

    async def top_tracks(self, access_token: str, *, time_range: str) -> list[Track]:
        items = await self._top("tracks", access_token, time_range)
        try:
            return [_track(item) for item in items]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BadResponse("Spotify sent unreadable top tracks") from exc

    async def _top(self, kind: str, access_token: str, time_range: str) -> list[Any]:
        body = await self._api_get(
            f"/v1/me/top/{kind}",
            access_token,
            params={"limit": TOP_LIMIT, "time_range": time_range},
        )
        items = body.get("items")
        if not isinstance(items, list):
            raise BadResponse(f"Spotify sent unreadable top {kind}")
        return items

    async def _api_get(
        self, path: str, access_token: str, params: dict[str, str | int] | None = None
    ) -> dict[str, Any]:
        try:
            response = await self._http.send(
                "GET",
                f"{self._api_url}{path}",
                params=params,
                headers={"Authorization": f"Bearer {access_token}"},
            )
        except RateLimitedHttpError as exc:
            raise _rate_limit_error(exc) from None
        except TransientHttpError as exc:
            raise Unavailable(f"Spotify {exc}") from None
        if response.status_code == 401:
            raise Unauthorized("Spotify rejected the access token")
        if response.status_code == 403:
            raise AccessDenied("Spotify refused access to this account's data")
        if response.status_code != 200:
            raise BadResponse(f"Spotify answered {response.status_code}")
        body = _read_json(response)
        if not isinstance(body, dict):
            raise BadResponse("Spotify sent an unreadable answer")
        return body


# --- parsing ---------------------------------------------------------------------


def _rate_limit_error(exc: RateLimitedHttpError) -> RateLimited | QuotaExceeded:
    try:
        body = json.loads(exc.body or b"{}")
    except ValueError:
        body = {}
    if _mentions_quota(body):
        return QuotaExceeded(exc.retry_after)
    return RateLimited(exc.retry_after)


def _mentions_quota(body: Any) -> bool:
    if isinstance(body, dict):
        if body.get("reason") == "QUOTA_EXCEEDED":
            return True
        return any(_mentions_quota(v) for v in body.values() if isinstance(v, dict))
    return False


def _read_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise BadResponse("Spotify sent a body that is not JSON") from None


def _str(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("expected a non-empty string")
    return value


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _opt_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _url(obj: dict[str, Any]) -> str | None:
    urls = obj.get("external_urls")
    return _opt_str(urls.get("spotify")) if isinstance(urls, dict) else None


def _first_image(images: Any) -> str | None:
    """Spotify lists images widest first; the first is the best for a cover."""
    if not isinstance(images, list):
        return None
    for image in images:
        if isinstance(image, dict) and _opt_str(image.get("url")):
            return str(image["url"])
    return None


def _artist_ref(obj: dict[str, Any]) -> ArtistRef:
    return ArtistRef(name=_str(obj["name"]), id=_opt_str(obj.get("id")), url=_url(obj))


def _artist(obj: dict[str, Any]) -> Artist:
    genres = obj.get("genres")
    return Artist(
        id=_str(obj["id"]),
        name=_str(obj["name"]),
        image_url=_first_image(obj.get("images")),
        genres=tuple(g for g in genres if isinstance(g, str)) if isinstance(genres, list) else (),
        popularity=_opt_int(obj.get("popularity")),
        url=_url(obj),
    )


def _album_ref(obj: Any) -> AlbumRef | None:
    if not isinstance(obj, dict) or not _opt_str(obj.get("name")):
        return None
    artists = obj.get("artists") or []
    return AlbumRef(
        name=str(obj["name"]),
        id=_opt_str(obj.get("id")),
        album_type=_opt_str(obj.get("album_type")),
        artists=tuple(_artist_ref(a) for a in artists if isinstance(a, dict) and a.get("name")),
        image_url=_first_image(obj.get("images")),
        release_date=_opt_str(obj.get("release_date")),
        url=_url(obj),
    )


def _track(obj: dict[str, Any]) -> Track:
    artists = obj.get("artists") or []
    return Track(
        name=_str(obj["name"]),
        id=_opt_str(obj.get("id")),
        uri=_opt_str(obj.get("uri")),
        artists=tuple(_artist_ref(a) for a in artists if isinstance(a, dict) and a.get("name")),
        album=_album_ref(obj.get("album")),
        popularity=_opt_int(obj.get("popularity")),
        is_local=bool(obj.get("is_local", False)),
        url=_url(obj),
    )
