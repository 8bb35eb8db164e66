"""``DynamoDbItemStore``: the item port on one Amazon DynamoDB table (boto3).

Table (what ``create_table()`` makes, and what an existing table must look like):

* key: ``pk`` (S, HASH), ``sk`` (S, RANGE); billing PAY_PER_REQUEST;
* global secondary index ``gsi1``: ``gsi1pk`` (S, HASH), ``gsi1sk`` (S, RANGE),
  projection ALL (an item is in it when it has both attributes);
* time to live on the attribute ``ttl`` (epoch seconds).

Reads of the table are strongly consistent; reads of ``gsi1`` are eventually
consistent, as DynamoDB allows nothing else. Items are stored as native
attribute values (strings S, integers N, bools BOOL, None NULL, lists L, dicts
M) and numbers come back as ``int``. Conditions and updates travel as
expressions whose names and values are always placeholders.

The endpoint is ``endpoint_url`` if given, else whatever boto3 resolves (it
honours ``AWS_ENDPOINT_URL_DYNAMODB``, which reaches moto or DynamoDB Local).
Credentials and region come from boto3's usual chain. Every failure other than a
false condition becomes ``StoreError`` naming the operation and the error code.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

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
    Put,
    StoreError,
    TransactionCancelled,
    Update,
    WriteOp,
)

from .conditions import (
    TTL_ATTR,
    check_item,
    check_key,
    check_keys,
    check_op,
    check_query,
    check_transaction,
    is_expired,
    live,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

# BatchGetItem may hand back keys it did not read (throttling); try again a few
# times with a short backoff, then give up rather than return a partial answer.
_BATCH_ATTEMPTS = 5
_BATCH_BACKOFF_S = 0.05
_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 4},
    connect_timeout=5,
    read_timeout=20,
    # Services call the store from a pool of worker threads sharing this client.
    max_pool_connections=50,
)
_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


class DynamoDbItemStore:
    def __init__(
        self,
        table_name: str,
        *,
        endpoint_url: str | None = None,
        region_name: str | None = None,
    ) -> None:
        self._table = table_name
        self._lock = threading.Lock()
        self.round_trips = 0
        try:
            # boto3 clients are thread-safe: one serves every thread.
            self._client: DynamoDBClient = boto3.client(
                "dynamodb", endpoint_url=endpoint_url, region_name=region_name, config=_CONFIG
            )
        except BotoCoreError as exc:
            raise StoreError(f"dynamodb: cannot create a client: {type(exc).__name__}") from exc

    def close(self) -> None:
        self._client.close()

    def create_table(self) -> bool:
        created = True
        try:
            self._client.create_table(
                TableName=self._table,
                AttributeDefinitions=[
                    {"AttributeName": name, "AttributeType": "S"}
                    for name in ("pk", "sk", "gsi1pk", "gsi1sk")
                ],
                KeySchema=[
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                GlobalSecondaryIndexes=[
                    {
                        "IndexName": GSI1,
                        "KeySchema": [
                            {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                            {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                        ],
                        "Projection": {"ProjectionType": "ALL"},
                    }
                ],
                BillingMode="PAY_PER_REQUEST",
            )
        except ClientError as exc:
            if _code(exc) != "ResourceInUseException":
                raise _store_error("CreateTable", exc) from exc
            created = False
        except BotoCoreError as exc:  # unreachable endpoint, no credentials, ...
            raise _store_error("CreateTable", exc) from exc
        with _mapped("CreateTable"):
            self._client.get_waiter("table_exists").wait(
                TableName=self._table, WaiterConfig={"Delay": 2, "MaxAttempts": 60}
            )
            # Checked every time, so a run that died between the two calls heals.
            ttl = self._client.describe_time_to_live(TableName=self._table)
            if ttl.get("TimeToLiveDescription", {}).get("TimeToLiveStatus") in (None, "DISABLED"):
                self._client.update_time_to_live(
                    TableName=self._table,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTR},
                )
        return created

    def get(self, key: Key) -> Item | None:
        self._count()
        check_key(key)
        response = _call(
            "GetItem",
            self._client.get_item,
            TableName=self._table,
            Key=_encode_key(key),
            ConsistentRead=True,
        )
        if "Item" not in response:
            return None
        item = _decode(response["Item"])
        return None if is_expired(item, time.time()) else item

    def batch_get(self, keys: Sequence[Key]) -> list[Item]:
        self._count()
        check_keys(keys)
        pending = [_encode_key(key) for key in keys]
        found: list[Item] = []
        for attempt in range(_BATCH_ATTEMPTS):
            if not pending:
                return live(found, time.time())
            if attempt:
                time.sleep(_BATCH_BACKOFF_S * 2**attempt)
            response = _call(
                "BatchGetItem",
                self._client.batch_get_item,
                RequestItems={self._table: {"Keys": pending, "ConsistentRead": True}},
            )
            found += [_decode(item) for item in response.get("Responses", {}).get(self._table, [])]
            unprocessed = response.get("UnprocessedKeys", {}).get(self._table, {})
            pending = list(unprocessed.get("Keys", []))
        if pending:
            raise StoreError("dynamodb BatchGetItem: keys left unprocessed (throttled)")
        return live(found, time.time())

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
        self._count()
        check_query(pk, sk_prefix=sk_prefix, index=index, limit=limit, sk_lte=sk_lte)
        expr = _Expression()
        pk_attr, sk_attr = ("gsi1pk", "gsi1sk") if index == GSI1 else ("pk", "sk")
        key_condition = f"{expr.name(pk_attr)} = {expr.value(pk)}"
        if sk_prefix is not None:
            key_condition += f" AND begins_with({expr.name(sk_attr)}, {expr.value(sk_prefix)})"
        if sk_lte is not None:
            key_condition += f" AND {expr.name(sk_attr)} <= {expr.value(sk_lte)}"
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": key_condition,
            "ScanIndexForward": not descending,
            **expr.params(),
        }
        if index == GSI1:
            request["IndexName"] = GSI1
        else:
            request["ConsistentRead"] = True
        items: list[Item] = []
        while limit is None or len(items) < limit:
            if limit is not None:
                request["Limit"] = limit - len(items)
            page = _call("Query", self._client.query, **request)
            items += live([_decode(item) for item in page.get("Items", [])], time.time())
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return items

    def write(self, op: Put | Update | Delete) -> Item | None:
        self._count()
        check_op(op)
        request = self._request(op)
        if isinstance(op, Put):
            _call("PutItem", self._client.put_item, **request)
            return None
        if isinstance(op, Delete):
            _call("DeleteItem", self._client.delete_item, **request)
            return None
        response = _call("UpdateItem", self._client.update_item, ReturnValues="ALL_NEW", **request)
        return _decode(response["Attributes"])

    def transact(self, ops: Sequence[WriteOp]) -> None:
        self._count()
        check_transaction(ops)
        kinds = {Put: "Put", Update: "Update", Delete: "Delete", Check: "ConditionCheck"}
        _call(
            "TransactWriteItems",
            self._client.transact_write_items,
            TransactItems=[{kinds[type(op)]: self._request(op)} for op in ops],
        )

    # --- helpers ---------------------------------------------------------------

    def _count(self) -> None:
        with self._lock:
            self.round_trips += 1

    def _request(self, op: WriteOp) -> dict[str, Any]:
        """The parameters DynamoDB takes for ``op``, alone or inside a transaction."""
        expr = _Expression()
        request: dict[str, Any] = {"TableName": self._table}
        if isinstance(op, Put):
            request["Item"] = {
                name: _SERIALIZER.serialize(value) for name, value in check_item(op.item).items()
            }
        else:
            request["Key"] = _encode_key(op.key)
        if isinstance(op, Update):
            request["UpdateExpression"] = expr.update(op)
        if op.condition is not None:
            request["ConditionExpression"] = expr.condition(op.condition)
        return request | expr.params()


class _Expression:
    """Placeholders for the names and values of one request's expressions."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._values: dict[str, Any] = {}

    def name(self, attr: str) -> str:
        for placeholder, known in self._names.items():
            if known == attr:
                return placeholder
        placeholder = f"#n{len(self._names)}"
        self._names[placeholder] = attr
        return placeholder

    def value(self, value: object) -> str:
        placeholder = f":v{len(self._values)}"
        self._values[placeholder] = _SERIALIZER.serialize(value)
        return placeholder

    def condition(self, condition: Condition) -> str:
        if isinstance(condition, Exists):
            return f"attribute_exists({self.name(condition.attr)})"
        if isinstance(condition, NotExists):
            return f"attribute_not_exists({self.name(condition.attr)})"
        if isinstance(condition, Compare):
            # The operator was checked against the fixed set of six.
            return f"{self.name(condition.attr)} {condition.op} {self.value(condition.value)}"
        joiner = " AND " if isinstance(condition, And) else " OR "
        return "(" + joiner.join(self.condition(part) for part in condition.items) + ")"

    def update(self, update: Update) -> str:
        clauses = []
        if update.set:
            assignments = (f"{self.name(a)} = {self.value(v)}" for a, v in update.set.items())
            clauses.append("SET " + ", ".join(assignments))
        if update.add:
            additions = (f"{self.name(a)} {self.value(n)}" for a, n in update.add.items())
            clauses.append("ADD " + ", ".join(additions))
        if update.remove:
            clauses.append("REMOVE " + ", ".join(self.name(a) for a in update.remove))
        return " ".join(clauses)

    def params(self) -> dict[str, Any]:
        # DynamoDB refuses empty (and unused) name/value maps, so send only what is used.
        params: dict[str, Any] = {}
        if self._names:
            params["ExpressionAttributeNames"] = self._names
        if self._values:
            params["ExpressionAttributeValues"] = self._values
        return params


def _encode_key(key: Key) -> dict[str, Any]:
    return {"pk": {"S": key.pk}, "sk": {"S": key.sk}}


def _decode(item: dict[str, Any]) -> Item:
    return {name: _plain(_DESERIALIZER.deserialize(value)) for name, value in item.items()}


def _plain(value: Any) -> Any:
    """Numbers come back as Decimal; ours are integers, so make them int again."""
    if isinstance(value, Decimal):
        # A non-integral number was not written by us; leave it exact rather than round it.
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, list):
        return [_plain(element) for element in value]
    if isinstance(value, dict):
        return {name: _plain(element) for name, element in value.items()}
    return value


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "Unknown"))


def _store_error(operation: str, exc: ClientError | BotoCoreError) -> StoreError:
    # The code (or exception class) only: short, and nothing from the request echoed back.
    detail = _code(exc) if isinstance(exc, ClientError) else type(exc).__name__
    return StoreError(f"dynamodb {operation} failed: {detail}")


@contextmanager
def _mapped(operation: str) -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        code = _code(exc)
        if code == "ConditionalCheckFailedException":
            raise ConditionFailed("the condition on the write was false") from exc
        reasons = exc.response.get("CancellationReasons")
        if code == "TransactionCanceledException" and reasons is not None:
            raise TransactionCancelled(
                [None if r.get("Code") in (None, "None") else r["Code"] for r in reasons]
            ) from exc
        raise _store_error(operation, exc) from exc
    except BotoCoreError as exc:
        raise _store_error(operation, exc) from exc


def _call(operation: str, method: Callable[..., Any], **request: Any) -> Any:
    with _mapped(operation):
        return method(**request)
