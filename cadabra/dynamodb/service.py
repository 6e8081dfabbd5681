"""Amazon DynamoDB's table and item API, on a TableStore (SQLite or PostgreSQL).

Operations take AWS's request members (snake_case, items as typed AttributeValue documents) and
return AWS's response documents: CreateTable, DescribeTable, ListTables, DeleteTable, PutItem,
GetItem, DeleteItem, BatchWriteItem (at most 25 requests, UnprocessedItems always empty: nothing
throttles), Query and Scan (Limit, ExclusiveStartKey/LastEvaluatedKey, FilterExpression,
ProjectionExpression, Select=COUNT). PutItem and DeleteItem take a ConditionExpression and
ReturnValues NONE or ALL_OLD. Writes run one at a time under the service's lock, so a condition
and the write it guards are atomic. Secondary indexes, streams, transactions, UpdateItem and
legacy (pre-expression) parameters are not reproduced.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from cadabra.config import AwsSettings
from cadabra.dynamodb.conditions import evaluate
from cadabra.dynamodb.errors import (
    ConditionalCheckFailedException,
    ResourceInUseException,
    ResourceNotFoundException,
    ValidationException,
)
from cadabra.dynamodb.expressions import Parser
from cadabra.dynamodb.items import MAX_ITEM_BYTES, Item, canonical_item, dumps, item_size, loads
from cadabra.dynamodb.key_conditions import key_condition
from cadabra.dynamodb.keys import KeySchema, StoredKey
from cadabra.dynamodb.projection import project
from cadabra.dynamodb.reads import PageRequest, read_page, resume_range
from cadabra.dynamodb.settings import DynamoDBSettings
from cadabra.dynamodb.store import StoredItem, TableStore
from cadabra.dynamodb.tables import check_table_name, new_description, schema_of, shown

__all__ = ["MAX_BATCH_WRITE", "DynamoDBService", "open_store"]

MAX_BATCH_WRITE = 25
Names = dict[str, str] | None
Values = dict[str, dict[str, Any]] | None


def open_store(settings: DynamoDBSettings) -> TableStore:
    """PostgreSQL when `url` is set, else SQLite at `path`."""
    if settings.url is not None:
        from cadabra.dynamodb.postgres_store import PostgresStore

        return PostgresStore(settings.url.get_secret_value())
    from cadabra.dynamodb.sqlite_store import SqliteStore

    return SqliteStore(settings.path)


class DynamoDBService:
    def __init__(self, store: TableStore, aws: AwsSettings | None = None) -> None:
        self.store = store
        self._aws = aws or AwsSettings()
        self._writes = threading.Lock()

    @classmethod
    def from_settings(cls, settings: DynamoDBSettings | None = None) -> DynamoDBService:
        return cls(open_store(settings or DynamoDBSettings()))

    def close(self) -> None:
        self.store.close()

    # --- tables
    def create_table(
        self,
        table_name: str,
        key_schema: list[dict[str, str]] | None = None,
        attribute_definitions: list[dict[str, str]] | None = None,
        billing_mode: str | None = None,
        provisioned_throughput: dict[str, int] | None = None,
        deletion_protection_enabled: bool | None = None,
    ) -> dict[str, Any]:
        name = check_table_name(table_name)
        request = {
            "TableName": name,
            "KeySchema": key_schema,
            "AttributeDefinitions": attribute_definitions,
            "BillingMode": billing_mode,
            "ProvisionedThroughput": provisioned_throughput,
            "DeletionProtectionEnabled": deletion_protection_enabled,
        }
        description = new_description(request, self._aws.region, self._aws.account_id)
        if not self.store.create_table(name, json.dumps(description)):
            raise ResourceInUseException(f"Table already exists: {name}")
        return {"TableDescription": shown(description, "ACTIVE", 0, 0)}

    def describe_table(self, table_name: str) -> dict[str, Any]:
        name, description = self._table(table_name)
        return {"Table": shown(description, "ACTIVE", *self.store.stats(name))}

    def list_tables(
        self, exclusive_start_table_name: str | None = None, limit: int | None = None
    ) -> dict[str, Any]:
        names = [n for n in self.store.table_names() if n > (exclusive_start_table_name or "")]
        page = names[: limit or 100]
        answer: dict[str, Any] = {"TableNames": page}
        if len(page) < len(names):
            answer["LastEvaluatedTableName"] = page[-1]
        return answer

    def delete_table(self, table_name: str) -> dict[str, Any]:
        name, description = self._table(table_name)
        if description.get("DeletionProtectionEnabled"):
            raise ValidationException(
                "Resource cannot be deleted as it is currently protected against deletion. "
                "Disable deletion protection first."
            )
        stats = self.store.stats(name)
        if not self.store.drop_table(name):
            raise ResourceNotFoundException()
        return {"TableDescription": shown(description, "DELETING", *stats)}

    def _table(self, table_name: str) -> tuple[str, dict[str, Any]]:
        name = check_table_name(table_name)
        text = self.store.describe(name)
        if text is None:
            raise ResourceNotFoundException()
        return name, json.loads(text)

    def _schema(self, table_name: str) -> tuple[str, KeySchema]:
        name, description = self._table(table_name)
        return name, schema_of(description)

    # --- items
    def put_item(
        self,
        table_name: str,
        item: Item,
        condition_expression: str | None = None,
        expression_attribute_names: Names = None,
        expression_attribute_values: Values = None,
        return_values: str | None = None,
    ) -> dict[str, Any]:
        name, schema = self._schema(table_name)
        stored = _stored(schema, canonical_item(item))
        condition = _condition(
            condition_expression, expression_attribute_names, expression_attribute_values
        )
        _check_return_values(return_values)
        with self._writes:
            old = self._old(name, stored.key, condition)
            self.store.write(name, [stored], [])
        return _attributes(old, return_values)

    def get_item(
        self,
        table_name: str,
        key: Item,
        projection_expression: str | None = None,
        expression_attribute_names: Names = None,
    ) -> dict[str, Any]:
        name, schema = self._schema(table_name)
        parser = Parser(expression_attribute_names or {})
        paths = parser.projection(projection_expression) if projection_expression else None
        parser.check_unused()
        text = self.store.get(name, schema.lookup_key(canonical_item(key)))
        return {} if text is None else {"Item": project(loads(text), paths)}

    def delete_item(
        self,
        table_name: str,
        key: Item,
        condition_expression: str | None = None,
        expression_attribute_names: Names = None,
        expression_attribute_values: Values = None,
        return_values: str | None = None,
    ) -> dict[str, Any]:
        name, schema = self._schema(table_name)
        stored_key = schema.lookup_key(canonical_item(key))
        condition = _condition(
            condition_expression, expression_attribute_names, expression_attribute_values
        )
        _check_return_values(return_values)
        with self._writes:
            old = self._old(name, stored_key, condition)
            self.store.write(name, [], [stored_key])
        return _attributes(old, return_values)

    def _old(self, table: str, key: StoredKey, condition: Any) -> Item | None:
        text = self.store.get(table, key)
        old = None if text is None else loads(text)
        if condition is not None and not evaluate(condition, old or {}):
            raise ConditionalCheckFailedException()
        return old

    def batch_write_item(self, request_items: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
        if sum(len(requests) for requests in request_items.values()) > MAX_BATCH_WRITE:
            raise ValidationException("Too many items requested for the BatchWriteItem call")
        plans = [self._batch_plan(table, requests) for table, requests in request_items.items()]
        with self._writes:
            for name, puts, deletes in plans:
                self.store.write(name, puts, deletes)
        return {"UnprocessedItems": {}}

    def _batch_plan(
        self, table_name: str, requests: list[dict[str, Any]]
    ) -> tuple[str, list[StoredItem], list[StoredKey]]:
        name, schema = self._schema(table_name)
        puts: list[StoredItem] = []
        deletes: list[StoredKey] = []
        for request in requests:
            put, delete = request.get("PutRequest"), request.get("DeleteRequest")
            if (put is None) == (delete is None):
                raise ValidationException(
                    "One or more parameter values were invalid: A WriteRequest must contain "
                    "exactly one of PutRequest and DeleteRequest"
                )
            if put is not None:
                puts.append(_stored(schema, canonical_item(put["Item"])))
            elif delete is not None:
                deletes.append(schema.lookup_key(canonical_item(delete["Key"])))
        keys = [p.key for p in puts] + deletes
        if len(set(keys)) < len(keys):
            raise ValidationException("Provided list of item keys contains duplicates")
        return name, puts, deletes

    # --- reads
    def query(
        self,
        table_name: str,
        key_condition_expression: str | None = None,
        expression_attribute_names: Names = None,
        expression_attribute_values: Values = None,
        filter_expression: str | None = None,
        projection_expression: str | None = None,
        scan_index_forward: bool | None = None,
        limit: int | None = None,
        exclusive_start_key: Item | None = None,
        select: str | None = None,
    ) -> dict[str, Any]:
        name, schema = self._schema(table_name)
        if not key_condition_expression:
            raise ValidationException(
                "Either the KeyConditions or KeyConditionExpression parameter must be specified "
                "in the request."
            )
        parser = _parser(expression_attribute_names, expression_attribute_values)
        keys = key_condition(
            parser.condition(key_condition_expression, "KeyConditionExpression"), schema
        )
        page = _page_request(
            parser, schema, filter_expression, projection_expression, limit, select
        )
        forward = scan_index_forward is not False
        sort = keys.sort
        if exclusive_start_key is not None:
            start = _start_key(schema, exclusive_start_key)
            sort = resume_range(sort, start[1], forward)

        def fetch(after: StoredItem | None, count: int) -> list[StoredItem]:
            bounds = sort if after is None else resume_range(sort, after.sort, forward)
            return self.store.query(name, keys.partition, bounds, forward, count)

        return read_page(page, fetch)

    def scan(
        self,
        table_name: str,
        expression_attribute_names: Names = None,
        expression_attribute_values: Values = None,
        filter_expression: str | None = None,
        projection_expression: str | None = None,
        limit: int | None = None,
        exclusive_start_key: Item | None = None,
        select: str | None = None,
    ) -> dict[str, Any]:
        name, schema = self._schema(table_name)
        parser = _parser(expression_attribute_names, expression_attribute_values)
        page = _page_request(
            parser, schema, filter_expression, projection_expression, limit, select
        )
        start = None if exclusive_start_key is None else _start_key(schema, exclusive_start_key)

        def fetch(after: StoredItem | None, count: int) -> list[StoredItem]:
            return self.store.scan(name, after.key if after else start, count)

        return read_page(page, fetch)


def _stored(schema: KeySchema, item: Item) -> StoredItem:
    size = item_size(item)
    if size > MAX_ITEM_BYTES:
        raise ValidationException("Item size has exceeded the maximum allowed size")
    partition, sort = schema.item_key(item)
    return StoredItem(partition, sort, dumps(item), size)


def _parser(names: Names, values: Values) -> Parser:
    return Parser(names or {}, canonical_item(values or {}))


def _condition(expression: str | None, names: Names, values: Values) -> Any:
    parser = _parser(names, values)
    condition = parser.condition(expression, "ConditionExpression") if expression else None
    parser.check_unused()
    return condition


def _page_request(
    parser: Parser,
    schema: KeySchema,
    filter_expression: str | None,
    projection_expression: str | None,
    limit: int | None,
    select: str | None,
) -> PageRequest:
    condition = None
    if filter_expression:
        condition = parser.condition(filter_expression, "FilterExpression")
    paths = parser.projection(projection_expression) if projection_expression else None
    parser.check_unused()
    if select not in (None, "ALL_ATTRIBUTES", "COUNT", "SPECIFIC_ATTRIBUTES"):
        raise ValidationException(f"Select type {select} is not supported by Cadabra's DynamoDB")
    return PageRequest(schema, limit, condition, paths, count_only=select == "COUNT")


def _start_key(schema: KeySchema, key: Item) -> StoredKey:
    try:
        return schema.lookup_key(canonical_item(key))
    except ValidationException as exc:
        raise ValidationException(f"The provided starting key is invalid: {exc.message}") from None


def _check_return_values(return_values: str | None) -> None:
    if return_values not in (None, "NONE", "ALL_OLD"):
        raise ValidationException("Return values set to invalid value")


def _attributes(old: Item | None, return_values: str | None) -> dict[str, Any]:
    return {"Attributes": old} if return_values == "ALL_OLD" and old is not None else {}
