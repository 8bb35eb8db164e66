"""One contract, every model writer: Bedrock, Anthropic and OpenAI-compatible,
each against the fake model peer on 127.0.0.1 over its real wire protocol."""

from __future__ import annotations

import dataclasses
import json
import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from liner.domain.notes import check, names_in, rules_for
from liner.ports.writer import NoteRequest, WriterTimeout, WriterUnavailable
from liner.sandbox.models import Reply

if TYPE_CHECKING:  # annotations only: the harness comes from this folder's conftest fixtures
    from conftest import WriterHarness

MakeRequest = Callable[..., NoteRequest]


def _sent(writer: WriterHarness) -> str:
    """Everything the peer received, as one string."""
    return "\n".join(json.dumps(r.body) for r in writer.peer.requests)


# --- Answers --------------------------------------------------------------------------


def test_it_returns_the_scripted_text_and_token_usage(
    writer: WriterHarness, make_request: MakeRequest
) -> None:
    writer.peer.queue(Reply("  Keeps returning to Salt Year.\n", input_tokens=321, output_tokens=9))

    written = writer.write(make_request("alice"))

    assert written.text == "Keeps returning to Salt Year."
    assert (written.input_tokens, written.output_tokens) == (321, 9)
    assert written.model == writer.model


@pytest.mark.parametrize(("kind", "album_id"), [("bio", None), ("caption", "alice-al2")])
def test_the_default_reply_names_something_and_passes_the_checker(
    writer: WriterHarness, make_request: MakeRequest, kind: str, album_id: str | None
) -> None:
    request = make_request("alice", kind=kind, album_id=album_id)

    written = writer.write(request)

    assert check(written.text, kind=request.kind, names=names_in(request.snapshot)) == []
    assert ("Tallow Songs" if kind == "caption" else "Corvid Lane") in written.text
    assert written.input_tokens > 0
    assert written.output_tokens > 0


def test_it_returns_a_cut_off_answer_for_the_checker_to_judge(
    writer: WriterHarness, make_request: MakeRequest
) -> None:
    writer.peer.queue(Reply("Keeps returning to Salt Year and", truncated=True))

    assert writer.write(make_request("alice")).text == "Keeps returning to Salt Year and"


@pytest.mark.parametrize("text", ["", "  \n ", None], ids=["empty", "blank", "none"])
def test_an_empty_answer_becomes_writer_unavailable(
    writer: WriterHarness, make_request: MakeRequest, text: str | None
) -> None:
    writer.peer.reply(text)

    error = writer.failure(make_request("alice"))

    assert type(error) is WriterUnavailable
    assert str(error) == "the model returned no text"


def test_a_refusal_becomes_writer_unavailable(
    writer: WriterHarness, make_request: MakeRequest
) -> None:
    writer.peer.queue(Reply("I would rather not.", refused=True))

    error = writer.failure(make_request("alice"))

    assert type(error) is WriterUnavailable
    assert "declined" in str(error)


# --- What is sent ---------------------------------------------------------------------


def test_the_rules_go_in_the_system_part_and_the_persons_data_in_the_user_part(
    writer: WriterHarness, make_request: MakeRequest, alice_email: str
) -> None:
    writer.write(make_request("alice"))

    received = writer.peer.last
    assert received.model == writer.model
    for rule in rules_for("bio"):
        assert rule in received.system
    assert "Alice Liddell" in received.user
    assert "Salt Year" in received.user
    assert "Tallow Songs" in received.user
    assert "Alice Liddell" not in received.system
    assert "Salt Year" not in received.system
    assert alice_email not in _sent(writer)


def test_the_system_part_is_the_same_for_alice_and_bob(
    writer: WriterHarness, make_request: MakeRequest
) -> None:
    writer.write(make_request("alice"))
    writer.write(make_request("bob"))

    alice, bob = writer.peer.requests
    assert alice.system == bob.system
    assert alice.user != bob.user


def test_a_display_name_that_is_an_email_address_is_never_sent(
    writer: WriterHarness, make_request: MakeRequest, alice_email: str
) -> None:
    request = dataclasses.replace(make_request("alice"), display_name=alice_email)

    writer.write(request)

    assert alice_email not in _sent(writer)
    assert "Salt Year" in writer.peer.last.user


def test_a_caption_request_names_its_album(
    writer: WriterHarness, make_request: MakeRequest
) -> None:
    writer.write(make_request("alice", kind="caption", album_id="alice-al2"))

    received = writer.peer.last
    assert "caption for the album Tallow Songs by Ivy Tallow" in received.user
    for rule in rules_for("caption"):
        assert rule in received.system


def test_a_retry_prompt_carries_the_rejected_text_and_the_violations(
    writer: WriterHarness, make_request: MakeRequest
) -> None:
    writer.write(make_request("alice"))
    retry = make_request(
        "alice",
        seed=7,
        previous="An eclectic listener with impeccable taste!",
        feedback=("uses the banned word 'eclectic'", "ends with an exclamation mark"),
    )

    writer.write(retry)

    first, second = writer.peer.requests
    assert "rejected" not in first.user
    assert "An eclectic listener with impeccable taste!" in second.user
    assert "uses the banned word 'eclectic'" in second.user
    assert "ends with an exclamation mark" in second.user
    assert second.system == first.system


# --- Failures -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (500, "unavailable"),
        (503, "unavailable"),
        (429, "rat"),  # "rate limiting" / "throttling ... try again"
        (401, "refused"),
        (403, "refused"),
    ],
)
def test_a_provider_error_becomes_writer_unavailable_without_secrets_or_provider_text(
    writer: WriterHarness, make_request: MakeRequest, status: int, words: str
) -> None:
    writer.peer.fail_next(5, status)  # more than the adapters' retries

    error = writer.failure(make_request("alice"))

    assert type(error) is WriterUnavailable
    message = str(error)
    assert words in message.lower() or (status == 429 and "throttl" in message.lower())
    assert writer.secret not in message
    assert "injected failure" not in message  # the provider's own text is not repeated
    assert writer.secret not in "".join(traceback.format_exception(error))


def test_a_hang_beyond_the_timeout_becomes_writer_timeout_promptly(
    writer: WriterHarness, make_request: MakeRequest
) -> None:
    writer.peer.hang_next(5, 30)

    started = time.monotonic()
    error = writer.failure(make_request("alice"), timeout=0.5)
    elapsed = time.monotonic() - started

    assert isinstance(error, WriterTimeout)
    assert elapsed < 5  # two attempts of 0.5 s plus a backoff, never the 30 s hang


def test_a_slow_answer_within_the_timeout_is_fine(
    writer: WriterHarness, make_request: MakeRequest
) -> None:
    writer.peer.latency = 0.2
    writer.peer.reply("Keeps returning to Salt Year.")

    assert writer.write(make_request("alice"), timeout=3).text.startswith("Keeps")


def test_one_transient_failure_is_retried(writer: WriterHarness, make_request: MakeRequest) -> None:
    writer.peer.fail_next(1, 503)
    writer.peer.reply("Keeps returning to Salt Year.")

    assert writer.write(make_request("alice")).text == "Keeps returning to Salt Year."
    assert len(writer.peer.requests) == 2


def test_an_unreachable_endpoint_becomes_writer_unavailable(
    writer: WriterHarness, make_request: MakeRequest, dead_url: str
) -> None:
    error = writer.failure(make_request("alice"), base_url=dead_url, timeout=2)

    assert isinstance(error, WriterUnavailable)
    assert "reach" in str(error)


# --- Provider specifics ---------------------------------------------------------------


def test_anthropic_marks_the_system_prompt_for_prompt_caching(
    writer_for: Callable[[str], WriterHarness], make_request: MakeRequest
) -> None:
    anthropic = writer_for("anthropic")

    anthropic.write(make_request("alice"))

    body = anthropic.peer.last.body
    assert body["system"] == [
        {
            "type": "text",
            "text": anthropic.peer.last.system,
            "cache_control": {"type": "ephemeral"},
        }
    ]
    assert body["messages"] == [{"role": "user", "content": anthropic.peer.last.user}]
    assert body["max_tokens"] == 300
    headers = anthropic.peer.last.headers
    # Older SDKs send x-api-key, newer ones a bearer token; the key either way.
    assert anthropic.secret in (headers.get("x-api-key"), headers.get("authorization", "")[7:])
    assert anthropic.peer.last.headers.get("anthropic-version")


def test_anthropic_counts_cached_prompt_tokens_as_input(
    writer_for: Callable[[str], WriterHarness], make_request: MakeRequest
) -> None:
    anthropic = writer_for("anthropic")

    first = anthropic.write(make_request("alice"))
    second = anthropic.write(make_request("alice"))

    # The peer reports the system prompt as a cache write, then as a cache read;
    # either way the whole prompt was input.
    assert first.input_tokens == second.input_tokens > 0


def test_bedrock_sends_a_converse_request(
    writer_for: Callable[[str], WriterHarness], make_request: MakeRequest
) -> None:
    bedrock = writer_for("bedrock")

    bedrock.write(make_request("alice"))

    received = bedrock.peer.last
    assert received.path == f"/model/{bedrock.model}/converse"
    assert received.body["system"] == [{"text": received.system}]
    assert received.body["messages"] == [{"role": "user", "content": [{"text": received.user}]}]
    assert received.body["inferenceConfig"]["maxTokens"] == 300
    assert received.headers["authorization"].startswith("AWS4-HMAC-SHA256")


def test_bedrock_names_the_throttling(
    writer_for: Callable[[str], WriterHarness], make_request: MakeRequest
) -> None:
    bedrock = writer_for("bedrock")
    bedrock.peer.fail_next(5, 429)

    error = bedrock.failure(make_request("alice"))

    assert str(error) == "Bedrock is throttling requests; try again in a minute"


def test_bedrock_model_timeout_becomes_writer_timeout(
    writer_for: Callable[[str], WriterHarness], make_request: MakeRequest
) -> None:
    bedrock = writer_for("bedrock")
    bedrock.peer.fail_next(5, 408)

    assert isinstance(bedrock.failure(make_request("alice")), WriterTimeout)


def test_openai_sends_a_system_and_a_user_message(
    writer_for: Callable[[str], WriterHarness], make_request: MakeRequest
) -> None:
    openai = writer_for("openai")

    openai.write(make_request("alice"))

    body = openai.peer.last.body
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert body["max_tokens"] == 300
    assert openai.peer.last.headers["authorization"] == f"Bearer {openai.secret}"


def test_openai_without_usage_reports_zero_tokens(
    writer_for: Callable[[str], WriterHarness], make_request: MakeRequest
) -> None:
    openai = writer_for("openai")
    openai.peer.queue(Reply("Keeps returning to Salt Year.", usage=False))

    written = openai.write(make_request("alice"))

    assert (written.input_tokens, written.output_tokens) == (0, 0)
    assert written.text == "Keeps returning to Salt Year."


def test_openai_without_a_key_sends_a_placeholder_to_a_keyless_server(
    writer_for: Callable[[str], WriterHarness], make_request: MakeRequest
) -> None:
    openai = writer_for("openai")
    openai.peer.api_key = None

    openai.write(make_request("alice"), api_key=None)

    assert openai.peer.last.headers["authorization"] == "Bearer not-needed"


@pytest.mark.parametrize("kind", ["anthropic", "openai"])
def test_a_wrong_key_is_refused_without_repeating_it(
    writer_for: Callable[[str], WriterHarness], make_request: MakeRequest, kind: str
) -> None:
    subject = writer_for(kind)
    subject.peer.api_key = "sk-the-right-one"

    error = subject.failure(make_request("alice"))

    assert type(error) is WriterUnavailable
    assert "refused" in str(error)
    # The peer's 401 body echoes the key it was given, as OpenAI's does (masked).
    assert subject.secret not in "".join(traceback.format_exception(error))
