"""A fake model provider speaking three wire protocols, as one Starlette app.

External contracts imitated (paths relative to wherever the app is mounted):

* Bedrock Runtime Converse (rest-json): ``POST /model/{modelId}/converse``.
  Success: ``{"output": {"message": {"role": "assistant", "content": [{"text": ...}]}},
  "stopReason": "end_turn", "usage": {"inputTokens", "outputTokens", "totalTokens"},
  "metrics": {"latencyMs"}}``. Errors: the status, header
  ``x-amzn-ErrorType: <Code>:http://internal.amazon.com/coral/com.amazon.bedrock/``
  and body ``{"message": "..."}`` (400 ValidationException, 403
  AccessDeniedException, 404 ResourceNotFoundException, 408 ModelTimeoutException,
  424 ModelErrorException, 429 ThrottlingException, 500 InternalServerException,
  503 ServiceUnavailableException). A request without an ``Authorization``
  header gets 403 MissingAuthenticationTokenException; signatures are not checked.
* Anthropic Messages: ``POST /v1/messages`` (needs ``anthropic-version``).
  Success: ``{"id": "msg_...", "type": "message", "role": "assistant", "model",
  "content": [{"type": "text", "text"}], "stop_reason": "end_turn",
  "stop_sequence": null, "usage": {"input_tokens", "output_tokens",
  "cache_creation_input_tokens", "cache_read_input_tokens"}}``. A system block
  marked ``cache_control`` is "cached": the first request with that system
  prefix reports it as ``cache_creation_input_tokens``, later ones as
  ``cache_read_input_tokens`` (the real minimum cacheable length is not imitated).
  Errors: ``{"type": "error", "error": {"type", "message"}, "request_id"}`` with
  types invalid_request_error (400), authentication_error (401),
  permission_error (403), not_found_error (404), rate_limit_error (429),
  api_error (500 and other 5xx), overloaded_error (529).
* OpenAI chat completions: ``POST /v1/chat/completions``. Success:
  ``{"id": "chatcmpl-...", "object": "chat.completion", "created", "model",
  "choices": [{"index": 0, "message": {"role": "assistant", "content",
  "refusal": null}, "logprobs": null, "finish_reason": "stop"}],
  "usage": {"prompt_tokens", "completion_tokens", "total_tokens"}}`` (``usage``
  can be left out, as several local servers do). Errors:
  ``{"error": {"message", "type", "param": null, "code"}}``.

Token counts are estimates (a token per four characters, at least one).

Default error bodies deliberately repeat the credential the request carried, as a
leaky proxy might, so tests can prove that adapters never show provider text.

Misbehaviour (``fail_next``, ``hang_next``, ``latency``) applies to every
protocol unless ``protocol=`` narrows it, and happens before the request is
checked or answered, so an injected failure never consumes a scripted reply.
Every request is recorded first (``requests``), failures and hangs included.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from liner.sandbox.faults import FaultQueue

__all__ = ["PROTOCOLS", "FakeModelPeer", "Protocol", "Received", "Reply"]

Protocol = Literal["bedrock", "anthropic", "openai"]
PROTOCOLS: tuple[Protocol, ...] = ("bedrock", "anthropic", "openai")

_BEDROCK_NAMESPACE = "http://internal.amazon.com/coral/com.amazon.bedrock/"
_BEDROCK_CODES = {
    400: "ValidationException",
    401: "UnrecognizedClientException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    408: "ModelTimeoutException",
    424: "ModelErrorException",
    429: "ThrottlingException",
    500: "InternalServerException",
    503: "ServiceUnavailableException",
}
_ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
_OPENAI_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
    503: ("server_error", None),
}
_STOP = {
    # (normal, refused, truncated) per protocol
    "bedrock": ("end_turn", "content_filtered", "max_tokens"),
    "anthropic": ("end_turn", "refusal", "max_tokens"),
    "openai": ("stop", "content_filter", "length"),
}
# The default reply: plain, observational, short enough for a caption. One is
# picked by a hash of the request, so another seed gives another version.
_BIO_LINES = (
    "Keeps returning to {name}, more than to anyone else.",
    "{name} comes up again and again near the top of the list.",
    "Most of this listening leads back to {name}, one record at a time.",
)
_CAPTION_LINES = (
    "{name} holds more than one of the top tracks.",
    "Back to {name} again, as usual.",
    "{name} keeps turning up among the top tracks.",
)
_PLAIN_LINES = (
    "Keeps returning to the same few records, in roughly the same order.",
    "Listens in whole records rather than scattered singles.",
)
_FIRST_ITEM = re.compile(r"^1\. (.+?)(?: by .*)?(?: \(.*\))?$", re.MULTILINE)
_CAPTIONED = re.compile(r"^\d+\. (.+?)(?: by .*)?(?: \(.*\))?  <- the album to caption$", re.M)
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)")


@dataclass(frozen=True, slots=True)
class Reply:
    """A scripted answer. ``text=None`` sends no text at all (an empty content list,
    or ``"content": null`` for OpenAI)."""

    text: str | None
    input_tokens: int | None = None  # None: estimated from the request
    output_tokens: int | None = None  # None: estimated from the text
    refused: bool = False  # content_filtered / refusal / content_filter
    truncated: bool = False  # max_tokens / length
    usage: bool = True  # False: OpenAI's answer has no "usage" (as some local servers)


@dataclass(frozen=True, slots=True)
class Received:
    """One request as the peer saw it."""

    protocol: Protocol
    path: str
    model: str
    headers: dict[str, str]  # lower-cased names
    body: dict[str, Any]
    system: str  # all system text, joined with newlines
    user: str  # the text of the last user message


@dataclass
class _Fault:
    kind: Literal["fail", "hang"]
    status: int = 500
    body: object | None = None
    seconds: float = 0.0


@dataclass
class _Answer:
    """A reply resolved for one request: text plus token counts."""

    reply: Reply
    input_tokens: int
    output_tokens: int
    cache_write: int = 0
    cache_read: int = 0


class FakeModelPeer:
    """Scripted model replies over Bedrock, Anthropic and OpenAI wire protocols.

    Tests script and inspect it from their own thread while the app serves on
    another; every switch is safe to call at any time.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        default_reply: Callable[[Received], str] | None = None,
    ) -> None:
        # When set, Anthropic and OpenAI requests must carry exactly this key.
        self.api_key = api_key
        self.latency: float = 0.0
        self._default_reply = default_reply or _default_reply
        self._lock = threading.Lock()
        self._replies: list[Reply] = []
        self._faults: FaultQueue[_Fault] = FaultQueue(PROTOCOLS, noun="protocol")
        self._received: list[Received] = []
        self._cached: set[str] = set()

    # --- Switches ---------------------------------------------------------------------

    def reply(self, *texts: str | None) -> None:
        """Queue plain replies, answered in order before the default reply resumes."""
        self.queue(*(Reply(text) for text in texts))

    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self._replies.extend(replies)

    def fail_next(
        self,
        count: int,
        status: int,
        body: object | None = None,
        *,
        protocol: Protocol | None = None,
    ) -> None:
        """The next ``count`` requests answer ``status``. ``body``: a dict/list is
        sent as JSON, a str as raw text; None sends the protocol's own error shape."""
        self._add_fault(protocol, count, _Fault("fail", status=status, body=body))

    def hang_next(self, count: int, seconds: float, *, protocol: Protocol | None = None) -> None:
        """The next ``count`` requests wait ``seconds`` before answering normally
        (or until the client hangs up, so a timed-out client does not hold the server)."""
        self._add_fault(protocol, count, _Fault("hang", seconds=seconds))

    def reset(self) -> None:
        """Forget scripted replies, faults, latency, the record and the cache."""
        with self._lock:
            self._replies.clear()
            self._faults.clear()
            self._received.clear()
            self._cached.clear()
            self.latency = 0.0

    @property
    def requests(self) -> list[Received]:
        """Every request received so far, oldest first."""
        with self._lock:
            return list(self._received)

    @property
    def last(self) -> Received:
        with self._lock:
            if not self._received:
                raise LookupError("the model peer has received no request")
            return self._received[-1]

    def _add_fault(self, protocol: Protocol | None, count: int, fault: _Fault) -> None:
        with self._lock:
            self._faults.add(protocol, count, fault)

    def _take_fault(self, protocol: Protocol) -> _Fault | None:
        """The oldest pending fault for ``protocol``, consuming one use (lock held)."""
        return self._faults.take(protocol)

    # --- The app ----------------------------------------------------------------------

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/model/{model_id:path}/converse", self._bedrock, methods=["POST"]),
                Route("/v1/messages", self._anthropic, methods=["POST"]),
                Route("/v1/chat/completions", self._openai, methods=["POST"]),
            ]
        )

    async def _enter(self, request: Request, protocol: Protocol, model: str) -> Received | Response:
        """Parse and record the request, then apply latency and faults.

        Returns the record, or the answer to send right away (a bad body, an
        injected failure, a hang the client gave up on).
        """
        raw = await request.body()  # read first: a hang then waits for a disconnect
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _error(protocol, 400, "the request body is not a JSON object")
        system, user = _texts(protocol, body)
        received = Received(
            protocol=protocol,
            path=request.url.path,
            model=model or str(body.get("model") or ""),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
            system=system,
            user=user,
        )
        with self._lock:
            self._received.append(received)
            latency = self.latency
            fault = self._take_fault(protocol)
        if latency > 0:
            await asyncio.sleep(latency)
        if fault is not None and fault.kind == "hang":
            if await _sleep_unless_client_leaves(request, fault.seconds):
                return Response(status_code=499)  # nobody is listening
        elif fault is not None:
            return _failure(protocol, fault, _presented_key(protocol, received))
        return received

    def _answer(self, received: Received) -> _Answer:
        with self._lock:
            reply = self._replies.pop(0) if self._replies else None
        if reply is None:
            reply = Reply(self._default_reply(received))
        output = reply.output_tokens
        if output is None:
            output = _tokens(reply.text or "")
        if reply.input_tokens is not None:
            return _Answer(reply, reply.input_tokens, output)
        return _Answer(reply, _tokens(received.system + received.user), output)

    # --- Bedrock Converse -------------------------------------------------------------

    async def _bedrock(self, request: Request) -> Response:
        started = time.monotonic()
        received = await self._enter(request, "bedrock", request.path_params["model_id"])
        if isinstance(received, Response):
            return received
        if not request.headers.get("authorization"):
            return _bedrock_error(
                403, "MissingAuthenticationTokenException", "Missing Authentication Token"
            )
        messages = received.body.get("messages")
        if not isinstance(messages, list) or not messages:
            return _bedrock_error(400, "ValidationException", "messages must not be empty")
        config = received.body.get("inferenceConfig") or {}
        max_tokens = config.get("maxTokens") if isinstance(config, dict) else None
        if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
            return _bedrock_error(400, "ValidationException", "maxTokens must be at least 1")
        answer = self._answer(received)
        content = [{"text": answer.reply.text}] if answer.reply.text else []
        return JSONResponse(
            {
                "output": {"message": {"role": "assistant", "content": content}},
                "stopReason": _stop("bedrock", answer.reply),
                "usage": {
                    "inputTokens": answer.input_tokens,
                    "outputTokens": answer.output_tokens,
                    "totalTokens": answer.input_tokens + answer.output_tokens,
                },
                "metrics": {"latencyMs": int((time.monotonic() - started) * 1000)},
            },
            headers={"x-amzn-RequestId": str(uuid.uuid4())},
        )

    # --- Anthropic Messages -----------------------------------------------------------

    async def _anthropic(self, request: Request) -> Response:
        received = await self._enter(request, "anthropic", "")
        if isinstance(received, Response):
            return received
        presented = _presented_key("anthropic", received)
        if self.api_key is not None and presented != self.api_key:
            return _error("anthropic", 401, f"invalid x-api-key: {presented}")
        if not received.headers.get("anthropic-version"):
            return _error("anthropic", 400, "anthropic-version: header is required")
        body = received.body
        problem = None
        if not isinstance(body.get("model"), str) or not body["model"]:
            problem = "model: Field required"
        elif not isinstance(body.get("max_tokens"), int) or body["max_tokens"] < 1:
            problem = "max_tokens: Field required"
        elif not isinstance(body.get("messages"), list) or not body["messages"]:
            problem = "messages: at least one message is required"
        if problem:
            return _error("anthropic", 400, problem)
        answer = self._answer(received)
        if answer.reply.input_tokens is None:
            self._account_cache(body, received, answer)
        text = answer.reply.text
        return JSONResponse(
            {
                "id": f"msg_{uuid.uuid4().hex[:24]}",
                "type": "message",
                "role": "assistant",
                "model": body["model"],
                "content": [{"type": "text", "text": text}] if text else [],
                "stop_reason": _stop("anthropic", answer.reply),
                "stop_sequence": None,
                "usage": {
                    "input_tokens": answer.input_tokens,
                    "output_tokens": answer.output_tokens,
                    "cache_creation_input_tokens": answer.cache_write,
                    "cache_read_input_tokens": answer.cache_read,
                },
            },
            headers={"request-id": f"req_{uuid.uuid4().hex[:24]}"},
        )

    def _account_cache(self, body: dict[str, Any], received: Received, answer: _Answer) -> None:
        """Split the input tokens into cached prefix and the rest, as the API reports."""
        blocks = body.get("system")
        if not isinstance(blocks, list):
            return
        prefix: list[str] = []
        cached: str | None = None
        for block in blocks:
            if isinstance(block, dict) and isinstance(block.get("text"), str):
                prefix.append(block["text"])
                if isinstance(block.get("cache_control"), dict):
                    cached = "\n".join(prefix)
        if cached is None:
            return
        key = hashlib.sha256(f"{body.get('model')}\0{cached}".encode()).hexdigest()
        tokens = _tokens(cached)
        with self._lock:
            seen = key in self._cached
            self._cached.add(key)
        if seen:
            answer.cache_read = tokens
        else:
            answer.cache_write = tokens
        answer.input_tokens = max(1, _tokens(received.system + received.user) - tokens)

    # --- OpenAI chat completions ------------------------------------------------------

    async def _openai(self, request: Request) -> Response:
        received = await self._enter(request, "openai", "")
        if isinstance(received, Response):
            return received
        presented = _presented_key("openai", received)
        if self.api_key is not None and presented != self.api_key:
            return _error("openai", 401, f"Incorrect API key provided: {presented}")
        body = received.body
        if not isinstance(body.get("model"), str) or not body["model"]:
            return _error("openai", 400, "you must provide a model parameter")
        if not isinstance(body.get("messages"), list) or not body["messages"]:
            return _error("openai", 400, "messages must be a non-empty array")
        answer = self._answer(received)
        payload: dict[str, Any] = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": answer.reply.text,
                        "refusal": None,
                    },
                    "logprobs": None,
                    "finish_reason": _stop("openai", answer.reply),
                }
            ],
        }
        if answer.reply.usage:
            payload["usage"] = {
                "prompt_tokens": answer.input_tokens,
                "completion_tokens": answer.output_tokens,
                "total_tokens": answer.input_tokens + answer.output_tokens,
            }
        return JSONResponse(payload)


# --- Shapes ----------------------------------------------------------------------------


def _texts(protocol: Protocol, body: dict[str, Any]) -> tuple[str, str]:
    """(system text, last user message text) from a request body of ``protocol``."""
    messages = body.get("messages")
    messages = messages if isinstance(messages, list) else []
    if protocol == "openai":
        system = [
            _flatten(m.get("content"))
            for m in messages
            if isinstance(m, dict) and m.get("role") in ("system", "developer")
        ]
    else:
        system = [_flatten(body.get("system"))]
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    user = _flatten(users[-1].get("content")) if users else ""
    return "\n".join(s for s in system if s), user


def _flatten(content: object) -> str:
    """Text of a string or of a list of blocks ({"text": ...} or {"type": "text", ...})."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            block["text"]
            for block in content
            if isinstance(block, dict) and isinstance(block.get("text"), str)
        )
    return ""


def _stop(protocol: Protocol, reply: Reply) -> str:
    normal, refused, truncated = _STOP[protocol]
    if reply.refused:
        return refused
    return truncated if reply.truncated else normal


def _presented_key(protocol: Protocol, received: Received) -> str:
    headers = received.headers
    authorization = headers.get("authorization", "")
    if protocol == "bedrock":
        match = _CREDENTIAL.search(authorization)
        return match.group(1) if match else ""
    if protocol == "anthropic" and headers.get("x-api-key"):
        return headers["x-api-key"]
    scheme, _, token = authorization.partition(" ")
    return token if scheme.lower() == "bearer" else ""


def _failure(protocol: Protocol, fault: _Fault, presented: str) -> Response:
    headers = _bedrock_headers(_bedrock_code(fault.status)) if protocol == "bedrock" else {}
    if isinstance(fault.body, dict | list):
        return JSONResponse(fault.body, status_code=fault.status, headers=headers)
    if isinstance(fault.body, str):
        return Response(fault.body, status_code=fault.status, headers=headers)
    return _error(protocol, fault.status, f"injected failure (credential: {presented})")


def _error(protocol: Protocol, status: int, message: str) -> Response:
    """The protocol's own error shape for ``status``."""
    if protocol == "bedrock":
        return _bedrock_error(status, _bedrock_code(status), message)
    if protocol == "anthropic":
        error_type = _ANTHROPIC_TYPES.get(
            status, "api_error" if status >= 500 else "invalid_request_error"
        )
        request_id = f"req_{uuid.uuid4().hex[:24]}"
        return JSONResponse(
            {
                "type": "error",
                "error": {"type": error_type, "message": message},
                "request_id": request_id,
            },
            status_code=status,
            headers={"request-id": request_id},
        )
    openai_type, code = _OPENAI_TYPES.get(
        status, ("server_error", None) if status >= 500 else ("invalid_request_error", None)
    )
    return JSONResponse(
        {"error": {"message": message, "type": openai_type, "param": None, "code": code}},
        status_code=status,
    )


def _bedrock_code(status: int) -> str:
    fallback = "InternalServerException" if status >= 500 else "ValidationException"
    return _BEDROCK_CODES.get(status, fallback)


def _bedrock_headers(code: str) -> dict[str, str]:
    return {
        "x-amzn-ErrorType": f"{code}:{_BEDROCK_NAMESPACE}",
        "x-amzn-RequestId": str(uuid.uuid4()),
    }


def _bedrock_error(status: int, code: str, message: str) -> Response:
    return JSONResponse({"message": message}, status_code=status, headers=_bedrock_headers(code))


def _default_reply(received: Received) -> str:
    """A line naming the album to caption, or the first listed artist.

    The name is read from the numbered lists of Liner's own prompt
    (``liner.adapters.writer.prompt``); other prompts get a line naming nothing.
    """
    pick = hashlib.sha256(received.user.encode()).digest()[0]
    captioned = _CAPTIONED.search(received.user)
    if captioned:
        return _CAPTION_LINES[pick % len(_CAPTION_LINES)].format(name=captioned.group(1))
    first = _FIRST_ITEM.search(received.user)
    if first:
        return _BIO_LINES[pick % len(_BIO_LINES)].format(name=first.group(1))
    return _PLAIN_LINES[pick % len(_PLAIN_LINES)]


def _tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


async def _sleep_unless_client_leaves(request: Request, seconds: float) -> bool:
    """Sleep ``seconds``; stop early and return True if the client disconnects."""

    async def client_left() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass

    watcher = asyncio.ensure_future(client_left())
    sleeper = asyncio.ensure_future(asyncio.sleep(seconds))
    try:
        await asyncio.wait({watcher, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        return watcher.done() and not watcher.cancelled()
    finally:
        for task in (watcher, sleeper):
            task.cancel()
        await asyncio.gather(watcher, sleeper, return_exceptions=True)
