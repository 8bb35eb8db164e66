"""The Anthropic writer: one Messages API call per note, through the official SDK.

External contract (``POST {base_url}/v1/messages``, headers ``x-api-key`` and
``anthropic-version``, set by the SDK):

- Request: ``model``, ``max_tokens``,
  ``system=[{"type": "text", "text": <system>, "cache_control": {"type": "ephemeral"}}]``
  and ``messages=[{"role": "user", "content": <user>}]``. The system prompt is
  the same for every note of a kind, so marking it lets the provider cache it
  (it only caches prompts above the model's minimum length; below that the mark
  is ignored, never an error). No ``temperature``: this SDK generation no
  longer takes one, and the model's default sampling plus the prompt's
  variation hint give enough variety.
- Answer: ``content`` blocks of ``type == "text"`` are joined; ``stop_reason ==
  "refusal"`` becomes ``WriterUnavailable``; ``max_tokens`` returns the text for
  the checker to reject. ``Written.input_tokens`` is the whole prompt:
  ``input_tokens + cache_creation_input_tokens + cache_read_input_tokens``.
- Failures: timeouts -> ``WriterTimeout``; connection errors, 401/403, 404, 429,
  400 and 5xx/529 -> ``WriterUnavailable`` with a fixed message naming the HTTP
  status. The provider's error text is never repeated and the SDK error is not
  chained (bodies from proxies can echo a key); a log line names the status.
- The SDK retries once (``max_retries=1``) on connection errors, timeouts, 408,
  409, 429 and 5xx; each attempt may take ``timeout`` seconds.
"""

from __future__ import annotations

import logging

import anthropic

from liner.adapters.writer.prompt import build_prompt
from liner.ports.writer import NoteRequest, WriterTimeout, WriterUnavailable, Written

__all__ = ["AnthropicWriter"]

log = logging.getLogger(__name__)


class AnthropicWriter:
    """Writes notes with a Claude model through the Messages API."""

    name = "anthropic"

    def __init__(
        self,
        model: str,
        *,
        api_key: str,
        base_url: str | None,
        timeout: float,
        max_tokens: int,
    ) -> None:
        self.model = model
        self.max_tokens = max_tokens
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=1
        )

    async def write(self, request: NoteRequest) -> Written:
        prompt = build_prompt(request)
        try:
            message = await self._client.messages.create(
                model=self.model,
                max_tokens=self.max_tokens,
                system=[
                    {
                        "type": "text",
                        "text": prompt.system,
                        "cache_control": {"type": "ephemeral"},
                    }
                ],
                messages=[{"role": "user", "content": prompt.user}],
            )
        except anthropic.APIError as exc:
            raise _failure(exc) from None
        if message.stop_reason == "refusal":
            raise WriterUnavailable("Anthropic declined to write this (refusal)")
        text = "".join(block.text for block in message.content if block.type == "text").strip()
        if not text:
            raise WriterUnavailable("the model returned no text")
        usage = message.usage
        log.debug(
            "anthropic usage: input=%s cache_write=%s cache_read=%s output=%s",
            usage.input_tokens,
            usage.cache_creation_input_tokens,
            usage.cache_read_input_tokens,
            usage.output_tokens,
        )
        return Written(
            text=text,
            input_tokens=(usage.input_tokens or 0)
            + (usage.cache_creation_input_tokens or 0)
            + (usage.cache_read_input_tokens or 0),
            output_tokens=usage.output_tokens or 0,
            model=message.model or self.model,
        )

    async def aclose(self) -> None:
        await self._client.close()


def _failure(exc: anthropic.APIError) -> WriterUnavailable:
    """A short, safe error: a fixed sentence and the HTTP status, nothing from the body."""
    if isinstance(exc, anthropic.APITimeoutError):
        log.warning("anthropic messages.create timed out")
        return WriterTimeout("Anthropic took too long to answer")
    if isinstance(exc, anthropic.APIConnectionError):
        log.warning("anthropic messages.create could not connect")
        return WriterUnavailable("could not reach Anthropic")
    if not isinstance(exc, anthropic.APIStatusError):
        log.warning("anthropic messages.create failed (%s)", type(exc).__name__)
        return WriterUnavailable("Anthropic sent an answer Liner could not read")
    status = exc.status_code
    log.warning("anthropic messages.create failed: HTTP %s", status)
    if status in (401, 403):
        return WriterUnavailable(
            f"Anthropic refused the API key (HTTP {status}); check the key and its permissions"
        )
    if status == 404:
        return WriterUnavailable(
            "Anthropic does not know the model (HTTP 404); check the model name"
        )
    if status == 429:
        return WriterUnavailable("Anthropic is rate limiting requests (HTTP 429); try again soon")
    if status in (408, 504):
        return WriterTimeout(f"Anthropic took too long to answer (HTTP {status})")
    if status >= 500:
        return WriterUnavailable(f"Anthropic is unavailable right now (HTTP {status})")
    return WriterUnavailable(f"Anthropic rejected the request (HTTP {status})")
