"""The item backend: a narrow API with DynamoDB semantics, under the store.

Items are flat mappings of attribute name to a value that is ``str``, ``int``,
``bool``, ``None``, or a ``list``/``dict`` of those (no floats, no bytes: encode
them as strings). Every item has a string partition key ``pk`` and sort key
``sk``. Items may carry ``gsi1pk``/``gsi1sk`` to appear in the ``gsi1`` index, and
an integer ``ttl`` (epoch seconds) after which the item is treated as absent.

Backends (memory, SQLite, DynamoDB) pass one contract suite
(``tests/integration/store``). Every method is blocking and costs exactly one
round trip to the backend; services call them from a worker thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeAlias

Item: TypeAlias = dict[str, Any]

GSI1 = "gsi1"


@dataclass(frozen=True, slots=True)
class Key:
    pk: str
    sk: str


# --- Conditions: a tiny expression tree every backend can evaluate ----------


@dataclass(frozen=True, slots=True)
class Exists:
    """The attribute is present (for ``pk``: the item exists)."""

    attr: str = "pk"


@dataclass(frozen=True, slots=True)
class NotExists:
    """The attribute is absent (for ``pk``: the item does not exist)."""

    attr: str = "pk"


@dataclass(frozen=True, slots=True)
class Compare:
    """``attr <op> value``. As in DynamoDB, comparing an absent attribute is false,
    except ``<>``, which is true. Conditions see items past their ``ttl``."""

    attr: str
    op: str  # one of "=", "<>", "<", "<=", ">", ">="
    value: str | int | bool


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Condition, ...]


Condition: TypeAlias = Exists | NotExists | Compare | And | Or


# --- Writes -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Put:
    """Create or replace a whole item (must contain ``pk`` and ``sk``)."""

    item: Mapping[str, Any]
    condition: Condition | None = None


@dataclass(frozen=True, slots=True)
class Update:
    """Change some attributes in place; creates the item if absent (as DynamoDB does).

    ``set`` assigns values, ``add`` adds integers to numeric attributes (absent
    counts as 0), ``remove`` deletes attributes. Other attributes are untouched.
    """

    key: Key
    set: Mapping[str, Any] = field(default_factory=dict)
    add: Mapping[str, int] = field(default_factory=dict)
    remove: tuple[str, ...] = ()
    condition: Condition | None = None


@dataclass(frozen=True, slots=True)
class Delete:
    key: Key
    condition: Condition | None = None


@dataclass(frozen=True, slots=True)
class Check:
    """A condition on an item that the transaction does not write."""

    key: Key
    condition: Condition


WriteOp: TypeAlias = Put | Update | Delete | Check


# --- Errors -----------------------------------------------------------------


class StoreError(Exception):
    """The backend failed (unreachable, throttled, misconfigured)."""


class ConditionFailed(StoreError):
    """A single conditional write found its condition false. Nothing was written."""


class TransactionCancelled(StoreError):
    """A transaction wrote nothing. ``reasons[i]`` explains operation ``i``:
    ``"ConditionalCheckFailed"``, another backend code, or ``None`` if that
    operation was not at fault."""

    def __init__(self, reasons: Sequence[str | None]) -> None:
        super().__init__(f"transaction cancelled: {list(reasons)}")
        self.reasons = list(reasons)

    @property
    def condition_failed(self) -> bool:
        return "ConditionalCheckFailed" in self.reasons


# --- The port ---------------------------------------------------------------


class ItemStore(Protocol):
    """One table. Each call is one round trip (counted in ``round_trips``)."""

    round_trips: int

    def close(self) -> None:
        """Release connections (SQLite file handle, HTTP pool)."""
        ...

    def get(self, key: Key) -> Item | None:
        """Strongly consistent read of one item, or None (also when its ttl passed)."""
        ...

    def batch_get(self, keys: Sequence[Key]) -> list[Item]:
        """Read up to 100 distinct items in one round trip; missing ones are left out.
        The order of the result is unspecified."""
        ...

    def query(
        self,
        pk: str,
        *,
        sk_prefix: str | None = None,
        index: str | None = None,
        limit: int | None = None,
        descending: bool = False,
        sk_lte: str | None = None,
    ) -> list[Item]:
        """Items whose partition key is ``pk`` (on ``index`` when given: ``gsi1`` uses
        ``gsi1pk``/``gsi1sk``), ordered by sort key, optionally only those whose
        sort key starts with ``sk_prefix`` or is <= ``sk_lte``."""
        ...

    def write(self, op: Put | Update | Delete) -> Item | None:
        """One conditional write. Raises ConditionFailed. For Update returns the
        item as it is after the write; otherwise None."""
        ...

    def transact(self, ops: Sequence[WriteOp]) -> None:
        """All-or-nothing write of up to 100 operations on distinct items.
        Raises TransactionCancelled with a reason per operation."""
        ...

    # Reads on ``gsi1`` are eventually consistent on DynamoDB: never read-after-write there.

    def create_table(self) -> bool:
        """Create the table and its indexes if missing. Returns True if it created."""
        ...
