"""The OpenAI-compatible writer: one chat completion per note, through the official SDK.

Any server that speaks ``POST {base_url}/chat/completions`` works: OpenAI
itself, Ollama (``http://127.0.0.1:11434/v1``), vLLM, llama.cpp's server,
LM Studio. Local servers usually want no key; the SDK insists on one, so a
placeholder is sent when none is configured.

External contract:

- Request: ``model``, ``messages=[{"role": "system", ...}, {"role": "user", ...}]``,
  ``max_tokens`` (the older name, which local servers understand) and
  ``temperature``.
- Answer: ``choices[0].message.content``; none, empty or blank -> ``WriterUnavailable``
  ("the model returned no text"). ``finish_reason == "content_filter"`` ->
  ``WriterUnavailable``; ``"length"`` returns the text for the checker to reject.
  ``usage`` may be missing (several local servers omit it): then 0 tokens.
- Failures: timeouts -> ``WriterTimeout``; connection errors, 401/403, 404,
  429, 400 and 5xx -> ``WriterUnavailable`` with a fixed message naming the
  HTTP status. The provider's error text is never repeated and the SDK error is
  not chained: OpenAI's 401 body echoes (part of) the key it was given.
- The SDK retries once (``max_retries=1``); each attempt may take ``timeout`` seconds.
"""

from __future__ import annotations

import logging

import openai

from liner.adapters.writer.prompt import TEMPERATURE, build_prompt
from liner.ports.writer import NoteRequest, WriterTimeout, WriterUnavailable, Written

__all__ = ["OpenAICompatWriter"]

log = logging.getLogger(__name__)

_PLACEHOLDER_KEY = "not-needed"  # what keyless local servers get: the SDK insists on a key


class OpenAICompatWriter:
    """Writes notes with any model behind an OpenAI-compatible chat completions API."""

    name = "openai"

    def __init__(
        self,
        model: str,
        *,
        base_url: str,
        api_key: str | None,
        timeout: float,
        max_tokens: int,
    ) -> None:
        self.model = model
        self.max_tokens = max_tokens
        self._client = openai.AsyncOpenAI(
            base_url=base_url,
            api_key=api_key or _PLACEHOLDER_KEY,
            timeout=timeout,
            max_retries=1,
        )

    async def write(self, request: NoteRequest) -> Written:
        prompt = build_prompt(request)
        try:
            completion = await self._client.chat.completions.create(
                model=self.model,
                messages=[
                    {"role": "system", "content": prompt.system},
                    {"role": "user", "content": prompt.user},
                ],
                max_tokens=self.max_tokens,
                temperature=TEMPERATURE,
            )
        except openai.APIError as exc:
            raise _failure(exc) from None
        if not completion.choices:
            raise WriterUnavailable("the model returned no text")
        choice = completion.choices[0]
        if choice.finish_reason == "content_filter":
            raise WriterUnavailable("the model declined to write this (content filter)")
        text = (choice.message.content or "").strip()
        if not text:
            raise WriterUnavailable("the model returned no text")
        usage = completion.usage
        return Written(
            text=text,
            input_tokens=(usage.prompt_tokens or 0) if usage is not None else 0,
            output_tokens=(usage.completion_tokens or 0) if usage is not None else 0,
            model=completion.model or self.model,
        )

    async def aclose(self) -> None:
        await self._client.close()


def _failure(exc: openai.APIError) -> WriterUnavailable:
    """A short, safe error: a fixed sentence and the HTTP status, nothing from the body."""
    if isinstance(exc, openai.APITimeoutError):
        log.warning("chat completion timed out")
        return WriterTimeout("the model server took too long to answer")
    if isinstance(exc, openai.APIConnectionError):
        log.warning("chat completion could not connect")
        return WriterUnavailable("could not reach the model server")
    if not isinstance(exc, openai.APIStatusError):
        log.warning("chat completion failed (%s)", type(exc).__name__)
        return WriterUnavailable("the model server sent an answer Liner could not read")
    status = exc.status_code
    log.warning("chat completion failed: HTTP %s", status)
    if status in (401, 403):
        return WriterUnavailable(
            f"the model server refused the API key (HTTP {status}); check the key"
        )
    if status == 404:
        return WriterUnavailable(
            "the model server does not know the model or the path (HTTP 404); "
            "check the model name and the base URL"
        )
    if status == 429:
        return WriterUnavailable("the model server is rate limiting requests (HTTP 429)")
    if status in (408, 504):
        return WriterTimeout(f"the model server took too long to answer (HTTP {status})")
    if status >= 500:
        return WriterUnavailable(f"the model server is unavailable right now (HTTP {status})")
    return WriterUnavailable(f"the model server rejected the request (HTTP {status})")
