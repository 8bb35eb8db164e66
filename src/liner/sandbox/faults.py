"""Misbehaviour switches shared by the fake peers: "the next N calls to X fail so".

A queue of pending faults, oldest first. Each fault targets one endpoint (or
protocol) or all of them (``None``) and lasts ``count`` calls. Not locked:
each fake already holds its own lock around calls.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Generic, TypeVar

F = TypeVar("F")


@dataclass
class _Pending(Generic[F]):
    target: str | None
    remaining: int
    fault: F


class FaultQueue(Generic[F]):
    def __init__(self, targets: Collection[str], *, noun: str = "endpoint") -> None:
        self._targets = targets
        self._noun = noun
        self._pending: list[_Pending[F]] = []

    def add(self, target: str | None, count: int, fault: F) -> None:
        if count < 1:
            raise ValueError("count must be at least 1")
        if target is not None and target not in self._targets:
            expected = tuple(self._targets)
            raise ValueError(f"unknown {self._noun} {target!r}; expected one of {expected}")
        self._pending.append(_Pending(target, count, fault))

    def take(self, target: str) -> F | None:
        """The oldest pending fault for ``target``, using up one of its calls."""
        for pending in self._pending:
            if pending.target is None or pending.target == target:
                pending.remaining -= 1
                if pending.remaining == 0:
                    self._pending.remove(pending)
                return pending.fault
        return None

    def clear(self) -> None:
        self._pending.clear()
