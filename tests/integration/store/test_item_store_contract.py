"""One contract, every backend: each test runs on memory, SQLite and DynamoDB (moto).

The expected behaviour is DynamoDB's, including the surprising bits: ``<>`` on an
absent attribute is true, ``True`` is not ``1``, and an update creates a missing item.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from liner.adapters.store.dynamodb import DynamoDbItemStore
from liner.adapters.store.sqlite import SqliteItemStore
from liner.ports.items import (
    GSI1,
    And,
    Check,
    Compare,
    Condition,
    ConditionFailed,
    Delete,
    Exists,
    ItemStore,
    Key,
    NotExists,
    Or,
    Put,
    StoreError,
    TransactionCancelled,
    Update,
)

Store = ItemStore

EVERY_TYPE: dict[str, Any] = {
    "pk": "USER#ålice",
    "sk": "PROFILE",
    "text": "Björk — ホモジェニック ✓",
    "empty": "",
    "zero": 0,
    "negative": -42,
    "largest": 10**38 - 1,
    "smallest": -(10**38 - 1),
    "beyond_64_bits": 2**64 + 1,
    "yes": True,
    "no": False,
    "nothing": None,
    "list": [1, "two", [True, None], {"k": "v"}],
    "map": {"nested": {"deeper": [1, 2, {"é": "ü"}]}, "flag": False},
    "empty_list": [],
    "empty_map": {},
}


def put(store: Store, pk: str, sk: str, **attrs: Any) -> None:
    store.write(Put({"pk": pk, "sk": sk, **attrs}))


def sks(items: list[dict[str, Any]]) -> list[str]:
    return [item["sk"] for item in items]


def holds(store: Store, key: Key, condition: Condition) -> bool:
    """Whether ``condition`` is true for the stored item, judged by a conditional write."""
    try:
        store.write(Update(key, set={"probe": 1}, condition=condition))
    except ConditionFailed:
        return False
    return True


def in_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads released together; returns results or exceptions."""
    barrier = threading.Barrier(count)

    def run(i: int) -> Any:
        barrier.wait()
        try:
            return work(i)
        except StoreError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


# --- Items and values -----------------------------------------------------------


def test_an_item_comes_back_exactly_as_it_was_put(item_store: Store) -> None:
    item_store.write(Put(EVERY_TYPE))

    got = item_store.get(Key("USER#ålice", "PROFILE"))

    assert got == EVERY_TYPE
    assert got is not None
    # == alone would accept 1 for True and 0 for False.
    assert type(got["yes"]) is bool
    assert type(got["no"]) is bool
    assert type(got["zero"]) is int
    assert type(got["largest"]) is int
    assert type(got["list"][0]) is int
    assert type(got["list"][2][0]) is bool


def test_getting_a_missing_item_returns_none(item_store: Store) -> None:
    put(item_store, "A", "1")

    assert item_store.get(Key("A", "2")) is None
    assert item_store.get(Key("B", "1")) is None


def test_a_put_replaces_the_whole_item(item_store: Store) -> None:
    put(item_store, "A", "1", old=1, kept="no")
    put(item_store, "A", "1", new=2)

    assert item_store.get(Key("A", "1")) == {"pk": "A", "sk": "1", "new": 2}


def test_changing_a_returned_item_does_not_change_the_stored_one(item_store: Store) -> None:
    put(item_store, "A", "1", tags=["x"])
    got = item_store.get(Key("A", "1"))
    assert got is not None

    got["tags"].append("y")
    got["extra"] = True

    assert item_store.get(Key("A", "1")) == {"pk": "A", "sk": "1", "tags": ["x"]}


@pytest.mark.parametrize(
    "bad",
    [1.5, b"bytes", {1, 2}, 10**38, {"nested": [0.1]}, "\ud800"],
    ids=["float", "bytes", "set", "39 digits", "nested float", "lone surrogate"],
)
def test_a_value_outside_the_supported_types_is_refused_and_nothing_is_written(
    item_store: Store, bad: Any
) -> None:
    with pytest.raises(StoreError) as refused:
        item_store.write(Put({"pk": "A", "sk": "1", "bad": bad}))
    with pytest.raises(ValueError):
        item_store.write(Update(Key("A", "2"), set={"bad": bad}))

    assert not isinstance(refused.value, ConditionFailed)
    assert item_store.batch_get([Key("A", "1"), Key("A", "2")]) == []


@pytest.mark.parametrize(
    "item",
    [
        {"sk": "1"},
        {"pk": "A"},
        {"pk": "", "sk": "1"},
        {"pk": "A", "sk": 1},
        {"pk": "A", "sk": "1", "gsi1pk": ""},
    ],
    ids=["no pk", "no sk", "empty pk", "numeric sk", "empty gsi1pk"],
)
def test_an_item_with_a_bad_key_is_refused(item_store: Store, item: dict[str, Any]) -> None:
    with pytest.raises(StoreError):
        item_store.write(Put(item))


# --- batch_get ---------------------------------------------------------------------


def test_batch_get_returns_the_items_that_exist_in_one_round_trip(item_store: Store) -> None:
    for sk in ("1", "2", "3"):
        put(item_store, "A", sk, n=int(sk))
    before = item_store.round_trips

    got = item_store.batch_get([Key("A", "1"), Key("A", "missing"), Key("A", "3"), Key("B", "1")])

    assert sorted(got, key=lambda item: item["sk"]) == [
        {"pk": "A", "sk": "1", "n": 1},
        {"pk": "A", "sk": "3", "n": 3},
    ]
    assert item_store.round_trips == before + 1


def test_batch_get_of_no_keys_returns_nothing(item_store: Store) -> None:
    assert item_store.batch_get([]) == []


def test_batch_get_reads_a_hundred_keys_and_refuses_more_or_duplicates(item_store: Store) -> None:
    item_store.transact([Put({"pk": "A", "sk": f"{i:03}"}) for i in range(100)])

    assert len(item_store.batch_get([Key("A", f"{i:03}") for i in range(100)])) == 100
    with pytest.raises(ValueError):
        item_store.batch_get([Key("A", f"{i:03}") for i in range(101)])
    with pytest.raises(ValueError):
        item_store.batch_get([Key("A", "001"), Key("A", "001")])


# --- query ---------------------------------------------------------------------------


@pytest.fixture
def music(item_store: Store) -> Store:
    """One user's partition, written out of order, next to a neighbour's."""
    for sk in ("MUSIC#TRACKS", "PROFILE", "MUSIC#ALBUMS", "CONTENT#BIO", "MUSIC#ARTISTS"):
        put(item_store, "USER#1", sk)
    put(item_store, "USER#2", "MUSIC#ALBUMS")
    put(item_store, "USER#10", "PROFILE")
    return item_store


def test_a_query_returns_one_partition_in_sort_key_order(music: Store) -> None:
    assert sks(music.query("USER#1")) == [
        "CONTENT#BIO",
        "MUSIC#ALBUMS",
        "MUSIC#ARTISTS",
        "MUSIC#TRACKS",
        "PROFILE",
    ]
    assert music.query("USER#3") == []


def test_a_query_by_sort_key_prefix_returns_only_the_matching_items(music: Store) -> None:
    assert sks(music.query("USER#1", sk_prefix="MUSIC#")) == [
        "MUSIC#ALBUMS",
        "MUSIC#ARTISTS",
        "MUSIC#TRACKS",
    ]
    assert sks(music.query("USER#1", sk_prefix="MUSIC#AR")) == ["MUSIC#ARTISTS"]
    assert music.query("USER#1", sk_prefix="MUSIC#Z") == []


def test_a_query_with_sk_lte_stops_at_that_sort_key_inclusive(music: Store) -> None:
    assert sks(music.query("USER#1", sk_lte="MUSIC#ARTISTS")) == [
        "CONTENT#BIO",
        "MUSIC#ALBUMS",
        "MUSIC#ARTISTS",
    ]
    assert sks(music.query("USER#1", sk_lte="MUSIC#AM")) == ["CONTENT#BIO", "MUSIC#ALBUMS"]


def test_a_descending_query_with_a_limit_returns_the_last_items_first(music: Store) -> None:
    assert sks(music.query("USER#1", descending=True, limit=2)) == ["PROFILE", "MUSIC#TRACKS"]
    assert sks(music.query("USER#1", sk_prefix="MUSIC#", descending=True)) == [
        "MUSIC#TRACKS",
        "MUSIC#ARTISTS",
        "MUSIC#ALBUMS",
    ]
    assert sks(music.query("USER#1", sk_lte="MUSIC#B", descending=True, limit=1)) == [
        "MUSIC#ARTISTS"
    ]


def test_a_query_with_a_limit_returns_the_first_items(music: Store) -> None:
    assert sks(music.query("USER#1", limit=2)) == ["CONTENT#BIO", "MUSIC#ALBUMS"]
    assert len(music.query("USER#1", limit=50)) == 5


def test_sort_keys_order_by_code_point_not_by_locale(item_store: Store) -> None:
    for sk in ("b", "é", "B", "a", "z", "日本"):
        put(item_store, "A", sk)

    assert sks(item_store.query("A")) == ["B", "a", "b", "z", "é", "日本"]


def test_a_query_on_gsi1_orders_by_gsi1sk_and_leaves_out_items_not_in_the_index(
    item_store: Store,
) -> None:
    put(item_store, "USER#1", "PROFILE#METADATA", gsi1pk="REFRESH", gsi1sk="2026-03-01#1")
    put(item_store, "USER#2", "PROFILE#METADATA", gsi1pk="REFRESH", gsi1sk="2026-01-01#2")
    put(item_store, "USER#3", "PROFILE#METADATA", gsi1pk="REFRESH", gsi1sk="2026-02-01#3")
    put(item_store, "USER#4", "PROFILE#METADATA")  # no index attributes
    put(item_store, "USER#5", "PROFILE#METADATA", gsi1pk="REFRESH")  # half an index key
    put(item_store, "USER#6", "PROFILE#METADATA", gsi1pk="OTHER", gsi1sk="2026-01-01#6")

    due = item_store.query("REFRESH", index=GSI1, sk_lte="2026-02-15")

    assert [item["pk"] for item in due] == ["USER#2", "USER#3"]
    assert due[0] == {
        "pk": "USER#2",
        "sk": "PROFILE#METADATA",
        "gsi1pk": "REFRESH",
        "gsi1sk": "2026-01-01#2",
    }
    assert [item["pk"] for item in item_store.query("REFRESH", index=GSI1, descending=True)] == [
        "USER#1",
        "USER#3",
        "USER#2",
    ]
    assert [item["pk"] for item in item_store.query("REFRESH", index=GSI1, sk_prefix="2026-0")] == [
        "USER#2",
        "USER#3",
        "USER#1",
    ]
    assert item_store.query("PROFILE#METADATA", index=GSI1) == []


def test_updating_the_index_attributes_moves_an_item_in_gsi1(item_store: Store) -> None:
    put(item_store, "USER#1", "META", gsi1pk="REFRESH", gsi1sk="2026-01-01")
    put(item_store, "USER#2", "META", gsi1pk="REFRESH", gsi1sk="2026-02-01")

    item_store.write(Update(Key("USER#1", "META"), set={"gsi1sk": "2026-03-01"}))
    assert [i["pk"] for i in item_store.query("REFRESH", index=GSI1)] == ["USER#2", "USER#1"]

    item_store.write(Update(Key("USER#2", "META"), remove=("gsi1pk",)))
    assert [i["pk"] for i in item_store.query("REFRESH", index=GSI1)] == ["USER#1"]

    item_store.write(Update(Key("USER#2", "META"), set={"gsi1pk": "PUBLISHED"}))
    assert [i["pk"] for i in item_store.query("PUBLISHED", index=GSI1)] == ["USER#2"]


@pytest.mark.parametrize(
    "arguments",
    [
        {"index": "gsi2"},
        {"sk_prefix": "A", "sk_lte": "B"},
        {"limit": 0},
        {"sk_prefix": ""},
    ],
    ids=["unknown index", "prefix and lte", "zero limit", "empty prefix"],
)
def test_a_malformed_query_is_refused(item_store: Store, arguments: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        item_store.query("A", **arguments)


# --- Conditions ----------------------------------------------------------------------

SUBJECT = Key("S", "1")


@pytest.fixture
def subject(item_store: Store) -> Store:
    put(item_store, SUBJECT.pk, SUBJECT.sk, n=5, s="b", flag=True, one=1, text="5")
    return item_store


def mismatches(store: Store, cases: list[tuple[Condition, bool]]) -> list[Condition]:
    return [
        condition for condition, expected in cases if holds(store, SUBJECT, condition) != expected
    ]


def test_exists_and_not_exists_test_an_attribute_or_the_item(subject: Store) -> None:
    cases = [
        (Exists(), True),
        (Exists("n"), True),
        (Exists("absent"), False),
        (NotExists(), False),
        (NotExists("n"), False),
        (NotExists("absent"), True),
    ]
    assert mismatches(subject, cases) == []


def test_each_comparison_on_a_present_attribute(subject: Store) -> None:
    cases = [
        (Compare("n", "=", 5), True),
        (Compare("n", "=", 6), False),
        (Compare("n", "<>", 6), True),
        (Compare("n", "<>", 5), False),
        (Compare("n", "<", 6), True),
        (Compare("n", "<", 5), False),
        (Compare("n", "<=", 5), True),
        (Compare("n", "<=", 4), False),
        (Compare("n", ">", 4), True),
        (Compare("n", ">", 5), False),
        (Compare("n", ">=", 5), True),
        (Compare("n", ">=", 6), False),
        (Compare("n", ">", -(10**37)), True),
        (Compare("s", "=", "b"), True),
        (Compare("s", "<", "c"), True),
        (Compare("s", "<", "B"), False),
        (Compare("s", ">=", "a"), True),
        (Compare("s", "<", "é"), True),
        (Compare("flag", "=", True), True),
        (Compare("flag", "<>", False), True),
        (Compare("flag", "=", False), False),
    ]
    assert mismatches(subject, cases) == []


def test_a_comparison_on_an_absent_attribute_is_false_except_not_equal(subject: Store) -> None:
    # DynamoDB: an absent value is unequal to anything, and ordered against nothing.
    cases: list[tuple[Condition, bool]] = [
        (Compare("absent", op, 5), op == "<>") for op in ("=", "<>", "<", "<=", ">", ">=")
    ]
    assert mismatches(subject, cases) == []


def test_values_of_different_types_are_never_equal(subject: Store) -> None:
    cases = [
        (Compare("n", "=", "5"), False),
        (Compare("n", "<>", "5"), True),
        (Compare("text", "=", 5), False),
        (Compare("text", "<>", 5), True),
        (Compare("one", "=", 1), True),
    ]
    assert mismatches(subject, cases) == []


# moto departs from DynamoDB in the next two tests (it compares BOOL true equal to
# N 1, and applies the SET half of an update whose ADD it then refuses), so they
# pin the local backends to DynamoDB's documented behaviour without moto.
LOCAL_BACKENDS = pytest.mark.parametrize("item_store", ["memory", "sqlite"], indirect=True)


@LOCAL_BACKENDS
def test_a_bool_never_equals_a_number(subject: Store) -> None:
    cases = [
        (Compare("flag", "=", 1), False),
        (Compare("flag", "<>", 1), True),
        (Compare("one", "=", True), False),
        (Compare("one", "<>", True), True),
    ]
    assert mismatches(subject, cases) == []


@LOCAL_BACKENDS
def test_an_update_refused_halfway_writes_nothing(item_store: Store) -> None:
    put(item_store, "A", "1", s="text")

    with pytest.raises(StoreError):
        item_store.write(Update(Key("A", "1"), add={"s": 1}, set={"touched": True}))

    assert item_store.get(Key("A", "1")) == {"pk": "A", "sk": "1", "s": "text"}


def test_and_needs_every_part_and_or_needs_one(subject: Store) -> None:
    yes, no = Exists("n"), Exists("absent")
    cases = [
        (And((yes, yes)), True),
        (And((yes, no)), False),
        (And((yes,)), True),
        (Or((no, yes)), True),
        (Or((no, no)), False),
        (Or((no,)), False),
        (And((Or((no, Compare("n", ">", 1))), NotExists("absent"))), True),
        (Or((And((yes, no)), Compare("s", "<>", "b"))), False),
    ]
    assert mismatches(subject, cases) == []


def test_conditions_on_a_missing_item_see_no_attributes(item_store: Store) -> None:
    missing = Key("NOBODY", "1")
    assert not holds(item_store, missing, Exists())
    assert not holds(item_store, missing, Compare("n", "=", 0))
    # Both writes above failed, so the item is still missing: <> holds and upserts it.
    assert item_store.get(missing) is None
    assert holds(item_store, missing, Compare("n", "<>", 0))
    assert item_store.get(missing) == {"pk": "NOBODY", "sk": "1", "probe": 1}


@pytest.mark.parametrize(
    "condition",
    [Compare("n", "<", True), Compare("n", "~", 1), And(()), Compare("n", "=", 1.5)],
    ids=["ordered bool", "unknown operator", "empty And", "float"],
)
def test_a_malformed_condition_is_refused(subject: Store, condition: Condition) -> None:
    with pytest.raises(ValueError):
        subject.write(Update(SUBJECT, set={"x": 1}, condition=condition))
    assert "x" not in (subject.get(SUBJECT) or {})


def test_a_conditional_put_refuses_an_existing_item(item_store: Store) -> None:
    item_store.write(Put({"pk": "HANDLE#alice", "sk": "HANDLE", "user": "1"}, NotExists()))

    with pytest.raises(ConditionFailed):
        item_store.write(Put({"pk": "HANDLE#alice", "sk": "HANDLE", "user": "2"}, NotExists()))

    assert item_store.get(Key("HANDLE#alice", "HANDLE")) == {
        "pk": "HANDLE#alice",
        "sk": "HANDLE",
        "user": "1",
    }


def test_a_failed_condition_leaves_the_item_untouched(item_store: Store) -> None:
    put(item_store, "A", "1", n=1, keep="me")
    before = item_store.get(Key("A", "1"))
    wrong = Compare("n", "=", 2)

    with pytest.raises(ConditionFailed):
        item_store.write(
            Update(Key("A", "1"), set={"s": "x"}, add={"n": 1}, remove=("keep",), condition=wrong)
        )
    with pytest.raises(ConditionFailed):
        item_store.write(Delete(Key("A", "1"), condition=wrong))
    with pytest.raises(ConditionFailed):
        item_store.write(Put({"pk": "A", "sk": "1"}, condition=wrong))

    assert item_store.get(Key("A", "1")) == before


# --- Updates and deletes -------------------------------------------------------------


def test_an_update_changes_only_the_named_attributes_and_returns_the_new_item(
    item_store: Store,
) -> None:
    put(item_store, "A", "1", name="old", views=10, draft=True, other=[1])

    new = item_store.write(
        Update(
            Key("A", "1"),
            set={"name": "new", "extra": {"k": None}},
            add={"views": 5},
            remove=("draft", "never"),
        )
    )

    expected = {
        "pk": "A",
        "sk": "1",
        "name": "new",
        "extra": {"k": None},
        "views": 15,
        "other": [1],
    }
    assert new == expected
    assert item_store.get(Key("A", "1")) == expected


def test_an_update_creates_a_missing_item_and_adding_starts_from_zero(item_store: Store) -> None:
    new = item_store.write(Update(Key("A", "1"), set={"s": "x"}, add={"count": -3}))

    assert new == {"pk": "A", "sk": "1", "s": "x", "count": -3}
    assert item_store.get(Key("A", "1")) == new


def test_adding_to_a_non_number_is_an_error_not_a_failed_condition(item_store: Store) -> None:
    put(item_store, "A", "1", s="text", flag=True)

    for name in ("s", "flag"):
        with pytest.raises(StoreError) as refused:
            item_store.write(Update(Key("A", "1"), add={name: 1}))
        assert not isinstance(refused.value, ConditionFailed)

    assert item_store.get(Key("A", "1")) == {"pk": "A", "sk": "1", "s": "text", "flag": True}


@pytest.mark.parametrize(
    "update",
    [
        Update(Key("A", "1")),
        Update(Key("A", "1"), set={"sk": "2"}),
        Update(Key("A", "1"), remove=("pk",)),
        Update(Key("A", "1"), set={"x": 1}, remove=("x",)),
        Update(Key("A", "1"), add={"x": True}),
        Update(Key("A", "1"), set={"gsi1sk": 7}),
    ],
    ids=["nothing", "set sk", "remove pk", "set and remove", "add a bool", "numeric index key"],
)
def test_a_malformed_update_is_refused(item_store: Store, update: Update) -> None:
    with pytest.raises(ValueError):
        item_store.write(update)
    assert item_store.get(Key("A", "1")) is None


def test_a_delete_removes_the_item_and_deleting_a_missing_item_is_fine(item_store: Store) -> None:
    put(item_store, "A", "1", v=1)

    item_store.write(Delete(Key("A", "1"), condition=Compare("v", "=", 1)))
    item_store.write(Delete(Key("A", "1")))

    assert item_store.get(Key("A", "1")) is None
    with pytest.raises(ConditionFailed):
        item_store.write(Delete(Key("A", "1"), condition=Exists()))


# --- Transactions ----------------------------------------------------------------------


def test_a_transaction_applies_every_operation(item_store: Store) -> None:
    put(item_store, "USER#1", "PROFILE", handle="old")
    put(item_store, "HANDLE#old", "HANDLE", user="1")

    item_store.transact(
        [
            Put({"pk": "HANDLE#new", "sk": "HANDLE", "user": "1"}, NotExists()),
            Update(
                Key("USER#1", "PROFILE"),
                set={"handle": "new"},
                condition=Compare("handle", "=", "old"),
            ),
            Delete(Key("HANDLE#old", "HANDLE"), condition=Compare("user", "=", "1")),
            Check(Key("USER#1", "SPOTIFY"), NotExists()),
        ]
    )

    assert item_store.get(Key("HANDLE#new", "HANDLE")) == {
        "pk": "HANDLE#new",
        "sk": "HANDLE",
        "user": "1",
    }
    assert item_store.get(Key("USER#1", "PROFILE")) == {
        "pk": "USER#1",
        "sk": "PROFILE",
        "handle": "new",
    }
    assert item_store.get(Key("HANDLE#old", "HANDLE")) is None
    assert item_store.get(Key("USER#1", "SPOTIFY")) is None


def test_a_transaction_with_a_failed_check_writes_nothing_and_names_the_culprit(
    item_store: Store,
) -> None:
    put(item_store, "USER#1", "PROFILE", views=1)

    with pytest.raises(TransactionCancelled) as cancelled:
        item_store.transact(
            [
                Put({"pk": "HANDLE#alice", "sk": "HANDLE"}, NotExists()),
                Update(Key("USER#1", "PROFILE"), add={"views": 1}),
                Delete(Key("USER#1", "PROFILE#OLD")),
                Check(Key("USER#1", "BANNED"), Exists()),
            ]
        )

    assert cancelled.value.reasons == [None, None, None, "ConditionalCheckFailed"]
    assert cancelled.value.condition_failed
    assert item_store.get(Key("HANDLE#alice", "HANDLE")) is None
    assert item_store.get(Key("USER#1", "PROFILE")) == {"pk": "USER#1", "sk": "PROFILE", "views": 1}


def test_a_transaction_names_every_failed_condition(item_store: Store) -> None:
    put(item_store, "A", "taken")

    with pytest.raises(TransactionCancelled) as cancelled:
        item_store.transact(
            [
                Put({"pk": "A", "sk": "taken"}, NotExists()),
                Put({"pk": "A", "sk": "free"}, NotExists()),
                Update(Key("A", "gone"), set={"x": 1}, condition=Exists()),
            ]
        )

    assert cancelled.value.reasons == ["ConditionalCheckFailed", None, "ConditionalCheckFailed"]
    assert item_store.get(Key("A", "free")) is None
    assert item_store.get(Key("A", "gone")) is None


def test_a_transaction_touching_one_item_twice_is_refused_and_writes_nothing(
    item_store: Store,
) -> None:
    with pytest.raises(ValueError) as refused:
        item_store.transact(
            [
                Put({"pk": "A", "sk": "2"}),
                Put({"pk": "A", "sk": "1", "v": 1}),
                Check(Key("A", "1"), NotExists()),
            ]
        )

    assert isinstance(refused.value, StoreError)
    assert not isinstance(refused.value, TransactionCancelled)
    assert item_store.batch_get([Key("A", "1"), Key("A", "2")]) == []


def test_a_transaction_takes_one_to_a_hundred_operations(item_store: Store) -> None:
    with pytest.raises(ValueError):
        item_store.transact([])
    with pytest.raises(ValueError):
        item_store.transact([Put({"pk": "A", "sk": str(i)}) for i in range(101)])
    assert item_store.query("A") == []

    item_store.transact([Put({"pk": "A", "sk": f"{i:03}"}) for i in range(100)])

    assert len(item_store.query("A")) == 100


# --- Time to live ------------------------------------------------------------------------


def test_an_expired_item_is_hidden_from_every_read(item_store: Store) -> None:
    now = int(time.time())
    put(item_store, "SESSION#old", "SESSION", ttl=now - 1, gsi1pk="S", gsi1sk="old")
    put(item_store, "SESSION#new", "SESSION", ttl=now + 3600, gsi1pk="S", gsi1sk="new")
    put(item_store, "SESSION#odd", "SESSION", ttl="not a number", gsi1pk="S", gsi1sk="odd")
    put(item_store, "P", "1", ttl=now - 10)
    put(item_store, "P", "2")
    keys = [
        Key("SESSION#old", "SESSION"),
        Key("SESSION#new", "SESSION"),
        Key("SESSION#odd", "SESSION"),
    ]

    assert item_store.get(keys[0]) is None
    assert item_store.get(keys[1]) is not None
    assert sorted(item["pk"] for item in item_store.batch_get(keys)) == [
        "SESSION#new",
        "SESSION#odd",
    ]
    assert sks(item_store.query("S", index=GSI1)) == ["SESSION", "SESSION"]
    assert [i["gsi1sk"] for i in item_store.query("S", index=GSI1)] == ["new", "odd"]
    assert sks(item_store.query("P")) == ["2"]
    assert sks(item_store.query("P", limit=1)) == ["2"]


def test_a_claim_may_take_over_an_expired_item_when_its_condition_allows_for_the_ttl(
    item_store: Store,
) -> None:
    now = int(time.time())
    put(item_store, "OAUTH#state", "OAUTH", ttl=now - 5, verifier="stale")
    free = Or((NotExists(), Compare("ttl", "<=", now)))

    item_store.write(
        Put({"pk": "OAUTH#state", "sk": "OAUTH", "ttl": now + 600, "verifier": "fresh"}, free)
    )

    with pytest.raises(ConditionFailed):
        item_store.write(Put({"pk": "OAUTH#state", "sk": "OAUTH", "ttl": now + 600}, free))
    got = item_store.get(Key("OAUTH#state", "OAUTH"))
    assert got is not None
    assert got["verifier"] == "fresh"


# --- Concurrency ---------------------------------------------------------------------------


def test_twenty_threads_racing_a_conditional_claim_leave_exactly_one_winner(
    item_store: Store,
) -> None:
    def claim(i: int) -> Any:
        return item_store.write(
            Put({"pk": "HANDLE#alice", "sk": "HANDLE", "user": str(i)}, NotExists())
        )

    results = in_threads(20, claim)

    winners = [i for i, result in enumerate(results) if result is None]
    losers = [result for result in results if result is not None]
    assert len(winners) == 1
    assert len(losers) == 19
    assert all(isinstance(result, ConditionFailed) for result in losers)
    assert item_store.get(Key("HANDLE#alice", "HANDLE")) == {
        "pk": "HANDLE#alice",
        "sk": "HANDLE",
        "user": str(winners[0]),
    }


def test_twenty_threads_racing_a_transactional_claim_leave_exactly_one_winner(
    item_store: Store,
) -> None:
    def claim(i: int) -> Any:
        return item_store.transact(
            [
                Put({"pk": "HANDLE#bob", "sk": "HANDLE", "user": str(i)}, NotExists()),
                Put({"pk": f"USER#{i}", "sk": "PROFILE", "handle": "bob"}),
            ]
        )

    results = in_threads(20, claim)

    winners = [i for i, result in enumerate(results) if result is None]
    assert len(winners) == 1
    assert all(isinstance(result, TransactionCancelled) for result in results if result is not None)
    assert [item["user"] for item in item_store.query("HANDLE#bob")] == [str(winners[0])]
    profiles = item_store.batch_get([Key(f"USER#{i}", "PROFILE") for i in range(20)])
    assert [item["pk"] for item in profiles] == [f"USER#{winners[0]}"]


def test_a_counter_added_to_by_twenty_threads_ten_times_each_ends_at_200(item_store: Store) -> None:
    def count(_: int) -> None:
        for _ in range(10):
            item_store.write(Update(Key("PAGE#alice", "VIEWS"), add={"views": 1}))

    results = in_threads(20, count)

    assert results == [None] * 20
    assert item_store.get(Key("PAGE#alice", "VIEWS")) == {
        "pk": "PAGE#alice",
        "sk": "VIEWS",
        "views": 200,
    }


# --- Round trips and the table ---------------------------------------------------------------


def test_each_call_costs_exactly_one_round_trip(item_store: Store) -> None:
    calls: list[Callable[[], Any]] = [
        lambda: item_store.write(Put({"pk": "A", "sk": "1"})),
        lambda: item_store.write(Update(Key("A", "2"), add={"n": 1})),
        lambda: item_store.get(Key("A", "1")),
        lambda: item_store.get(Key("A", "missing")),
        lambda: item_store.batch_get([Key("A", "1"), Key("A", "2"), Key("A", "3")]),
        lambda: item_store.query("A", limit=1),
        lambda: item_store.query("A", index=GSI1),
        lambda: item_store.transact([Put({"pk": "B", "sk": "1"}), Check(Key("A", "1"), Exists())]),
        lambda: item_store.write(Delete(Key("A", "2"))),
    ]
    before = item_store.round_trips

    for number, call in enumerate(calls, start=1):
        call()
        assert item_store.round_trips == before + number

    with pytest.raises(ConditionFailed):
        item_store.write(Put({"pk": "A", "sk": "1"}, NotExists()))
    assert item_store.round_trips == before + len(calls) + 1


def test_create_table_is_idempotent_and_costs_no_round_trip(item_store: Store) -> None:
    put(item_store, "A", "1", kept=True)
    before = item_store.round_trips

    assert item_store.create_table() is False
    assert item_store.create_table() is False

    assert item_store.round_trips == before
    assert item_store.get(Key("A", "1")) == {"pk": "A", "sk": "1", "kept": True}


# --- SQLite only: the file is shared between connections and processes --------------------------


def test_two_sqlite_stores_sharing_a_file_let_only_one_claim_win(tmp_path: Path) -> None:
    stores = [SqliteItemStore(tmp_path / "shared.db") for _ in range(2)]
    try:

        def claim(i: int) -> Any:
            return stores[i % 2].write(
                Put({"pk": "HANDLE#carol", "sk": "HANDLE", "user": str(i)}, NotExists())
            )

        def count(i: int) -> Any:
            for _ in range(10):
                stores[i % 2].write(Update(Key("PAGE#carol", "VIEWS"), add={"views": 1}))

        claims = in_threads(20, claim)
        counts = in_threads(20, count)

        assert claims.count(None) == 1
        assert all(isinstance(result, ConditionFailed) for result in claims if result is not None)
        assert counts == [None] * 20
        assert stores[1].get(Key("PAGE#carol", "VIEWS")) == {
            "pk": "PAGE#carol",
            "sk": "VIEWS",
            "views": 200,
        }
    finally:
        for store in stores:
            store.close()


def test_the_sqlite_file_has_the_documented_schema_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "liner.db"
    store = SqliteItemStore(path)
    store.write(Put({"pk": "A", "sk": "1", "gsi1pk": "G", "gsi1sk": "x", "ttl": 2**70, "v": "ü"}))
    store.close()

    reopened = SqliteItemStore(path)
    try:
        assert reopened.create_table() is False
        assert reopened.get(Key("A", "1")) == {
            "pk": "A",
            "sk": "1",
            "gsi1pk": "G",
            "gsi1sk": "x",
            "ttl": 2**70,
            "v": "ü",
        }
    finally:
        reopened.close()

    raw = sqlite3.connect(path)
    try:
        columns = [row[1] for row in raw.execute("PRAGMA table_info(items)")]
        row = raw.execute("SELECT pk, sk, gsi1pk, gsi1sk, ttl FROM items").fetchone()
        journal = raw.execute("PRAGMA journal_mode").fetchone()[0]
        indexed = [row[2] for row in raw.execute("PRAGMA index_info(items_gsi1)")]
    finally:
        raw.close()
    assert columns == ["pk", "sk", "gsi1pk", "gsi1sk", "ttl", "body"]
    assert row == ("A", "1", "G", "x", 2**63 - 1)
    assert journal == "wal"
    assert indexed == ["gsi1pk", "gsi1sk"]


def test_a_closed_sqlite_store_raises_store_error(tmp_path: Path) -> None:
    store = SqliteItemStore(tmp_path / "items.db")
    store.close()

    with pytest.raises(StoreError):
        store.get(Key("A", "1"))


# --- DynamoDB only: the table it creates, retries and error mapping --------------------------


def test_dynamodb_create_table_makes_the_documented_table(moto_endpoint: str) -> None:
    name = f"items-{uuid.uuid4().hex}"
    store = DynamoDbItemStore(name, endpoint_url=moto_endpoint)
    client = boto3.client("dynamodb", endpoint_url=moto_endpoint)
    try:
        assert store.create_table() is True
        assert store.create_table() is False
        table = client.describe_table(TableName=name)["Table"]
        ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    finally:
        store.close()
        client.close()
    assert table["TableStatus"] == "ACTIVE"
    assert [(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]] == [
        ("pk", "HASH"),
        ("sk", "RANGE"),
    ]
    (gsi,) = table["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "gsi1"
    assert [(k["AttributeName"], k["KeyType"]) for k in gsi["KeySchema"]] == [
        ("gsi1pk", "HASH"),
        ("gsi1sk", "RANGE"),
    ]
    assert gsi["Projection"]["ProjectionType"] == "ALL"
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "ttl")


def test_dynamodb_batch_get_retries_unprocessed_keys_within_one_round_trip() -> None:
    store = DynamoDbItemStore("items", endpoint_url="http://127.0.0.1:9", region_name="eu-west-1")
    first, second = Key("A", "1"), Key("A", "2")
    wire = {key: {"pk": {"S": key.pk}, "sk": {"S": key.sk}} for key in (first, second)}
    with Stubber(store._client) as stub:
        stub.add_response(
            "batch_get_item",
            {
                "Responses": {"items": [wire[first]]},
                "UnprocessedKeys": {"items": {"Keys": [wire[second]], "ConsistentRead": True}},
            },
            {
                "RequestItems": {
                    "items": {"Keys": [wire[first], wire[second]], "ConsistentRead": True}
                }
            },
        )
        stub.add_response(
            "batch_get_item",
            {"Responses": {"items": [wire[second]]}, "UnprocessedKeys": {}},
            {"RequestItems": {"items": {"Keys": [wire[second]], "ConsistentRead": True}}},
        )

        got = store.batch_get([first, second])

        stub.assert_no_pending_responses()
    store.close()
    assert sorted(item["sk"] for item in got) == ["1", "2"]
    assert store.round_trips == 1


def test_dynamodb_batch_get_gives_up_on_keys_that_stay_unprocessed() -> None:
    store = DynamoDbItemStore("items", endpoint_url="http://127.0.0.1:9", region_name="eu-west-1")
    wire = {"pk": {"S": "A"}, "sk": {"S": "1"}}
    with Stubber(store._client) as stub:
        for _ in range(5):
            stub.add_response(
                "batch_get_item",
                {"Responses": {}, "UnprocessedKeys": {"items": {"Keys": [wire]}}},
            )

        with pytest.raises(StoreError, match="unprocessed"):
            store.batch_get([Key("A", "1")])

        stub.assert_no_pending_responses()
    store.close()


def test_a_dynamodb_failure_becomes_a_store_error_naming_the_operation(moto_endpoint: str) -> None:
    store = DynamoDbItemStore(f"missing-{uuid.uuid4().hex}", endpoint_url=moto_endpoint)
    try:
        with pytest.raises(StoreError, match="GetItem failed: ResourceNotFoundException") as failed:
            store.get(Key("A", "1"))
        assert not isinstance(failed.value, ConditionFailed)
        with pytest.raises(StoreError, match="TransactWriteItems failed") as failed:
            store.transact([Put({"pk": "A", "sk": "1"})])
        assert not isinstance(failed.value, TransactionCancelled)
    finally:
        store.close()
