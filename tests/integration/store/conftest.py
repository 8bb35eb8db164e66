"""The item store contract runs against every backend: memory, SQLite, DynamoDB (moto)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest

from liner.adapters.store.dynamodb import DynamoDbItemStore
from liner.adapters.store.memory import MemoryItemStore
from liner.adapters.store.sqlite import SqliteItemStore
from liner.ports.items import ItemStore


class ClosableItemStore(ItemStore, Protocol):
    def close(self) -> None: ...


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def item_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ClosableItemStore]:
    store: ClosableItemStore
    if request.param == "memory":
        store = MemoryItemStore()
    elif request.param == "sqlite":
        store = SqliteItemStore(tmp_path / "items.db")
    else:
        endpoint: str = request.getfixturevalue("moto_endpoint")
        # One table per test: tests share the session's moto server, never its data.
        store = DynamoDbItemStore(f"items-{uuid.uuid4().hex}", endpoint_url=endpoint)
        assert store.create_table() is True
    assert store.round_trips == 0
    yield store
    store.close()
