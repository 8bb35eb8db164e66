"""The Bedrock writer: one Converse call per note.

External contract (Amazon Bedrock Runtime, rest-json, SigV4):

- ``POST /model/{modelId}/converse`` with ``system=[{"text": <system>}]``,
  ``messages=[{"role": "user", "content": [{"text": <user>}]}]`` and
  ``inferenceConfig={"maxTokens": ..., "temperature": ...}``.
- The answer: ``output.message.content`` (text blocks are joined; reasoning or
  other blocks are skipped), ``stopReason`` and ``usage.inputTokens`` /
  ``usage.outputTokens``. The response names no model, so ``Written.model`` is
  the configured model id.
- ``stopReason`` ``guardrail_intervened`` / ``content_filtered`` (the provider
  refused) and ``malformed_model_output`` / ``model_context_window_exceeded``
  become ``WriterUnavailable``. ``max_tokens`` returns the text as it is: the
  checker rejects it as too long (``max_tokens`` should leave headroom over the
  longest allowed note so a cut-off answer is always over the limit).
- Errors arrive as ``x-amzn-ErrorType: <Code>:<namespace>`` plus
  ``{"message": ...}``. Throttling, access, validation, model and 5xx errors
  become ``WriterUnavailable``; read/connect timeouts and
  ``ModelTimeoutException`` become ``WriterTimeout``. Messages name the error
  code only, never the provider's text, a request id or a key; the botocore
  error is chained for logs (AWS never receives the secret key, only a signature).
- Endpoint and region: ``endpoint_url`` / ``region_name`` when given, otherwise
  boto3's resolution (``AWS_ENDPOINT_URL_BEDROCK_RUNTIME``, ``AWS_REGION``, ...).
- Each attempt may take ``timeout`` seconds to connect and ``timeout`` to read;
  botocore tries twice at most ("standard" retry mode), so a call is bounded by
  roughly twice the timeout plus a short backoff.

boto3 is blocking, so each call runs in a worker thread (``asyncio.to_thread``).
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from liner.adapters.writer.prompt import TEMPERATURE, build_prompt
from liner.ports.writer import NoteRequest, WriterTimeout, WriterUnavailable, Written

if TYPE_CHECKING:
    from mypy_boto3_bedrock_runtime import BedrockRuntimeClient
    from mypy_boto3_bedrock_runtime.type_defs import ConverseResponseTypeDef

__all__ = ["BedrockWriter"]

log = logging.getLogger(__name__)

_REFUSED = frozenset({"guardrail_intervened", "content_filtered"})
_FAILED = frozenset({"malformed_model_output", "model_context_window_exceeded"})
_THROTTLED = frozenset(
    {"ThrottlingException", "ModelNotReadyException", "ServiceQuotaExceededException"}
)
_DENIED = frozenset(
    {
        "AccessDeniedException",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "ExpiredTokenException",
        "MissingAuthenticationTokenException",
    }
)
_CODE = re.compile(r"[A-Za-z][A-Za-z0-9]{0,63}")


class BedrockWriter:
    """Writes notes with a Bedrock model through the Converse API."""

    name = "bedrock"

    def __init__(
        self,
        model_id: str,
        *,
        region_name: str | None,
        endpoint_url: str | None,
        timeout: float,
        max_tokens: int,
    ) -> None:
        self.model_id = model_id
        self.max_tokens = max_tokens
        config = Config(
            connect_timeout=timeout,
            read_timeout=timeout,
            retries={"max_attempts": 2, "mode": "standard"},
        )
        # A session of our own: the default one is shared and not thread-safe to build
        # clients from. Creating a client makes no network call.
        self._client: BedrockRuntimeClient = boto3.session.Session().client(
            "bedrock-runtime", region_name=region_name, endpoint_url=endpoint_url, config=config
        )

    async def write(self, request: NoteRequest) -> Written:
        prompt = build_prompt(request)
        try:
            response = await asyncio.to_thread(self._converse, prompt.system, prompt.user)
        except (ReadTimeoutError, ConnectTimeoutError) as exc:
            log.warning("bedrock converse timed out (%s)", type(exc).__name__)
            raise WriterTimeout("Bedrock took too long to answer") from exc
        except (BotoConnectionError, ConnectionClosedError) as exc:
            log.warning("bedrock converse could not connect")
            raise WriterUnavailable("could not reach Bedrock") from exc
        except (NoCredentialsError, PartialCredentialsError) as exc:
            raise WriterUnavailable("no usable AWS credentials for Bedrock") from exc
        except ClientError as exc:
            raise _client_error(exc) from exc
        except BotoCoreError as exc:
            log.warning("bedrock converse failed (%s)", type(exc).__name__)
            raise WriterUnavailable("the call to Bedrock failed") from exc
        return self._written(response)

    async def aclose(self) -> None:
        self._client.close()

    def _converse(self, system: str, user: str) -> ConverseResponseTypeDef:
        return self._client.converse(
            modelId=self.model_id,
            system=[{"text": system}],
            messages=[{"role": "user", "content": [{"text": user}]}],
            inferenceConfig={"maxTokens": self.max_tokens, "temperature": TEMPERATURE},
        )

    def _written(self, response: ConverseResponseTypeDef) -> Written:
        stop = response.get("stopReason")
        if stop in _REFUSED:
            raise WriterUnavailable("Bedrock declined to write this (content filter)")
        if stop in _FAILED:
            raise WriterUnavailable(f"Bedrock could not finish the text ({stop})")
        message: dict[str, Any] = dict(response.get("output", {}).get("message") or {})
        blocks = message.get("content") or []
        text = "".join(
            block["text"]
            for block in blocks
            if isinstance(block, dict) and isinstance(block.get("text"), str)
        ).strip()
        if not text:
            raise WriterUnavailable("the model returned no text")
        usage = response.get("usage") or {}
        return Written(
            text=text,
            input_tokens=int(usage.get("inputTokens") or 0),
            output_tokens=int(usage.get("outputTokens") or 0),
            model=self.model_id,
        )


def _client_error(exc: ClientError) -> WriterUnavailable:
    """A short, safe error for a service error: the code, never the provider's text."""
    error = exc.response.get("Error", {})
    raw_code = str(error.get("Code") or "")
    code = raw_code if _CODE.fullmatch(raw_code) else "UnknownError"
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    log.warning("bedrock converse failed: %s (HTTP %s)", code, status)
    if code == "ModelTimeoutException":
        return WriterTimeout("the Bedrock model took too long to answer")
    if code in _THROTTLED or status == 429:
        return WriterUnavailable("Bedrock is throttling requests; try again in a minute")
    if code in _DENIED or status in (401, 403):
        return WriterUnavailable(
            "Bedrock refused the request: check the AWS credentials, IAM permissions "
            "and model access"
        )
    if code == "ResourceNotFoundException":
        return WriterUnavailable("Bedrock does not know the model (check the model id and region)")
    if code == "ValidationException":
        return WriterUnavailable("Bedrock rejected the request (check the model id and settings)")
    if status >= 500 or code in {"ModelErrorException", "InternalServerException"}:
        return WriterUnavailable(f"Bedrock is unavailable right now ({code}, HTTP {status})")
    return WriterUnavailable(f"Bedrock answered with an error ({code}, HTTP {status})")
