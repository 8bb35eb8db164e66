"""The writer of liner notes: a short bio and one caption per top album.

A writer turns a ``NoteRequest`` (the person's data, what to write, a seed for
variety, and the rule violations of a rejected previous attempt) into text.
It does not judge its own output: the notes service checks every text against
``liner.domain.notes`` and retries with the violations named.

Adapters: ``offline`` (composes from the data, no model, no network) and model
writers (Bedrock Converse, Anthropic Messages, any OpenAI-compatible endpoint)
that share one prompt builder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from liner.domain.music import Snapshot

NoteKind = Literal["bio", "caption"]


@dataclass(frozen=True, slots=True)
class NoteRequest:
    kind: NoteKind
    snapshot: Snapshot
    display_name: str
    album_id: str | None = None  # required for a caption: which top album
    seed: int = 0  # a different seed should give a different version
    feedback: tuple[str, ...] = ()  # why the previous attempt was rejected, in words
    previous: str | None = None  # the rejected text, if any


@dataclass(frozen=True, slots=True)
class Written:
    text: str
    input_tokens: int = 0
    output_tokens: int = 0
    model: str = ""


class WriterError(Exception):
    """Base class; ``str(error)`` is safe to show a person (no keys, no raw bodies)."""


class WriterUnavailable(WriterError):
    """The provider failed: connection, 5xx, throttling, auth, or a refusal to answer."""


class WriterTimeout(WriterUnavailable):
    """The provider took too long."""


class Writer(Protocol):
    name: str

    async def write(self, request: NoteRequest) -> Written: ...
