"""A fake Google OpenID Connect provider, as a Starlette app.

External contract imitated (accounts.google.com; paths are relative to wherever
the app is mounted, and every absolute URL it hands out follows the mount):

* ``GET /.well-known/openid-configuration`` - the discovery document: ``issuer``,
  ``authorization_endpoint``, ``token_endpoint``, ``jwks_uri``,
  ``userinfo_endpoint``, ``response_types_supported``, ``subject_types_supported``,
  ``id_token_signing_alg_values_supported: ["RS256"]``,
  ``code_challenge_methods_supported: ["S256"]``, ``scopes_supported``,
  ``token_endpoint_auth_methods_supported``, ``claims_supported``.
  ``issuer`` is ``FakeOidcProvider.issuer`` when set, otherwise the base URL the
  request reached (scheme, host, port and mount path), so the issuer always equals
  the URL a test configured as the discovery base.
* ``GET /authorize`` - the account chooser. ``client_id`` must be ours, else a 400
  page "Error 401: invalid_client". The redirect URI must be ``https://...`` or
  ``http://`` on a loopback IP literal (127.0.0.1 or [::1]); anything else, including
  ``localhost``, is a 400 page "Error 400: redirect_uri_mismatch" (never a redirect to
  an untrusted URI). Once the redirect URI is trusted, other mistakes go back as
  ``?error=...&state=...`` (RFC 6749 4.1.2.1): ``response_type`` other than ``code``
  -> ``unsupported_response_type``; a ``scope`` without ``openid`` -> ``invalid_scope``;
  no ``state``, no ``nonce``, or no S256 PKCE challenge -> ``invalid_request``.
* ``POST /authorize`` - the choice (``account=<sub>`` or ``decision=cancel``) -> 303 to
  ``redirect_uri?code=...&state=...`` or ``?error=access_denied&state=...``. Codes are
  single use (any attempt spends one), live ten minutes, and are bound to the client,
  the redirect URI, the PKCE challenge, the scope and the nonce.
* ``POST /token`` (form-encoded) - ``grant_type=authorization_code`` with ``code``,
  ``redirect_uri``, ``code_verifier``. Client authentication is ``client_secret_basic``
  (HTTP Basic over the form-urlencoded id and secret, RFC 6749 2.3.1) or
  ``client_secret_post``, never both; ``token_auth_methods`` narrows the two (the
  discovery document lists the same). Success: ``access_token``, ``expires_in``,
  ``token_type: "Bearer"``, ``scope``, ``id_token``. Errors are OAuth-shaped
  ``{"error": ..., "error_description": ...}``: 400 ``invalid_request`` /
  ``invalid_grant`` / ``unsupported_grant_type``, 401 ``invalid_client``.
* The ID token is an RS256 JWT with ``kid`` in its header and claims ``iss``,
  ``azp``, ``aud`` (the client id), ``sub``, ``email`` + ``email_verified`` (scope
  ``email``), ``name`` + ``picture`` + ``given_name`` + ``family_name`` (scope
  ``profile``), ``nonce``, ``at_hash``, ``iat``, ``exp`` (an hour later).
* ``GET /jwks`` - ``{"keys": [...]}``, the public signing keys (``kty``, ``n``,
  ``e``, ``kid``, ``use: "sig"``, ``alg: "RS256"``), newest first.
* ``GET /userinfo`` - Bearer access token -> the same profile claims; 401 with
  ``WWW-Authenticate: Bearer error="invalid_token"`` otherwise.
* ``GET /avatars/{sub}.svg`` - a generated avatar, so no picture URL leaves 127.0.0.1.

Misbehaviour is injected per endpoint ("discovery", "authorize", "token", "jwks",
"userinfo") and happens before the request is processed, so an injected failure
never spends an authorization code. ``tamper_next_id_token`` spoils the next ID
token the token endpoint issues, in one named way.
"""

from __future__ import annotations

import base64
import binascii
import collections
import hashlib
import hmac
import html
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Literal, get_args
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

from jinja2 import Environment, select_autoescape
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from liner.sandbox.faults import FaultQueue

__all__ = [
    "ACCOUNTS",
    "ENDPOINTS",
    "FakeGoogleAccount",
    "FakeOidcProvider",
    "TamperKind",
]

ENDPOINTS = ("discovery", "authorize", "token", "jwks", "userinfo")
TamperKind = Literal[
    "signature",  # the signature no longer matches (one byte flipped)
    "audience",  # aud (and azp) name another client
    "azp",  # aud lists us and another client, and azp names the other one
    "issuer",  # iss names another issuer
    "expired",  # issued two hours ago, expired an hour ago
    "nonce",  # a nonce the client never sent
    "unknown_kid",  # signed with a key the JWKS never publishes
    "alg_none",  # {"alg": "none"} and no signature
    "alg_hs256",  # HS256 keyed with the public key's PEM (the key-confusion attack)
]
TAMPER_KINDS: tuple[str, ...] = get_args(TamperKind)
CODE_TTL = 600.0  # seconds an authorization code lives
ID_TOKEN_TTL = 3600  # seconds, as Google's
ACCESS_TOKEN_TTL = 3599  # Google answers expires_in 3599
SCOPES_SUPPORTED = ("openid", "email", "profile")
OTHER_AUDIENCE = "someone-else.apps.googleusercontent.com"
OTHER_ISSUER = "https://accounts.example.invalid"

_AUTHORIZE_PARAMS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "prompt",
    "login_hint",
)
_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")


@dataclass(frozen=True, slots=True)
class FakeGoogleAccount:
    sub: str  # Google's stable account id: 21 digits
    email: str
    email_verified: bool
    name: str
    picture: str | None = None  # absolute, or a path on the fake ("/avatars/<sub>.svg")

    @property
    def given_name(self) -> str:
        return self.name.split(" ", 1)[0]

    @property
    def family_name(self) -> str | None:
        parts = self.name.split(" ", 1)
        return parts[1] if len(parts) == 2 else None


ACCOUNTS: tuple[FakeGoogleAccount, ...] = (
    # alice: a verified Gmail address
    FakeGoogleAccount(
        sub="108234417356512093311",
        email="maren.solberg@gmail.com",
        email_verified=True,
        name="Maren Solberg",
        picture="/avatars/108234417356512093311.svg",
    ),
    # bob: a Google account on an address Google has not verified, and no picture
    FakeGoogleAccount(
        sub="117760329405188826540",
        email="tomas.ferreira@example.org",
        email_verified=False,
        name="Tomás Ferreira",
    ),
    # a name outside ASCII (and outside the Latin script)
    FakeGoogleAccount(
        sub="103958211674033950822",
        email="yuki.sato@gmail.com",
        email_verified=True,
        name="佐藤 由紀",
        picture="/avatars/103958211674033950822.svg",
    ),
)

_CHOOSER = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Sign in - Google sandbox</title>
<style>
  body { margin: 0; background: #f6f5f1; color: #1d1f1e;
         font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  .banner { background: #fff6d9; border-bottom: 1px solid #eedfa8; padding: .55rem 1rem;
            text-align: center; font-size: .9rem; color: #5b4a12; }
  main { max-width: 34rem; margin: 0 auto; padding: 2rem 1rem 3rem; }
  h1 { font-size: 1.4rem; margin: 0 0 .4rem; }
  ul { display: grid; gap: .6rem; margin: 1rem 0; padding: 0; list-style: none; }
  button.account { display: flex; gap: .9rem; align-items: center; width: 100%;
                   text-align: left; background: #fff; border: 1px solid #e3e6e1;
                   border-radius: 12px; padding: .8rem 1rem; font: inherit; cursor: pointer; }
  button.account img { width: 2.5rem; height: 2.5rem; border-radius: 50%; }
  .email { color: #5f6662; font-size: .9rem; }
  .cancel { font: inherit; background: transparent; border: 1px solid #c9cec8;
            border-radius: 999px; padding: .45rem 1rem; cursor: pointer; }
  button:focus-visible { outline: 3px solid #9fc3e8; outline-offset: 2px; }
</style>
</head>
<body>
<div class="banner" role="note">Google sandbox — no real account involved</div>
<main>
{% if error %}
<h1>Access blocked: authorization error</h1>
<p>{{ error }}</p>
{% else %}
<h1>Choose an account</h1>
<p>to continue to the application ({{ scopes }})</p>
<form method="post" action="{{ action }}">
  {% for name, value in params.items() %}
  <input type="hidden" name="{{ name }}" value="{{ value }}">
  {% endfor %}
  <ul>
    {% for account in accounts %}
    <li><button type="submit" class="account" name="account" value="{{ account.sub }}">
      {% if account.picture %}<img src="{{ account.picture }}" alt="">{% endif %}
      <span><bdi class="name">{{ account.name }}</bdi><br>
      <span class="email">{{ account.email }}</span></span>
    </button></li>
    {% endfor %}
  </ul>
  <button type="submit" class="cancel" name="decision" value="cancel">Cancel</button>
</form>
{% endif %}
</main>
</body>
</html>
"""


# --- State --------------------------------------------------------------------------


@dataclass
class _Fault:
    status: int
    body: object | None


@dataclass(frozen=True)
class _AuthRequest:
    client_id: str
    redirect_uri: str
    scope: str
    state: str
    nonce: str
    code_challenge: str
    params: dict[str, str]  # the original query, carried through the chooser form


@dataclass(frozen=True)
class _Code:
    sub: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str
    code_challenge: str
    expires_at: float


@dataclass(frozen=True)
class _AccessToken:
    sub: str
    scope: str
    expires_at: float


class _TokenError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


class FakeOidcProvider:
    """Google's OpenID Connect endpoints for one confidential client, in memory.

    Tests flip the switches directly; they are safe to call from any thread while
    the app serves requests on another.
    """

    def __init__(
        self,
        *,
        client_id: str = "liner-test-google",
        client_secret: str = "liner-test-google-secret",  # noqa: S107 - a sandbox, not a secret
        issuer: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        # None: the base URL each request reached. Set it (e.g. to the URL ``serve``
        # yielded) to pin it, or to a different value to imitate a misconfiguration.
        self.issuer: str | None = issuer
        # Advertised in discovery and enforced at the token endpoint.
        self.token_auth_methods: tuple[str, ...] = ("client_secret_post", "client_secret_basic")
        self.accounts: list[FakeGoogleAccount] = list(ACCOUNTS)
        self.calls: collections.Counter[str] = collections.Counter()
        self._clock = clock
        self._lock = threading.Lock()
        self._faults: FaultQueue[_Fault] = FaultQueue(ENDPOINTS)
        self._tampers: list[TamperKind] = []
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, _AccessToken] = {}
        self._keys: list[RSAKey] = [_new_signing_key()]  # newest first; [0] signs
        self._templates = Environment(autoescape=select_autoescape(default_for_string=True))

    # --- Switches ---------------------------------------------------------------

    @property
    def kid(self) -> str:
        """The ``kid`` of the key that signs ID tokens now."""
        with self._lock:
            return _kid(self._keys[0])

    def fail_next(
        self, count: int, status: int, endpoint: str | None = None, *, body: object | None = None
    ) -> None:
        """The next ``count`` requests to ``endpoint`` (None: any) answer ``status``.

        ``body``: a dict/list is sent as JSON, a str as raw text (so ``status=200``
        with ``body="<html>"`` is a malformed answer); None sends an OAuth error body.
        """
        with self._lock:
            self._faults.add(endpoint, count, _Fault(status, body))

    def tamper_next_id_token(self, kind: TamperKind) -> None:
        """The next ID token issued is spoiled in the named way (see ``TamperKind``)."""
        if kind not in TAMPER_KINDS:
            raise ValueError(f"unknown tamper {kind!r}; expected one of {TAMPER_KINDS}")
        with self._lock:
            self._tampers.append(kind)

    def rotate_key(self, *, keep_old: bool = True) -> str:
        """Sign with a new key from now on; returns its ``kid``. The JWKS lists the
        new key first and, with ``keep_old``, the previous ones after it (as Google
        publishes the next and the current key side by side)."""
        key = _new_signing_key()
        with self._lock:
            self._keys = [key, *self._keys] if keep_old else [key]
        return _kid(key)

    def reset(self) -> None:
        """Clear the switches and the call counters. Keys, codes and tokens stay."""
        with self._lock:
            self._faults.clear()
            self._tampers.clear()
            self.calls.clear()

    def _enter(self, endpoint: str) -> Response | None:
        """Count the call and answer now if a fault says so."""
        with self._lock:
            self.calls[endpoint] += 1
            fault = self._faults.take(endpoint)
        return _failure(fault) if fault is not None else None

    # --- The app ------------------------------------------------------------------

    def app(self) -> Starlette:
        """The ASGI app; mount it anywhere (URLs in responses follow the mount)."""
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self._discovery, methods=["GET"]),
                Route("/authorize", self._authorize_page, methods=["GET"]),
                Route("/authorize", self._authorize_decision, methods=["POST"]),
                Route("/token", self._token, methods=["POST"]),
                Route("/jwks", self._jwks, methods=["GET"]),
                Route("/userinfo", self._userinfo, methods=["GET", "POST"]),
                Route("/avatars/{sub}.svg", self._avatar, methods=["GET"]),
            ]
        )

    def _issuer_for(self, request: Request) -> str:
        return self.issuer or _base_url(request)

    async def _discovery(self, request: Request) -> Response:
        early = self._enter("discovery")
        if early is not None:
            return early
        base = _base_url(request)
        return JSONResponse(
            {
                "issuer": self._issuer_for(request),
                "authorization_endpoint": f"{base}/authorize",
                "token_endpoint": f"{base}/token",
                "userinfo_endpoint": f"{base}/userinfo",
                "jwks_uri": f"{base}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": list(SCOPES_SUPPORTED),
                "token_endpoint_auth_methods_supported": list(self.token_auth_methods),
                "claims_supported": [
                    "aud",
                    "email",
                    "email_verified",
                    "exp",
                    "family_name",
                    "given_name",
                    "iat",
                    "iss",
                    "name",
                    "picture",
                    "sub",
                ],
                "code_challenge_methods_supported": ["S256"],
                "grant_types_supported": ["authorization_code"],
            },
            headers={"Cache-Control": "public, max-age=3600"},
        )

    async def _jwks(self, request: Request) -> Response:
        early = self._enter("jwks")
        if early is not None:
            return early
        with self._lock:
            keys = [dict(key.as_dict(private=False)) for key in self._keys]
        return JSONResponse({"keys": keys}, headers={"Cache-Control": "public, max-age=3600"})

    # --- Authorization: the account chooser ----------------------------------------

    async def _authorize_page(self, request: Request) -> Response:
        early = self._enter("authorize")
        if early is not None:
            return early
        checked = self._check_authorize(_first_values(request.query_params.multi_items()), 302)
        if isinstance(checked, Response):
            return checked
        base = _base_url(request)
        html_text = self._templates.from_string(_CHOOSER).render(
            error=None,
            scopes=checked.scope,
            params=checked.params,
            action=f"{base}/authorize",
            accounts=[
                {
                    "sub": account.sub,
                    "name": account.name,
                    "email": account.email,
                    "picture": _absolute(base, account.picture),
                }
                for account in self.accounts
            ],
        )
        return HTMLResponse(html_text)

    async def _authorize_decision(self, request: Request) -> Response:
        with self._lock:
            self.calls["consent"] += 1
        form = _first_values(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        decision = form.pop("decision", "")
        sub = form.pop("account", "")
        checked = self._check_authorize(form, 303)
        if isinstance(checked, Response):
            return checked
        if decision == "cancel":
            return _redirect(checked.redirect_uri, {"error": "access_denied"}, checked.state, 303)
        account = self._account(sub)
        if account is None:
            return self._error_page("Error 400: invalid_request - unknown account")
        code = "4/0A" + secrets.token_urlsafe(48)
        with self._lock:
            self._codes[code] = _Code(
                sub=account.sub,
                client_id=checked.client_id,
                redirect_uri=checked.redirect_uri,
                scope=checked.scope,
                nonce=checked.nonce,
                code_challenge=checked.code_challenge,
                expires_at=self._clock() + CODE_TTL,
            )
        return _redirect(checked.redirect_uri, {"code": code}, checked.state, 303)

    def _check_authorize(self, params: dict[str, str], status: int) -> _AuthRequest | Response:
        client_id = params.get("client_id", "")
        if not hmac.compare_digest(client_id.encode(), self.client_id.encode()):
            return self._error_page("Error 401: invalid_client - The OAuth client was not found.")
        redirect_uri = params.get("redirect_uri", "")
        problem = _redirect_uri_problem(redirect_uri)
        if problem is not None:
            return self._error_page(f"Error 400: redirect_uri_mismatch - {problem}")
        state = params.get("state") or None

        def refuse(error: str, description: str) -> Response:
            return _redirect(
                redirect_uri, {"error": error, "error_description": description}, state, status
            )

        if params.get("response_type") != "code":
            return refuse("unsupported_response_type", "response_type must be code")
        scope = " ".join(params.get("scope", "").split())
        if "openid" not in scope.split():
            return refuse("invalid_scope", "scope must include openid")
        unknown = [s for s in scope.split() if s not in SCOPES_SUPPORTED]
        if unknown:
            return refuse("invalid_scope", f"unknown scope {unknown[0]}")
        if state is None:
            return refuse("invalid_request", "state is required")
        nonce = params.get("nonce") or None
        if nonce is None:
            return refuse("invalid_request", "nonce is required")
        if params.get("code_challenge_method") != "S256":
            return refuse("invalid_request", "code_challenge_method must be S256")
        challenge = params.get("code_challenge", "")
        if not _CHALLENGE.fullmatch(challenge):
            return refuse("invalid_request", "code_challenge must be a base64url SHA-256 digest")
        return _AuthRequest(
            client_id=client_id,
            redirect_uri=redirect_uri,
            scope=scope,
            state=state,
            nonce=nonce,
            code_challenge=challenge,
            params={k: params[k] for k in _AUTHORIZE_PARAMS if k in params},
        )

    def _error_page(self, message: str) -> HTMLResponse:
        page = self._templates.from_string(_CHOOSER).render(error=message)
        return HTMLResponse(page, status_code=400)

    # --- Tokens ---------------------------------------------------------------------

    async def _token(self, request: Request) -> Response:
        body = await request.body()
        early = self._enter("token")
        if early is not None:
            return early
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            if content_type != "application/x-www-form-urlencoded":
                raise _TokenError("invalid_request", "expected a form-encoded body")
            form = _first_values(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            client_id = self._authenticate_client(request, form)
            grant_type = form.get("grant_type")
            if grant_type != "authorization_code":
                raise _TokenError("unsupported_grant_type", "Invalid grant_type")
            payload = self._exchange_code(form, client_id, _base_url(request), request)
        except _TokenError as error:
            headers = {"Cache-Control": "no-store"}
            if error.status == 401 and request.headers.get("authorization"):
                headers["WWW-Authenticate"] = 'Basic realm="token"'
            return JSONResponse(
                {"error": error.error, "error_description": error.description},
                status_code=error.status,
                headers=headers,
            )
        return JSONResponse(payload, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _authenticate_client(self, request: Request, form: dict[str, str]) -> str:
        header = request.headers.get("authorization")
        if header:
            if "client_secret" in form:
                raise _TokenError("invalid_request", "use one client authentication method")
            scheme, _, value = header.partition(" ")
            try:
                decoded = base64.b64decode(value.strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            raw_id, colon, raw_secret = decoded.partition(":")
            if scheme.lower() != "basic" or not colon:
                raise _TokenError("invalid_client", "Unauthorized", 401)
            client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
            if form.get("client_id", client_id) != client_id:
                raise _TokenError("invalid_request", "client_id does not match")
            method = "client_secret_basic"
        else:
            client_id = form.get("client_id", "")
            secret = form.get("client_secret", "")
            method = "client_secret_post"
        if method not in self.token_auth_methods:
            raise _TokenError("invalid_client", f"{method} is not allowed for this client", 401)
        id_ok = hmac.compare_digest(client_id.encode(), self.client_id.encode())
        secret_ok = hmac.compare_digest(secret.encode(), self.client_secret.encode())
        if not client_id or not secret or not (id_ok and secret_ok):
            raise _TokenError("invalid_client", "Unauthorized", 401)
        return client_id

    def _exchange_code(
        self, form: dict[str, str], client_id: str, base: str, request: Request
    ) -> dict[str, Any]:
        code = form.get("code")
        redirect_uri = form.get("redirect_uri")
        verifier = form.get("code_verifier")
        if not code:
            raise _TokenError("invalid_request", "Missing required parameter: code")
        if not redirect_uri:
            raise _TokenError("invalid_request", "Missing required parameter: redirect_uri")
        issuer = self._issuer_for(request)
        with self._lock:
            record = self._codes.pop(code, None)  # single use: any attempt spends it
            if record is None or record.client_id != client_id:
                raise _TokenError("invalid_grant", "Bad Request")
            if self._clock() >= record.expires_at:
                raise _TokenError("invalid_grant", "Bad Request")
            if redirect_uri != record.redirect_uri:
                raise _TokenError("redirect_uri_mismatch", "Bad Request")
            if not verifier or not _VERIFIER.fullmatch(verifier):
                raise _TokenError("invalid_grant", "Missing code verifier.")
            if not hmac.compare_digest(_s256(verifier), record.code_challenge):
                raise _TokenError("invalid_grant", "Invalid code verifier.")
            account = self._account(record.sub)
            if account is None:
                raise _TokenError("invalid_grant", "Account has been deleted")
            access = "ya29." + secrets.token_urlsafe(96)
            now = self._clock()
            self._access[access] = _AccessToken(account.sub, record.scope, now + ACCESS_TOKEN_TTL)
            tamper = self._tampers.pop(0) if self._tampers else None
            signing_key = self._keys[0]
        claims = self._id_claims(account, record, issuer, base, now, access)
        id_token = _sign(claims, signing_key, tamper)
        return {
            "access_token": access,
            "expires_in": ACCESS_TOKEN_TTL,
            "token_type": "Bearer",
            "scope": record.scope,
            "id_token": id_token,
        }

    def _id_claims(
        self,
        account: FakeGoogleAccount,
        record: _Code,
        issuer: str,
        base: str,
        now: float,
        access_token: str,
    ) -> dict[str, Any]:
        iat = int(now)
        claims: dict[str, Any] = {
            "iss": issuer,
            "azp": record.client_id,
            "aud": record.client_id,
            "sub": account.sub,
            "at_hash": _at_hash(access_token),
            "nonce": record.nonce,
            "iat": iat,
            "exp": iat + ID_TOKEN_TTL,
        }
        claims.update(_profile_claims(account, set(record.scope.split()), base))
        return claims

    # --- Userinfo and avatars -------------------------------------------------------

    async def _userinfo(self, request: Request) -> Response:
        early = self._enter("userinfo")
        if early is not None:
            return early
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        with self._lock:
            record = self._access.get(token.strip()) if scheme.lower() == "bearer" else None
            expired = record is not None and self._clock() >= record.expires_at
        account = self._account(record.sub) if record is not None else None
        if record is None or expired or account is None:
            return JSONResponse(
                {"error": "invalid_token", "error_description": "Invalid Credentials"},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        claims = {"sub": account.sub}
        claims.update(_profile_claims(account, set(record.scope.split()), _base_url(request)))
        return JSONResponse(claims)

    async def _avatar(self, request: Request) -> Response:
        account = self._account(request.path_params["sub"])
        if account is None:
            return Response("No such avatar", status_code=404, media_type="text/plain")
        hue = int(hashlib.sha256(account.sub.encode()).hexdigest()[:4], 16) % 360
        initial = html.escape(account.name[:1].upper())
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">'
            f'<circle cx="48" cy="48" r="48" fill="hsl({hue} 45% 42%)"/>'
            '<text x="48" y="63" font-size="44" text-anchor="middle" fill="#fff" '
            f'font-family="system-ui, sans-serif">{initial}</text></svg>'
        )
        return Response(
            svg, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
        )

    def _account(self, sub: str) -> FakeGoogleAccount | None:
        return next((a for a in self.accounts if a.sub == sub), None)


# --- Signing ----------------------------------------------------------------------


def _new_signing_key() -> RSAKey:
    kid = secrets.token_hex(20)  # Google's kids are 40 hex digits
    return RSAKey.generate_key(
        2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}, private=True
    )


def _kid(key: RSAKey) -> str:
    return str(key.kid)


def _sign(claims: dict[str, Any], key: RSAKey, tamper: TamperKind | None) -> str:
    """The ID token for ``claims``, spoiled as ``tamper`` says."""
    claims = dict(claims)
    header: dict[str, Any] = {"alg": "RS256", "kid": _kid(key), "typ": "JWT"}
    if tamper == "audience":
        claims["aud"] = claims["azp"] = OTHER_AUDIENCE
    elif tamper == "azp":
        claims["aud"] = [claims["aud"], OTHER_AUDIENCE]
        claims["azp"] = OTHER_AUDIENCE
    elif tamper == "issuer":
        claims["iss"] = OTHER_ISSUER
    elif tamper == "expired":
        claims["iat"] -= 2 * 3600
        claims["exp"] = claims["iat"] + ID_TOKEN_TTL
    elif tamper == "nonce":
        claims["nonce"] = secrets.token_urlsafe(16)
    elif tamper == "unknown_kid":
        key = _new_signing_key()
        header["kid"] = _kid(key)
    elif tamper == "alg_none":
        return _unsigned({"alg": "none", "kid": header["kid"], "typ": "JWT"}, claims, b"")
    elif tamper == "alg_hs256":
        hs_header = {"alg": "HS256", "kid": header["kid"], "typ": "JWT"}
        secret = key.as_pem(private=False)
        signing_input = _unsigned(hs_header, claims, None)
        mac = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest()
        return f"{signing_input}.{_b64(mac)}"
    token = jwt.encode(header, claims, key, algorithms=["RS256"])
    if tamper == "signature":
        head, payload, signature = token.split(".")
        raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
        raw[len(raw) // 2] ^= 0x01
        token = f"{head}.{payload}.{_b64(bytes(raw))}"
    return token


def _unsigned(header: dict[str, Any], claims: dict[str, Any], signature: bytes | None) -> str:
    """``header.payload`` (the signing input), plus ``.signature`` when one is given."""
    head = _b64(json.dumps(header, separators=(",", ":")).encode())
    body = _b64(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    if signature is None:
        return f"{head}.{body}"
    return f"{head}.{body}.{_b64(signature)}"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _at_hash(access_token: str) -> str:
    """OIDC Core 3.1.3.6: the left half of the SHA-256 of the access token, base64url."""
    return _b64(hashlib.sha256(access_token.encode("ascii")).digest()[:16])


def _profile_claims(account: FakeGoogleAccount, scopes: set[str], base: str) -> dict[str, Any]:
    claims: dict[str, Any] = {}
    if "email" in scopes:
        claims["email"] = account.email
        claims["email_verified"] = account.email_verified
    if "profile" in scopes:
        claims["name"] = account.name
        claims["given_name"] = account.given_name
        if account.family_name is not None:
            claims["family_name"] = account.family_name
        picture = _absolute(base, account.picture)
        if picture is not None:
            claims["picture"] = picture
    return claims


# --- Responses and small parsers ---------------------------------------------------


def _failure(fault: _Fault) -> Response:
    if fault.body is None:
        try:
            phrase = HTTPStatus(fault.status).phrase
        except ValueError:
            phrase = "Error"
        error = "server_error" if fault.status >= 500 else "invalid_request"
        if fault.status == 503:
            error = "temporarily_unavailable"
        return JSONResponse({"error": error, "error_description": phrase}, status_code=fault.status)
    if isinstance(fault.body, str):
        return Response(fault.body, status_code=fault.status, media_type="text/plain")
    return JSONResponse(fault.body, status_code=fault.status)


def _redirect(uri: str, params: dict[str, str], state: str | None, status: int) -> Response:
    if state is not None:
        params = {**params, "state": state}
    parts = urlsplit(uri)
    extra = urlencode(params)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return RedirectResponse(urlunsplit(parts._replace(query=query)), status_code=status)


def _redirect_uri_problem(uri: str) -> str | None:
    """https anywhere; http only on a loopback IP literal (``localhost`` can be
    re-pointed by a hosts file or DNS, so it is refused)."""
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "invalid redirect URI"
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host or parts.fragment:
        return "invalid redirect URI"
    if host == "localhost" or host.endswith(".localhost"):
        return "insecure redirect URI (use 127.0.0.1)"
    if parts.scheme == "http" and host not in ("127.0.0.1", "::1"):
        return "insecure redirect URI (http is allowed only on 127.0.0.1)"
    return None


def _absolute(base: str, picture: str | None) -> str | None:
    if picture is None or "://" in picture:
        return picture
    return f"{base}{picture}"


def _first_values(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in pairs:
        values.setdefault(key, value)
    return values


def _s256(verifier: str) -> str:
    return _b64(hashlib.sha256(verifier.encode("ascii")).digest())


def _base_url(request: Request) -> str:
    """This app's own absolute base URL, including the path it is mounted at."""
    root_path = request.scope.get("root_path", "")
    return f"{request.url.scheme}://{request.url.netloc}{root_path}".rstrip("/")
