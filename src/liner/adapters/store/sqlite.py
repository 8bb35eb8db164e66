"""``SqliteItemStore``: the item port in one SQLite file, the embedded default.

Schema (the external contract; other tools may read it)::

    CREATE TABLE items (
        pk     TEXT NOT NULL,
        sk     TEXT NOT NULL,
        gsi1pk TEXT,             -- copies of the item's attributes, for the index
        gsi1sk TEXT,
        ttl    INTEGER,          -- the item's integer ttl (epoch seconds), else NULL
        body   TEXT NOT NULL,    -- the whole item as JSON, pk and sk included
        PRIMARY KEY (pk, sk)
    );
    CREATE INDEX items_gsi1 ON items (gsi1pk, gsi1sk);
    CREATE INDEX items_ttl ON items (ttl) WHERE ttl IS NOT NULL;

``body`` is the truth; the other columns are derived from it on every write.
An item is in ``gsi1`` when both ``gsi1pk`` and ``gsi1sk`` are set. Text sorts
by SQLite's BINARY collation (UTF-8 bytes), the order DynamoDB uses.

The database runs in WAL mode with a busy timeout. Every write is
read-check-write inside ``BEGIN IMMEDIATE``, so conditions and transactions are
atomic against other threads and other processes using the same file. One
connection serves the whole store behind a lock: SQLite has one writer anyway,
and a single connection is simple to close.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from liner.ports.items import GSI1, Delete, Item, Key, Put, StoreError, Update, WriteOp

from .conditions import (
    check_key,
    check_keys,
    check_op,
    check_query,
    key_of,
    plan_transaction,
    plan_write,
    ttl_of,
)

_BUSY_TIMEOUT_MS = 5000
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

_SCHEMA = """
CREATE TABLE items (
    pk     TEXT NOT NULL,
    sk     TEXT NOT NULL,
    gsi1pk TEXT,
    gsi1sk TEXT,
    ttl    INTEGER,
    body   TEXT NOT NULL,
    PRIMARY KEY (pk, sk)
)
"""
_INDEX = "CREATE INDEX IF NOT EXISTS items_gsi1 ON items (gsi1pk, gsi1sk)"
_TTL_INDEX = "CREATE INDEX IF NOT EXISTS items_ttl ON items (ttl) WHERE ttl IS NOT NULL"
# Like DynamoDB's TTL sweeper, items are deleted some time after they expire (here an
# hour), so sign-in round trips and old sessions do not pile up in the file.
_SWEEP_GRACE_SECONDS = 3600
_SWEEP_EVERY_SECONDS = 60
# Items whose integer ttl is <= now are hidden from reads.
_LIVE = "(ttl IS NULL OR ttl > ?)"
# Per index: the partition column, the sort column, and the ORDER BY for one direction
# (ties on the index sort key are broken by the table key, as the memory backend does).
_COLUMNS = {
    None: ("pk", "sk", "sk {0}"),
    GSI1: ("gsi1pk", "gsi1sk", "gsi1sk {0}, pk {0}, sk {0}"),
}


class SqliteItemStore:
    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        self.round_trips = 0
        self._swept_at = 0.0
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: no implicit transactions; we issue BEGIN IMMEDIATE.
            # check_same_thread=False: the lock, not the thread, guards the connection.
            self._conn = sqlite3.connect(
                path,
                isolation_level=None,
                check_same_thread=False,
                timeout=_BUSY_TIMEOUT_MS / 1000,
            )
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"sqlite: cannot open the database: {exc}") from exc
        try:
            with self._errors():
                self._conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
                self._conn.execute("PRAGMA journal_mode = WAL")
            self.create_table()
        except BaseException:
            self._conn.close()
            raise

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def create_table(self) -> bool:
        with self._lock, self._errors(), self._immediate():
            exists = self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'items'"
            ).fetchone()
            if not exists:
                self._conn.execute(_SCHEMA)
            self._conn.execute(_INDEX)
            self._conn.execute(_TTL_INDEX)
            return not exists

    def get(self, key: Key) -> Item | None:
        with self._call():
            check_key(key)
            row = self._conn.execute(
                "SELECT body FROM items WHERE pk = ? AND sk = ? AND (ttl IS NULL OR ttl > ?)",
                (key.pk, key.sk, time.time()),
            ).fetchone()
            return None if row is None else _decode(row[0])

    def batch_get(self, keys: Sequence[Key]) -> list[Item]:
        with self._call():
            check_keys(keys)
            if not keys:
                return []
            pairs = ", ".join("(?, ?)" for _ in keys)
            params: list[Any] = [part for key in keys for part in (key.pk, key.sk)]
            rows = self._conn.execute(
                # Only placeholders are interpolated; the values are bound.
                f"SELECT body FROM items WHERE (pk, sk) IN (VALUES {pairs}) AND {_LIVE}",  # noqa: S608
                [*params, time.time()],
            ).fetchall()
            return [_decode(body) for (body,) in rows]

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
        with self._call():
            check_query(pk, sk_prefix=sk_prefix, index=index, limit=limit, sk_lte=sk_lte)
            # Column names come from the fixed _COLUMNS table, never from the caller.
            pk_col, sk_col, order = _COLUMNS[index]
            sql = f"SELECT body FROM items WHERE {pk_col} = ? AND {sk_col} IS NOT NULL AND {_LIVE}"  # noqa: S608
            params: list[Any] = [pk, time.time()]
            if sk_prefix is not None:
                # The range start lets the index seek; substr() keeps only the prefix.
                sql += f" AND {sk_col} >= ? AND substr({sk_col}, 1, length(?)) = ?"
                params += [sk_prefix, sk_prefix, sk_prefix]
            if sk_lte is not None:
                sql += f" AND {sk_col} <= ?"
                params.append(sk_lte)
            sql += " ORDER BY " + order.format("DESC" if descending else "ASC")
            if limit is not None:
                sql += " LIMIT ?"
                params.append(limit)
            rows = self._conn.execute(sql, params).fetchall()
            return [_decode(body) for (body,) in rows]

    def write(self, op: Put | Update | Delete) -> Item | None:
        with self._call():
            check_op(op)
            key = key_of(op)
            with self._immediate():
                new = plan_write(op, self._read(key))
                self._store(key, new)
            self._sweep()
            return new if isinstance(op, Update) else None

    def transact(self, ops: Sequence[WriteOp]) -> None:
        with self._call(), self._immediate():
            for key, new in plan_transaction(ops, self._read):
                self._store(key, new)

    # --- helpers ---------------------------------------------------------------

    def _sweep(self) -> None:
        """Delete items expired for over an hour, at most once a minute (lock held)."""
        now = time.time()
        if now - self._swept_at < _SWEEP_EVERY_SECONDS:
            return
        self._swept_at = now
        self._conn.execute(
            "DELETE FROM items WHERE ttl IS NOT NULL AND ttl <= ?",
            (int(now) - _SWEEP_GRACE_SECONDS,),
        )

    @contextmanager
    def _call(self) -> Iterator[None]:
        """One counted round trip, holding the connection, with errors mapped."""
        with self._lock, self._errors():
            self.round_trips += 1
            yield

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise StoreError(f"sqlite: {type(exc).__name__}: {exc}") from exc

    @contextmanager
    def _immediate(self) -> Iterator[None]:
        # IMMEDIATE takes the write lock before the read, so no other connection
        # (thread or process) can change the item between our check and our write.
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._conn.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise

    def _read(self, key: Key) -> Item | None:
        # Conditions see the stored item, expired or not.
        row = self._conn.execute(
            "SELECT body FROM items WHERE pk = ? AND sk = ?", (key.pk, key.sk)
        ).fetchone()
        return None if row is None else _decode(row[0])

    def _store(self, key: Key, item: Item | None) -> None:
        if item is None:
            self._conn.execute("DELETE FROM items WHERE pk = ? AND sk = ?", (key.pk, key.sk))
            return
        ttl = ttl_of(item)
        if ttl is not None:
            # Beyond 64 bits SQLite would store a float; clamping keeps the order.
            ttl = min(max(ttl, _INT64_MIN), _INT64_MAX)
        self._conn.execute(
            "INSERT OR REPLACE INTO items (pk, sk, gsi1pk, gsi1sk, ttl, body)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                key.pk,
                key.sk,
                item.get("gsi1pk"),
                item.get("gsi1sk"),
                ttl,
                json.dumps(item, ensure_ascii=False, separators=(",", ":")),
            ),
        )


def _decode(body: str) -> Item:
    item = json.loads(body)
    if not isinstance(item, dict):
        raise StoreError("sqlite: a stored body is not a JSON object")
    return item
