"""Google sign-in: OpenID Connect, authorization code flow with PKCE.

External contract (https://developers.google.com/identity/openid-connect/openid-connect,
OpenID Connect Core 1.0 and Discovery 1.0):

- ``GET {discovery_url}`` (``{issuer}/.well-known/openid-configuration``; a bare
  issuer URL gets that suffix) -> JSON with ``issuer`` (identical to the URL's
  prefix, Discovery 4.3), ``authorization_endpoint``, ``token_endpoint``,
  ``jwks_uri`` and optionally ``token_endpoint_auth_methods_supported``. Every
  endpoint must be https (plain http only on loopback, for tests and the sandbox).
- The browser goes to ``{authorization_endpoint}?response_type=code&client_id
  &redirect_uri&scope=openid email profile&state&nonce&code_challenge
  &code_challenge_method=S256``.
- ``POST {token_endpoint}`` (form: ``grant_type=authorization_code``, ``code``,
  ``redirect_uri``, ``code_verifier``; client authentication ``client_secret_basic``
  over the form-urlencoded id and secret, RFC 6749 2.3.1, or ``client_secret_post``
  when that is all the provider lists) -> ``{"id_token": ..., "access_token": ...}``
  or ``{"error": "invalid_grant", ...}``. The code is single use, so this POST is
  never retried once it may have reached the provider.
- ``GET {jwks_uri}`` -> ``{"keys": [{"kty": "RSA", "kid", "n", "e", ...}]}``. Keys
  rotate: an ID token signed with a ``kid`` we have not seen makes us refetch
  the set once.
- The ID token is verified here, not trusted because it came over TLS: RS256 only
  (``none``, HS256 and everything else are refused before any key is touched), a
  signature by a JWKS key, ``iss`` equal to the discovered issuer (Google also
  writes ``accounts.google.com`` without the scheme), ``aud`` containing our client
  id (and ``azp`` equal to it when present or when there are several audiences),
  ``exp`` in the future and ``iat`` not in the future (60 s leeway either way),
  and ``nonce`` equal to the one this sign-in started with.

Tokens and codes never appear in log lines or error messages; errors say what
a person may read (``IdentityError``'s contract).
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote_plus, urlencode, urlsplit, urlunsplit

import httpx
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from joserfc.jwt import JWTClaimsRegistry

from liner.adapters.http import HttpClient, HttpError, json_body
from liner.ports.identity import (
    IdentityRejected,
    IdentityUnavailable,
    OidcIdentity,
)

log = logging.getLogger(__name__)

WELL_KNOWN = "/.well-known/openid-configuration"
SCOPE = "openid email profile"
ALGORITHM = "RS256"
LEEWAY_SECONDS = 60  # clock skew allowed on exp and iat
DISCOVERY_TTL = timedelta(hours=1)
JWKS_TTL = timedelta(hours=1)  # an unknown kid refetches sooner
GOOGLE_ISSUER = "https://accounts.google.com"
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
_OAUTH_ERROR = re.compile(r"[a-z_]{1,64}")

REJECTED = "Google did not accept this sign-in. Please try signing in again."
UNVERIFIED = "Google's answer to this sign-in could not be verified. Please try signing in again."
UNAVAILABLE = "Signing in with Google is not available right now. Please try again shortly."


@dataclass(frozen=True, slots=True)
class _Discovery:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    client_auth: str  # "client_secret_basic" or "client_secret_post"


class _Invalid(Exception):
    """Internal: the ID token failed verification (the reason is for the log only)."""


class GoogleOidc:
    """Implements ``IdentityProvider`` for Google (or any OIDC provider, e.g. the sandbox)."""

    name = "google"

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        discovery_url: str,
        http: HttpClient,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if not client_id or not client_secret:
            raise ValueError("a Google client id and secret are required")
        url = discovery_url.strip()
        if WELL_KNOWN not in url:
            url = url.rstrip("/") + WELL_KNOWN
        if not _is_trusted_url(url):
            raise ValueError("the OpenID discovery URL must be https (http only on loopback)")
        self._client_id = client_id
        self._client_secret = client_secret
        self._discovery_url = url
        self._expected_issuer = url.split(WELL_KNOWN, 1)[0]
        self._http = http
        self._now = clock or (lambda: datetime.now(UTC))
        self._discovery: _Discovery | None = None
        self._discovery_at: datetime | None = None
        self._keys: dict[str, RSAKey] = {}
        self._unnamed_keys: list[RSAKey] = []  # keys published without a kid
        self._keys_at: datetime | None = None

    # --- IdentityProvider ----------------------------------------------------------

    async def authorize_url(
        self, *, state: str, nonce: str, code_challenge: str, redirect_uri: str
    ) -> str:
        discovery = await self._get_discovery()
        params = urlencode(
            {
                "response_type": "code",
                "client_id": self._client_id,
                "redirect_uri": redirect_uri,
                "scope": SCOPE,
                "state": state,
                "nonce": nonce,
                "code_challenge": code_challenge,
                "code_challenge_method": "S256",
            }
        )
        parts = urlsplit(discovery.authorization_endpoint)
        query = f"{parts.query}&{params}" if parts.query else params
        return urlunsplit(parts._replace(query=query))

    async def finish(
        self, *, code: str, code_verifier: str, redirect_uri: str, nonce: str
    ) -> OidcIdentity:
        discovery = await self._get_discovery()
        id_token = await self._exchange(discovery, code, code_verifier, redirect_uri)
        try:
            claims = await self._verify(discovery, id_token, nonce)
        except _Invalid as exc:
            log.warning("Google ID token rejected: %s", exc)
            raise IdentityRejected(UNVERIFIED) from None
        return OidcIdentity(
            provider=self.name,
            subject=claims["sub"],
            email=_opt_str(claims.get("email")),
            email_verified=_is_true(claims.get("email_verified")),
            name=_opt_str(claims.get("name")),
            picture=_opt_str(claims.get("picture")),
        )

    # --- The token endpoint ----------------------------------------------------------

    async def _exchange(
        self, discovery: _Discovery, code: str, code_verifier: str, redirect_uri: str
    ) -> str:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        auth: tuple[str, str] | None = None
        if discovery.client_auth == "client_secret_basic":
            # RFC 6749 2.3.1: the id and secret are form-urlencoded before Basic encoding.
            auth = (quote_plus(self._client_id), quote_plus(self._client_secret))
        else:
            form["client_id"] = self._client_id
            form["client_secret"] = self._client_secret
        try:
            # The code is spent on first use: a blind retry would only earn invalid_grant.
            response = await self._http.send(
                "POST",
                discovery.token_endpoint,
                data=form,
                auth=auth,
                headers={"Accept": "application/json"},
                idempotent=False,
            )
        except HttpError as exc:
            log.warning("Google's token endpoint failed: %s", exc)
            raise IdentityUnavailable(UNAVAILABLE) from None
        if response.status_code in (400, 401):
            error = _oauth_error(response)
            if error == "invalid_grant":
                raise IdentityRejected(REJECTED)
            # Anything else (invalid_client, redirect_uri_mismatch, invalid_request)
            # is our configuration, not the person's doing.
            log.warning("Google's token endpoint refused the request: %s", error or "no error code")
            raise IdentityUnavailable(UNAVAILABLE)
        if response.status_code != 200:
            log.warning("Google's token endpoint answered %d", response.status_code)
            raise IdentityUnavailable(UNAVAILABLE)
        body = _json_object(response)
        id_token = body.get("id_token") if body is not None else None
        if not isinstance(id_token, str) or not id_token:
            log.warning("Google's token endpoint sent no ID token")
            raise IdentityUnavailable(UNAVAILABLE)
        return id_token

    # --- ID token verification -------------------------------------------------------

    async def _verify(self, discovery: _Discovery, id_token: str, nonce: str) -> dict[str, Any]:
        try:
            header = jws.extract_compact(id_token.encode("ascii")).headers()
        except (JoseError, ValueError, UnicodeError):
            raise _Invalid("unreadable token") from None
        # Decide the algorithm ourselves before touching a key: never "none", never
        # HS256 keyed with a public key.
        if header.get("alg") != ALGORITHM:
            raise _Invalid("algorithm is not RS256")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise _Invalid("kid is not a string")
        key = await self._signing_key(kid)
        try:
            claims = jwt.decode(id_token, key, algorithms=[ALGORITHM]).claims
        except (JoseError, ValueError):
            raise _Invalid("bad signature") from None

        issuers = [discovery.issuer]
        if discovery.issuer == GOOGLE_ISSUER:
            issuers.append("accounts.google.com")  # Google writes either form
        registry = JWTClaimsRegistry(
            now=int(self._now().timestamp()),
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "values": issuers},
            aud={"essential": True, "value": self._client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
        )
        try:
            registry.validate(claims)
        except JoseError as exc:
            # joserfc's descriptions name the claim, never its value.
            raise _Invalid(f"{exc.error}: {exc.description}") from None
        audience = claims["aud"]
        azp = claims.get("azp")
        several = isinstance(audience, list) and len(audience) > 1
        # OIDC Core 3.1.3.7 (4, 5): several audiences need azp, and azp must be us.
        if (several or azp is not None) and (
            not isinstance(azp, str)
            or not hmac.compare_digest(azp.encode(), self._client_id.encode())
        ):
            raise _Invalid("azp is not our client id")
        got = claims.get("nonce")
        if not isinstance(got, str) or not hmac.compare_digest(got.encode(), nonce.encode()):
            raise _Invalid("nonce does not match")
        return claims

    async def _signing_key(self, kid: str | None) -> RSAKey:
        """The JWKS key for ``kid``; an unknown kid refetches the set once.

        Only tokens straight from the token endpoint (each needs a fresh code) get
        here, so the refetch cannot be driven in a loop by someone else."""
        now = self._now()
        stale = self._keys_at is None or now - self._keys_at >= JWKS_TTL
        if stale:
            await self._fetch_keys()
        key = self._find_key(kid)
        if key is None and not stale:
            await self._fetch_keys()
            key = self._find_key(kid)
        if key is None:
            raise _Invalid("signed with a key Google does not publish")
        return key

    def _find_key(self, kid: str | None) -> RSAKey | None:
        if kid is not None:
            return self._keys.get(kid)
        candidates = [*self._keys.values(), *self._unnamed_keys]
        return candidates[0] if len(candidates) == 1 else None

    async def _fetch_keys(self) -> None:
        discovery = await self._get_discovery()
        body = await self._get_json(discovery.jwks_uri, "JWKS")
        keys = body.get("keys")
        if not isinstance(keys, list):
            log.warning("Google's JWKS has no key list")
            raise IdentityUnavailable(UNAVAILABLE)
        named: dict[str, RSAKey] = {}
        unnamed: list[RSAKey] = []
        for entry in keys:
            if not isinstance(entry, dict) or entry.get("kty") != "RSA":
                continue
            if entry.get("use", "sig") != "sig" or entry.get("alg", ALGORITHM) != ALGORITHM:
                continue
            try:
                key = RSAKey.import_key(entry)
            except (JoseError, ValueError, TypeError):
                continue
            if key.is_private:
                continue  # a JWKS must not publish private keys; refuse to use one
            kid = entry.get("kid")
            if isinstance(kid, str) and kid:
                named[kid] = key
            else:
                unnamed.append(key)
        self._keys, self._unnamed_keys, self._keys_at = named, unnamed, self._now()

    # --- Discovery ------------------------------------------------------------------

    async def _get_discovery(self) -> _Discovery:
        now = self._now()
        if (
            self._discovery is not None
            and self._discovery_at is not None
            and now - self._discovery_at < DISCOVERY_TTL
        ):
            return self._discovery
        body = await self._get_json(self._discovery_url, "discovery document")
        discovery = self._read_discovery(body)
        self._discovery, self._discovery_at = discovery, now
        return discovery

    def _read_discovery(self, body: dict[str, Any]) -> _Discovery:
        fields: dict[str, str] = {}
        for name in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
            value = body.get(name)
            if not isinstance(value, str) or not _is_trusted_url(value):
                log.warning("Google's discovery document has no usable %s", name)
                raise IdentityUnavailable(UNAVAILABLE)
            fields[name] = value
        # Discovery 4.3: the issuer must be the URL the document was fetched under,
        # or a document from elsewhere could vouch for tokens from elsewhere.
        if fields["issuer"].rstrip("/") != self._expected_issuer.rstrip("/"):
            log.warning("Google's discovery document names a different issuer")
            raise IdentityUnavailable(UNAVAILABLE)
        methods = body.get("token_endpoint_auth_methods_supported")
        if methods is None or (isinstance(methods, list) and "client_secret_basic" in methods):
            client_auth = "client_secret_basic"  # the default when the list is absent
        elif isinstance(methods, list) and "client_secret_post" in methods:
            client_auth = "client_secret_post"
        else:
            log.warning("Google's token endpoint supports no client authentication we use")
            raise IdentityUnavailable(UNAVAILABLE)
        return _Discovery(client_auth=client_auth, **fields)

    async def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            response = await self._http.send("GET", url, headers={"Accept": "application/json"})
        except HttpError as exc:
            log.warning("Google's %s could not be fetched: %s", what, exc)
            raise IdentityUnavailable(UNAVAILABLE) from None
        if response.status_code != 200:
            log.warning("Google's %s answered %d", what, response.status_code)
            raise IdentityUnavailable(UNAVAILABLE)
        body = _json_object(response)
        if body is None:
            log.warning("Google's %s was not a JSON object", what)
            raise IdentityUnavailable(UNAVAILABLE)
        return body


# --- Small helpers ------------------------------------------------------------------


def _is_trusted_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    if not host:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and host in _LOOPBACK)


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = json_body(response)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _oauth_error(response: httpx.Response) -> str | None:
    """The OAuth ``error`` code, if it looks like one (it goes into a log line)."""
    body = _json_object(response)
    error = body.get("error") if body is not None else None
    if isinstance(error, str) and _OAUTH_ERROR.fullmatch(error):
        return error
    return None


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _is_true(value: object) -> bool:
    """Google has sent ``email_verified`` as a JSON boolean and as the string "true";
    ``bool("false")`` would be True, so read it explicitly."""
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() == "true"
