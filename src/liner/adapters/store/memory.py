"""``MemoryItemStore``: the item port in a Python dict, for unit tests.

Same semantics as the SQLite and DynamoDB backends (one contract suite proves
it). One lock serialises every call, so conditional writes and transactions are
atomic across threads. Items are copied in and out: callers never share state
with the store. Nothing is persisted; expired items stay until overwritten
(reads hide them, conditions see them, as in DynamoDB).
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Sequence

from liner.ports.items import GSI1, Delete, Item, Key, Put, Update, WriteOp

from .conditions import (
    check_key,
    check_keys,
    check_op,
    check_query,
    is_expired,
    key_of,
    live,
    plan_transaction,
    plan_write,
)


class MemoryItemStore:
    def __init__(self) -> None:
        self._items: dict[Key, Item] = {}
        self._lock = threading.Lock()
        self.round_trips = 0

    def get(self, key: Key) -> Item | None:
        with self._lock:
            self.round_trips += 1
            check_key(key)
            item = self._items.get(key)
            if item is None or is_expired(item, time.time()):
                return None
            return copy.deepcopy(item)

    def batch_get(self, keys: Sequence[Key]) -> list[Item]:
        with self._lock:
            self.round_trips += 1
            check_keys(keys)
            found = [self._items[key] for key in keys if key in self._items]
            return copy.deepcopy(live(found, time.time()))

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
        with self._lock:
            self.round_trips += 1
            check_query(pk, sk_prefix=sk_prefix, index=index, limit=limit, sk_lte=sk_lte)
            pk_attr, sk_attr = ("gsi1pk", "gsi1sk") if index == GSI1 else ("pk", "sk")
            # An item is in the index only when it has both index attributes.
            matches = [
                item
                for item in self._items.values()
                if item.get(pk_attr) == pk
                and isinstance(item.get(sk_attr), str)
                and (sk_prefix is None or item[sk_attr].startswith(sk_prefix))
                and (sk_lte is None or item[sk_attr] <= sk_lte)
            ]
            matches.sort(key=lambda item: (item[sk_attr], item["pk"], item["sk"]))
            if descending:
                matches.reverse()
            found = live(matches, time.time())
            return copy.deepcopy(found if limit is None else found[:limit])

    def write(self, op: Put | Update | Delete) -> Item | None:
        with self._lock:
            self.round_trips += 1
            check_op(op)
            key = key_of(op)
            new = plan_write(op, self._items.get(key))
            self._store(key, new)
            return copy.deepcopy(new) if isinstance(op, Update) else None

    def transact(self, ops: Sequence[WriteOp]) -> None:
        with self._lock:
            self.round_trips += 1
            for key, new in plan_transaction(ops, self._items.get):
                self._store(key, new)

    def create_table(self) -> bool:
        # The dict is the table and exists from construction: nothing is ever created.
        return False

    def close(self) -> None:
        """Nothing to release; here so every backend can be closed alike."""

    def _store(self, key: Key, item: Item | None) -> None:
        if item is None:
            self._items.pop(key, None)
        else:
            self._items[key] = item
