"""What every item backend shares: request validation, condition evaluation, ttl.

The memory and SQLite backends evaluate ``Condition`` trees and apply writes in
Python with the functions here; the DynamoDB backend validates requests with the
same functions before it sends them, so all three refuse the same things.

Semantics follow DynamoDB:

* A comparison only holds between values of the same DynamoDB type (``S``, ``N``,
  ``BOOL``); ``True`` is not ``1``. Comparing an absent attribute is false for
  every operator except ``<>``, which is true (an absent value is unequal to
  anything) — DynamoDB behaves this way, whatever a reader might expect.
* ``<``, ``<=``, ``>``, ``>=`` take a string or integer value; a bool is refused.
* Strings order by code point, which is the UTF-8 byte order DynamoDB uses.
* Conditions see stored items as they are, expired ones included; only reads
  hide items whose integer ``ttl`` is <= now.

Malformed requests (floats, bytes, a key attribute in an update, two operations
on one item in a transaction...) raise ``InvalidRequest`` before any I/O.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from liner.ports.items import (
    GSI1,
    And,
    Check,
    Compare,
    Condition,
    ConditionFailed,
    Delete,
    Exists,
    Item,
    Key,
    NotExists,
    Or,
    Put,
    StoreError,
    TransactionCancelled,
    Update,
    WriteOp,
)

MAX_BATCH_KEYS = 100
MAX_TRANSACTION_OPS = 100
# DynamoDB numbers keep 38 significant digits; refusing wider integers up front
# keeps the backends in agreement instead of letting only DynamoDB fail.
_INT_LIMIT = 10**38
KEY_ATTRS = ("pk", "sk")
INDEX_ATTRS = ("gsi1pk", "gsi1sk")
TTL_ATTR = "ttl"
_ORDER_OPS = frozenset({"<", "<=", ">", ">="})
COMPARE_OPS = frozenset({"=", "<>"}) | _ORDER_OPS


class InvalidRequest(StoreError, ValueError):
    """The request can never succeed (a caller bug), whatever the backend holds.

    A ``StoreError`` so callers handling the port's errors see it, and a
    ``ValueError`` because that is what it is.
    """


# --- Validation ---------------------------------------------------------------


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name:
        raise InvalidRequest(f"attribute names are non-empty strings, not {name!r}")
    return name


def _check_int(value: int, where: str) -> None:
    if not -_INT_LIMIT < value < _INT_LIMIT:
        raise InvalidRequest(f"{where}: integers are limited to 38 digits")


def _check_str(value: str, where: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidRequest(f"{where}: strings must be valid Unicode") from None


def check_value(value: object, where: str = "value") -> None:
    """Refuse anything but str, int, bool, None, and lists/dicts of those."""
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        _check_int(value, where)
    elif isinstance(value, str):
        _check_str(value, where)
    elif isinstance(value, list):
        for element in value:
            check_value(element, where)
    elif isinstance(value, dict):
        for name, element in value.items():
            _check_name(name)
            check_value(element, where)
    else:
        # Floats lose precision and bytes have no JSON form: encode them as strings.
        raise InvalidRequest(f"{where}: unsupported type {type(value).__name__}")


def _check_key_string(value: object, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidRequest(f"{name} must be a non-empty string")
    _check_str(value, name)
    return value


def check_key(key: Key) -> Key:
    _check_key_string(key.pk, "pk")
    _check_key_string(key.sk, "sk")
    return key


def _check_index_attr(name: str, value: object) -> None:
    # DynamoDB refuses index key attributes of another type or empty: so do we.
    if name in INDEX_ATTRS:
        _check_key_string(value, name)


def check_item(item: Mapping[str, Any]) -> Item:
    """A validated deep copy of a whole item."""
    if not isinstance(item, Mapping):
        raise InvalidRequest("an item is a mapping")
    for name, value in item.items():
        _check_name(name)
        check_value(value, name)
        _check_index_attr(name, value)
    for name in KEY_ATTRS:
        if name not in item:
            raise InvalidRequest(f"an item needs {name}")
        _check_key_string(item[name], name)
    return copy.deepcopy(dict(item))


def check_condition(condition: Condition) -> None:
    if isinstance(condition, Exists | NotExists):
        _check_name(condition.attr)
    elif isinstance(condition, Compare):
        _check_name(condition.attr)
        if condition.op not in COMPARE_OPS:
            raise InvalidRequest(f"unknown comparison {condition.op!r}")
        value = condition.value
        if isinstance(value, bool):
            if condition.op in _ORDER_OPS:
                raise InvalidRequest("booleans are not ordered")
        elif isinstance(value, int):
            _check_int(value, condition.attr)
        elif isinstance(value, str):
            _check_str(value, condition.attr)
        else:
            raise InvalidRequest(f"cannot compare with {type(value).__name__}")
    elif isinstance(condition, And | Or):
        if not condition.items:
            raise InvalidRequest("And/Or need at least one condition")
        for item in condition.items:
            check_condition(item)
    else:
        raise InvalidRequest(f"not a condition: {condition!r}")


def check_update(update: Update) -> None:
    check_key(update.key)
    names = [*update.set, *update.add, *update.remove]
    if not names:
        # DynamoDB cannot express an update that changes nothing inside a transaction.
        raise InvalidRequest("an update must set, add or remove something")
    if len(set(names)) != len(names):
        raise InvalidRequest("an attribute may appear once per update")
    for name in names:
        _check_name(name)
        if name in KEY_ATTRS:
            raise InvalidRequest(f"{name} is part of the key and cannot be updated")
    for name, value in update.set.items():
        check_value(value, name)
        _check_index_attr(name, value)
    for name, amount in update.add.items():
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise InvalidRequest(f"{name}: add takes an integer")
        _check_int(amount, name)
    if any(name in INDEX_ATTRS for name in update.add):
        raise InvalidRequest("index keys are strings, they cannot be added to")


def key_of(op: WriteOp) -> Key:
    if isinstance(op, Put):
        return Key(op.item["pk"], op.item["sk"])
    return op.key


def check_op(op: WriteOp) -> None:
    """Validate one write (or a transaction's Check)."""
    if isinstance(op, Put):
        check_item(op.item)
    elif isinstance(op, Update):
        check_update(op)
    elif isinstance(op, Delete | Check):
        check_key(op.key)
    else:
        raise InvalidRequest(f"not a write: {op!r}")
    if op.condition is not None:
        check_condition(op.condition)


def check_transaction(ops: Sequence[WriteOp]) -> list[Key]:
    """Validate a transaction; returns the key of each operation."""
    if not 1 <= len(ops) <= MAX_TRANSACTION_OPS:
        raise InvalidRequest(f"a transaction takes 1 to {MAX_TRANSACTION_OPS} operations")
    for op in ops:
        check_op(op)
    keys = [key_of(op) for op in ops]
    if len(set(keys)) != len(keys):
        # DynamoDB refuses this with a ValidationException before evaluating anything.
        raise InvalidRequest("a transaction may touch each item once")
    return keys


def check_keys(keys: Sequence[Key]) -> None:
    if len(keys) > MAX_BATCH_KEYS:
        raise InvalidRequest(f"batch_get takes at most {MAX_BATCH_KEYS} keys")
    for key in keys:
        check_key(key)
    if len(set(keys)) != len(keys):
        raise InvalidRequest("batch_get keys must be distinct")


def check_query(
    pk: str,
    *,
    sk_prefix: str | None,
    index: str | None,
    limit: int | None,
    sk_lte: str | None,
) -> None:
    _check_key_string(pk, "pk")
    if index not in (None, GSI1):
        raise InvalidRequest(f"unknown index {index!r}")
    if sk_prefix is not None and sk_lte is not None:
        raise InvalidRequest("query takes sk_prefix or sk_lte, not both")
    if sk_prefix is not None:
        _check_key_string(sk_prefix, "sk_prefix")
    if sk_lte is not None:
        _check_key_string(sk_lte, "sk_lte")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise InvalidRequest("limit is a positive integer")


# --- Evaluation -----------------------------------------------------------------


def _type_of(value: object) -> str:
    """The DynamoDB type a Python value is stored as."""
    if isinstance(value, bool):
        return "BOOL"
    if isinstance(value, int):
        return "N"
    if isinstance(value, str):
        return "S"
    if value is None:
        return "NULL"
    if isinstance(value, list):
        return "L"
    return "M"


def _compare(stored: object, op: str, value: str | int | bool) -> bool:
    same_type = _type_of(stored) == _type_of(value)
    if op == "=":
        return same_type and stored == value
    if op == "<>":
        return not (same_type and stored == value)
    if not same_type:
        return False
    # Same type, and check_condition refused bools here: both are str or both int.
    if op == "<":
        return stored < value  # type: ignore[operator]
    if op == "<=":
        return stored <= value  # type: ignore[operator]
    if op == ">":
        return stored > value  # type: ignore[operator]
    return stored >= value  # type: ignore[operator]


def evaluate(condition: Condition, item: Mapping[str, Any] | None) -> bool:
    """Does ``condition`` hold for ``item`` (None: no such item)?"""
    attrs: Mapping[str, Any] = item or {}
    if isinstance(condition, Exists):
        return condition.attr in attrs
    if isinstance(condition, NotExists):
        return condition.attr not in attrs
    if isinstance(condition, Compare):
        if condition.attr not in attrs:
            return condition.op == "<>"
        return _compare(attrs[condition.attr], condition.op, condition.value)
    if isinstance(condition, And):
        return all(evaluate(part, attrs) for part in condition.items)
    return any(evaluate(part, attrs) for part in condition.items)


def ttl_of(item: Mapping[str, Any]) -> int | None:
    """The item's expiry (epoch seconds) if it has an integer ``ttl``."""
    ttl = item.get(TTL_ATTR)
    if isinstance(ttl, int) and not isinstance(ttl, bool):
        return ttl
    return None


def is_expired(item: Mapping[str, Any], now: float) -> bool:
    ttl = ttl_of(item)
    return ttl is not None and ttl <= now


def live(items: Iterable[Item], now: float) -> list[Item]:
    return [item for item in items if not is_expired(item, now)]


# --- Applying writes (memory and SQLite) ---------------------------------------


def _apply_update(update: Update, current: Item | None) -> Item:
    item = copy.deepcopy(current) if current is not None else {}
    item["pk"], item["sk"] = update.key.pk, update.key.sk
    for name, value in update.set.items():
        item[name] = copy.deepcopy(value)
    for name, amount in update.add.items():
        start = item.get(name, 0)
        if not isinstance(start, int) or isinstance(start, bool):
            raise InvalidRequest(f"{name} is not a number, it cannot be added to")
        _check_int(start + amount, name)
        item[name] = start + amount
    for name in update.remove:
        item.pop(name, None)
    return item


def apply_write(op: Put | Update | Delete, current: Item | None) -> Item | None:
    """The item as stored after ``op`` (None: deleted). Conditions are not checked here."""
    if isinstance(op, Put):
        return check_item(op.item)
    if isinstance(op, Update):
        return _apply_update(op, current)
    return None


def plan_write(op: Put | Update | Delete, current: Item | None) -> Item | None:
    """Check ``op``'s condition against ``current`` and apply it, or raise ConditionFailed."""
    if op.condition is not None and not evaluate(op.condition, current):
        raise ConditionFailed("the condition on the write was false")
    return apply_write(op, current)


def plan_transaction(
    ops: Sequence[WriteOp], read: Callable[[Key], Item | None]
) -> list[tuple[Key, Item | None]]:
    """The writes a transaction makes, as (key, new item or None), once every
    condition held; otherwise raise TransactionCancelled naming each failure.
    The caller holds whatever lock makes reading and writing atomic."""
    keys = check_transaction(ops)
    current = [read(key) for key in keys]
    reasons: list[str | None] = [
        "ConditionalCheckFailed"
        if op.condition is not None and not evaluate(op.condition, item)
        else None
        for op, item in zip(ops, current, strict=True)
    ]
    if any(reasons):
        raise TransactionCancelled(reasons)
    return [
        (key, apply_write(op, item))
        for op, key, item in zip(ops, keys, current, strict=True)
        if not isinstance(op, Check)
    ]
