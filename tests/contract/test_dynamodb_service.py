"""DynamoDBService on each store (SQLite, PostgreSQL): ordering, pages, persistence, errors."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cadabra.dynamodb import (
    DynamoDBService,
    ResourceNotFoundException,
    ValidationException,
)
from cadabra.dynamodb.postgres_store import PostgresStore
from cadabra.dynamodb.reads import MAX_PAGE_BYTES
from cadabra.dynamodb.sqlite_store import SqliteStore
from cadabra.dynamodb.testing import fresh_database, shared_postgres_url


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "dynamodb.sqlite3")
    return fresh_database(shared_postgres_url())


def _open(location: str) -> DynamoDBService:
    if location.endswith(".sqlite3"):
        return DynamoDBService(SqliteStore(location))
    return DynamoDBService(PostgresStore(location))


@pytest.fixture
def service(location: str) -> Iterator[DynamoDBService]:
    opened = _open(location)
    yield opened
    opened.close()


def _table(service: DynamoDBService, sort_type: str) -> str:
    name = f"t-{uuid.uuid4().hex[:10]}"
    service.create_table(
        name,
        key_schema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        attribute_definitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": sort_type},
        ],
        billing_mode="PAY_PER_REQUEST",
    )
    return name


def _sort_keys(answer: dict[str, Any], kind: str) -> list[Any]:
    return [item["sk"][kind] for item in answer["Items"]]


def test_strings_sort_by_utf8_bytes(service: DynamoDBService) -> None:
    name = _table(service, "S")
    keys = ["Z", "a", "ab", "é", "\U0001f600", "\uffff", "A"]
    for key in keys:
        service.put_item(name, {"pk": {"S": "p"}, "sk": {"S": key}})
    answer = service.query(name, "pk = :p", expression_attribute_values={":p": {"S": "p"}})
    assert _sort_keys(answer, "S") == sorted(keys, key=lambda k: k.encode())


def test_binary_keys_and_begins_with_at_the_top_byte(service: DynamoDBService) -> None:
    name = _table(service, "B")
    keys = [b"\x00", b"\x7f", b"\xff", b"\xff\x00", b"\xff\xff", b"\xff\xff\x01", b"\x80"]
    for key in keys:
        service.put_item(name, {"pk": {"S": "p"}, "sk": {"B": key}})
    values = {":p": {"S": "p"}, ":b": {"B": b"\xff\xff"}}
    answer = service.query(
        name, "pk = :p AND begins_with(sk, :b)", expression_attribute_values=values
    )
    assert _sort_keys(answer, "B") == [b"\xff\xff", b"\xff\xff\x01"]
    everything = service.query(
        name, "pk = :p", expression_attribute_values={":p": {"S": "p"}}, scan_index_forward=False
    )
    assert _sort_keys(everything, "B") == sorted(keys, reverse=True)


def test_a_page_stops_at_one_megabyte(service: DynamoDBService) -> None:
    name = _table(service, "N")
    filler = "x" * 100_000
    for i in range(12):
        service.put_item(name, {"pk": {"S": "p"}, "sk": {"N": str(i)}, "f": {"S": filler}})
    values = {":p": {"S": "p"}}
    first = service.query(name, "pk = :p", expression_attribute_values=values)
    assert first["Count"] == MAX_PAGE_BYTES // 100_000 + 1  # the item that crosses 1 MB is kept
    second = service.query(
        name,
        "pk = :p",
        expression_attribute_values=values,
        exclusive_start_key=first["LastEvaluatedKey"],
    )
    assert first["Count"] + second["Count"] == 12 and "LastEvaluatedKey" not in second
    scanned = service.scan(name, select="COUNT")
    assert scanned["Count"] == first["Count"] and "LastEvaluatedKey" in scanned


def test_tables_and_items_survive_a_restart(location: str) -> None:
    first = _open(location)
    name = _table(first, "S")
    first.put_item(name, {"pk": {"S": "p"}, "sk": {"S": "s"}, "n": {"N": "1.10"}})
    first.close()
    again = _open(location)
    try:
        item = again.get_item(name, {"pk": {"S": "p"}, "sk": {"S": "s"}})["Item"]
        assert item["n"] == {"N": "1.1"}
        assert again.describe_table(name)["Table"]["ItemCount"] == 1
    finally:
        again.close()


def test_deleting_a_table_removes_its_items(service: DynamoDBService) -> None:
    name = _table(service, "S")
    service.put_item(name, {"pk": {"S": "p"}, "sk": {"S": "s"}})
    service.delete_table(name)
    with pytest.raises(ResourceNotFoundException, match="Requested resource not found"):
        service.get_item(name, {"pk": {"S": "p"}, "sk": {"S": "s"}})
    recreated = name
    service.create_table(
        recreated,
        key_schema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        attribute_definitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        billing_mode="PAY_PER_REQUEST",
    )
    assert service.scan(recreated)["Items"] == []


@pytest.mark.parametrize(
    ("request_members", "message"),
    [
        ({"key_schema": None}, "Value null at 'keySchema'"),
        (
            {"key_schema": [{"AttributeName": "pk", "KeyType": "RANGE"}]},
            "The first KeySchemaElement is not a HASH key type",
        ),
        (
            {"attribute_definitions": [{"AttributeName": "x", "AttributeType": "S"}]},
            "Some index key attributes are not defined in AttributeDefinitions",
        ),
        ({"billing_mode": "PROVISIONED"}, "must both be specified when BillingMode is PROVISIONED"),
        ({"table_name": "ab"}, "have length between 3 and 255"),
    ],
)
def test_create_table_checks(
    service: DynamoDBService, request_members: dict[str, Any], message: str
) -> None:
    members: dict[str, Any] = {
        "table_name": f"t-{uuid.uuid4().hex[:10]}",
        "key_schema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "attribute_definitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "billing_mode": "PAY_PER_REQUEST",
        **request_members,
    }
    with pytest.raises(ValidationException, match=message):
        service.create_table(**members)


def test_deletion_protection_and_bad_start_keys(service: DynamoDBService) -> None:
    name = f"t-{uuid.uuid4().hex[:10]}"
    service.create_table(
        name,
        key_schema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        attribute_definitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        billing_mode="PAY_PER_REQUEST",
        deletion_protection_enabled=True,
    )
    with pytest.raises(ValidationException, match="protected against deletion"):
        service.delete_table(name)
    with pytest.raises(ValidationException, match="The provided starting key is invalid"):
        service.scan(name, exclusive_start_key={"nope": {"S": "x"}})
