"""The single choke point for outgoing HTTP.

Every call to another service goes through ``HttpClient.send``, which sets a
timeout and a User-Agent, retries what is worth retrying and nothing else,
and turns transport failures into two error types:

- ``TransientHttpError``: connection failures, timeouts and 5xx answers that
  persisted through ``attempts`` tries with exponential backoff (plus jitter).
- ``RateLimitedHttpError``: a 429 whose Retry-After is longer than
  ``max_retry_after`` seconds (we never sleep that long inside a request), or
  that persisted through the retries. It carries the wait and the body.

Any other answer (2xx, 3xx, 4xx) is returned for the caller to interpret.
Request and response bodies and headers are never logged: they hold tokens.
"""

from __future__ import annotations

import email.utils
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

import liner

log = logging.getLogger(__name__)

USER_AGENT = f"Liner/{liner.__version__}"


class HttpError(Exception):
    """Base of the errors this module raises; messages carry no secrets."""


class TransientHttpError(HttpError):
    pass


class RateLimitedHttpError(HttpError):
    def __init__(self, retry_after: int, body: bytes) -> None:
        super().__init__(f"rate limited, retry after {retry_after} s")
        self.retry_after = retry_after
        self.body = body


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 3
    backoff_seconds: float = 0.25  # first wait; doubles each time, capped below
    max_backoff_seconds: float = 2.0
    max_retry_after: int = 5  # honour a 429's Retry-After up to this many seconds


class _Retry(Exception):
    """Internal: this attempt failed in a way worth another try."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


def parse_retry_after(value: str | None, *, now: float | None = None) -> int | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    remaining = when.timestamp() - (time.time() if now is None else now)
    return max(0, math.ceil(remaining))


class HttpClient:
    def __init__(
        self,
        *,
        timeout: float = 10.0,
        policy: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.policy = policy or RetryPolicy()
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            headers={"User-Agent": USER_AGENT},
            transport=transport,
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        idempotent: bool = True,
    ) -> httpx.Response:
        """``idempotent=False`` (e.g. spending a one-time OAuth code) retries only what
        surely never reached the peer (a refused connection) or what it refused (429)."""
        policy = self.policy
        backoff = wait_exponential_jitter(
            multiplier=policy.backoff_seconds,
            max=policy.max_backoff_seconds,
            jitter=policy.backoff_seconds,
        )

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, _Retry) and exc.retry_after is not None:
                return exc.retry_after
            return float(backoff(state))

        last_429: tuple[int, bytes] | None = None
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(_Retry),
            stop=stop_after_attempt(policy.attempts),
            wait=wait,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    try:
                        response = await self._client.request(
                            method, url, params=params, data=data, headers=headers, auth=auth
                        )
                    except httpx.ConnectError as exc:
                        raise _Retry("could not connect") from exc
                    except (httpx.TimeoutException, httpx.TransportError) as exc:
                        if not idempotent:
                            raise TransientHttpError("did not answer in time") from exc
                        raise _Retry("timed out") from exc
                    if response.status_code == 429:
                        retry_after = parse_retry_after(response.headers.get("Retry-After"))
                        wait_s = 1 if retry_after is None else retry_after
                        last_429 = (wait_s, response.content)
                        if wait_s > policy.max_retry_after or _is_quota(response):
                            raise RateLimitedHttpError(wait_s, response.content)
                        raise _Retry("rate limited", retry_after=wait_s)
                    if response.status_code >= 500:
                        if not idempotent:
                            raise TransientHttpError(f"answered {response.status_code}")
                        raise _Retry(f"answered {response.status_code}")
                    return response
        except _Retry as exc:
            log.warning("%s %s failed after %d tries: %s", method, _safe(url), policy.attempts, exc)
            if last_429 is not None and str(exc) == "rate limited":
                raise RateLimitedHttpError(*last_429) from None
            raise TransientHttpError(str(exc)) from None
        raise AssertionError("unreachable")  # pragma: no cover - tenacity always returns or raises


def _is_quota(response: httpx.Response) -> bool:
    """A quota 429 will not clear by waiting a few seconds: do not retry it."""
    return b"QUOTA_EXCEEDED" in response.content[:4096]


def _safe(url: str) -> str:
    """The URL without its query string (which may carry codes)."""
    return url.split("?", 1)[0]


def json_body(response: httpx.Response) -> Any:
    """Parse JSON, or raise ValueError with a short message."""
    try:
        return response.json()
    except ValueError as exc:
        raise ValueError("response was not JSON") from exc
