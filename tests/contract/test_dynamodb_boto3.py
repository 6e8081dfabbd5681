"""boto3's DynamoDB client and resource against the endpoint, on SQLite and on PostgreSQL.

Each backend gets its own store and endpoint for the module; tables get unique names.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Attr, Key
from botocore.config import Config
from botocore.exceptions import ClientError

from cadabra.dynamodb import DynamoDBService
from cadabra.dynamodb.endpoint import TARGET_PREFIX, dynamodb_service
from cadabra.dynamodb.testing import open_backend
from cadabra.endpoint.app import EndpointApp
from cadabra.endpoint.testing import serve_in_thread
from cadabra.stack.net import free_port_block

MakeTable = Callable[..., Any]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def dynamodb_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    service = DynamoDBService(open_backend(request.param, tmp_path_factory.mktemp("dynamodb")))
    app = EndpointApp({TARGET_PREFIX: dynamodb_service(service)})
    with serve_in_thread(app, free_port_block(1)) as url:
        yield url
    app.close()
    service.close()


def _session_args(url: str) -> dict[str, Any]:
    return {
        "endpoint_url": url,
        "region_name": "us-east-1",
        "aws_access_key_id": "cadabra",
        "aws_secret_access_key": "cadabra-secret",  # the stack's default, not a secret
        "config": Config(retries={"total_max_attempts": 1}),
    }


@pytest.fixture
def resource(dynamodb_url: str) -> Any:
    return boto3.resource("dynamodb", **_session_args(dynamodb_url))


@pytest.fixture
def client(dynamodb_url: str) -> Any:
    """A plain client (the resource's own client rewrites AttributeValues on the way)."""
    return boto3.client("dynamodb", **_session_args(dynamodb_url))


@pytest.fixture
def make_table(resource: Any) -> Iterator[MakeTable]:
    made: list[Any] = []

    def make(sort_type: str | None = "S", partition_type: str = "N") -> Any:
        schema = [{"AttributeName": "CustomerID", "KeyType": "HASH"}]
        definitions = [{"AttributeName": "CustomerID", "AttributeType": partition_type}]
        if sort_type is not None:
            schema.append({"AttributeName": "OrderID", "KeyType": "RANGE"})
            definitions.append({"AttributeName": "OrderID", "AttributeType": sort_type})
        table = resource.create_table(
            TableName=f"test-{uuid.uuid4().hex[:12]}",
            KeySchema=schema,
            AttributeDefinitions=definitions,
            BillingMode="PAY_PER_REQUEST",
        )
        made.append(table)
        return table

    yield make
    for table in made:
        with contextlib.suppress(ClientError):  # unless the test deleted it
            table.delete()


def _code(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return error.value.response["Error"]["Code"], error.value.response["Error"]["Message"]


def test_tables_are_created_described_listed_and_deleted(
    client: Any, make_table: MakeTable
) -> None:
    table = make_table()
    table.wait_until_exists()
    described = client.describe_table(TableName=table.name)["Table"]
    assert described["TableStatus"] == "ACTIVE"
    assert described["KeySchema"][1] == {"AttributeName": "OrderID", "KeyType": "RANGE"}
    assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert described["TableArn"].endswith(f":table/{table.name}")
    assert table.name in client.list_tables()["TableNames"]
    with pytest.raises(ClientError) as exists:
        client.create_table(
            TableName=table.name,
            KeySchema=described["KeySchema"],
            AttributeDefinitions=described["AttributeDefinitions"],
            BillingMode="PAY_PER_REQUEST",
        )
    assert _code(exists) == ("ResourceInUseException", f"Table already exists: {table.name}")
    assert (
        client.delete_table(TableName=table.name)["TableDescription"]["TableStatus"] == "DELETING"
    )
    with pytest.raises(client.exceptions.ResourceNotFoundException) as gone:
        client.describe_table(TableName=table.name)
    assert gone.value.response["Error"]["Message"] == "Requested resource not found"


def test_list_tables_pages(client: Any, make_table: MakeTable) -> None:
    names = sorted(make_table(sort_type=None).name for _ in range(3))
    seen: list[str] = []
    for page in client.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 2}):
        seen += page["TableNames"]
    assert [n for n in seen if n in names] == names


def test_items_round_trip_with_every_type(make_table: MakeTable) -> None:
    table = make_table()
    item = {
        "CustomerID": Decimal(17850),
        "OrderID": "536365-85123A",
        "UnitPrice": Decimal("2.550"),
        "Blob": b"\x00\xff",
        "Tags": {"gift", "home"},
        "Sizes": {Decimal(1), Decimal("2.5")},
        "Lines": [{"sku": "85123A", "qty": Decimal(6)}, None, True],
        "Empty": "",
    }
    table.put_item(Item=item)
    got = table.get_item(Key={"CustomerID": 17850, "OrderID": "536365-85123A"})["Item"]
    assert got["UnitPrice"] == Decimal("2.55") and str(got["UnitPrice"]) == "2.55"
    assert got["Blob"].value == b"\x00\xff"
    assert got["Tags"] == {"gift", "home"} and got["Sizes"] == {Decimal(1), Decimal("2.5")}
    assert got["Lines"] == [{"sku": "85123A", "qty": Decimal(6)}, None, True]
    projected = table.get_item(
        Key={"CustomerID": 17850, "OrderID": "536365-85123A"},
        ProjectionExpression="#p, Lines[0].sku",
        ExpressionAttributeNames={"#p": "UnitPrice"},
    )["Item"]
    assert projected == {"UnitPrice": Decimal("2.55"), "Lines": [{"sku": "85123A"}]}
    old = table.delete_item(
        Key={"CustomerID": 17850, "OrderID": "536365-85123A"}, ReturnValues="ALL_OLD"
    )
    assert old["Attributes"]["Tags"] == {"gift", "home"}
    assert "Item" not in table.get_item(Key={"CustomerID": 17850, "OrderID": "536365-85123A"})


def test_conditional_writes(make_table: MakeTable) -> None:
    table = make_table()
    key = {"CustomerID": 1, "OrderID": "a"}
    table.put_item(Item={**key, "Quantity": 1}, ConditionExpression="attribute_not_exists(OrderID)")
    with pytest.raises(ClientError) as failed:
        table.put_item(
            Item={**key, "Quantity": 2}, ConditionExpression=Attr("OrderID").not_exists()
        )
    assert _code(failed) == ("ConditionalCheckFailedException", "The conditional request failed")
    with pytest.raises(ClientError):
        table.delete_item(Key=key, ConditionExpression=Attr("Quantity").gt(1))
    table.delete_item(Key=key, ConditionExpression=Attr("Quantity").eq(1))
    assert "Item" not in table.get_item(Key=key)


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            {"CustomerID": "17850", "OrderID": "a"},
            "Type mismatch for key CustomerID expected: N actual: S",
        ),
        ({"CustomerID": 1}, "Missing the key OrderID in the item"),
        ({"CustomerID": 1, "OrderID": ""}, "cannot contain an empty string value. Key: OrderID"),
        (
            {"CustomerID": 1, "OrderID": "a", "Big": "x" * 410_000},
            "Item size has exceeded the maximum allowed size",
        ),
    ],
)
def test_bad_items_are_refused(make_table: MakeTable, item: dict[str, Any], message: str) -> None:
    table = make_table()
    with pytest.raises(ClientError) as refused:
        table.put_item(Item=item)
    code, text = _code(refused)
    assert code == "ValidationException" and message in text


def test_missing_table_and_bad_key(client: Any, make_table: MakeTable) -> None:
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_item(TableName="NoSuchTable", Key={"CustomerID": {"N": "1"}})
    table = make_table()
    with pytest.raises(ClientError) as refused:
        table.get_item(Key={"CustomerID": 1})
    assert _code(refused) == (
        "ValidationException",
        "The provided key element does not match the schema",
    )
    with pytest.raises(ClientError) as digits:  # boto3's resource refuses these before sending
        client.put_item(
            TableName=table.name, Item={"CustomerID": {"N": "1" * 39}, "OrderID": {"S": "a"}}
        )
    assert _code(digits) == (
        "ValidationException",
        "Attempting to store more than 38 significant digits in a Number",
    )


def test_batch_writer_writes_in_batches_of_25(make_table: MakeTable) -> None:
    table = make_table()
    with table.batch_writer() as batch:
        for i in range(130):
            batch.put_item(Item={"CustomerID": i % 4, "OrderID": f"{i:04d}", "Quantity": i})
        batch.delete_item(Key={"CustomerID": 0, "OrderID": "0000"})
    counts = [
        table.query(KeyConditionExpression=Key("CustomerID").eq(c), Select="COUNT")["Count"]
        for c in range(4)
    ]
    assert counts == [32, 33, 32, 32]


def test_batch_write_item_limits(client: Any, make_table: MakeTable) -> None:
    name = make_table().name

    def put(i: int) -> dict[str, Any]:
        return {"PutRequest": {"Item": {"CustomerID": {"N": "1"}, "OrderID": {"S": str(i)}}}}

    answer = client.batch_write_item(RequestItems={name: [put(i) for i in range(25)]})
    assert answer["UnprocessedItems"] == {}
    with pytest.raises(ClientError) as too_many:
        client.batch_write_item(RequestItems={name: [put(i) for i in range(26)]})
    code, text = _code(too_many)
    assert code == "ValidationException" and "length less than or equal to 25" in text
    with pytest.raises(ClientError) as duplicates:
        client.batch_write_item(RequestItems={name: [put(1), put(1)]})
    assert _code(duplicates) == (
        "ValidationException",
        "Provided list of item keys contains duplicates",
    )


def test_query_key_conditions_order_and_pages(make_table: MakeTable) -> None:
    table = make_table(sort_type="N")
    values = [Decimal(v) for v in ["-10", "-2.5", "-2", "0", "0.5", "1", "2", "10", "100", "1E+20"]]
    with table.batch_writer() as batch:
        for v in values:
            batch.put_item(Item={"CustomerID": 7, "OrderID": v})
        batch.put_item(Item={"CustomerID": 8, "OrderID": 0})

    def sort_keys(condition: Any, **kwargs: Any) -> list[Decimal]:
        items = table.query(
            KeyConditionExpression=Key("CustomerID").eq(7) & condition
            if condition is not None
            else Key("CustomerID").eq(7),
            **kwargs,
        )["Items"]
        return [i["OrderID"] for i in items]

    assert sort_keys(None) == values
    assert sort_keys(None, ScanIndexForward=False) == values[::-1]
    assert sort_keys(Key("OrderID").lt(0)) == values[:3]
    assert sort_keys(Key("OrderID").lte(0)) == values[:4]
    assert sort_keys(Key("OrderID").gt(2)) == values[7:]
    assert sort_keys(Key("OrderID").gte(2)) == values[6:]
    assert sort_keys(Key("OrderID").between(Decimal("-2.5"), 1)) == values[1:6]
    assert sort_keys(Key("OrderID").eq(Decimal("100.0"))) == [Decimal(100)]
    first = table.query(KeyConditionExpression=Key("CustomerID").eq(7), Limit=4)
    assert [i["OrderID"] for i in first["Items"]] == values[:4]
    assert first["LastEvaluatedKey"] == {"CustomerID": 7, "OrderID": 0}
    rest = table.query(
        KeyConditionExpression=Key("CustomerID").eq(7), ExclusiveStartKey=first["LastEvaluatedKey"]
    )
    assert [i["OrderID"] for i in rest["Items"]] == values[4:] and "LastEvaluatedKey" not in rest


def test_query_begins_with_filter_and_paginator(client: Any, make_table: MakeTable) -> None:
    table = make_table()
    with table.batch_writer() as batch:
        for i in range(40):
            batch.put_item(
                Item={"CustomerID": 1, "OrderID": f"{536365 + i // 10}-{i:03d}", "Quantity": i}
            )
    prefix = table.query(
        KeyConditionExpression=Key("CustomerID").eq(1) & Key("OrderID").begins_with("536366-")
    )
    assert prefix["Count"] == 10 and prefix["Items"][0]["OrderID"] == "536366-010"
    pages = client.get_paginator("query").paginate(
        TableName=table.name,
        KeyConditionExpression="CustomerID = :c",
        FilterExpression="Quantity >= :q",
        ExpressionAttributeValues={":c": {"N": "1"}, ":q": {"N": "30"}},
        PaginationConfig={"PageSize": 7},
    )
    pages = list(pages)
    assert [p["ScannedCount"] for p in pages] == [7, 7, 7, 7, 7, 5]
    assert sum(p["Count"] for p in pages) == 10


def test_query_errors_are_dynamodbs(client: Any, make_table: MakeTable) -> None:
    name = make_table().name
    with pytest.raises(ClientError) as missed:
        client.query(
            TableName=name,
            KeyConditionExpression="OrderID = :o",
            ExpressionAttributeValues={":o": {"S": "a"}},
        )
    assert _code(missed) == (
        "ValidationException",
        "Query condition missed key schema element: CustomerID",
    )
    with pytest.raises(ClientError) as unused:
        client.query(
            TableName=name,
            KeyConditionExpression="CustomerID = :c",
            ExpressionAttributeValues={":c": {"N": "1"}, ":x": {"N": "2"}},
        )
    assert "unused in expressions: keys: {:x}" in _code(unused)[1]


def test_scan_pages_filters_and_projects(client: Any, make_table: MakeTable) -> None:
    table = make_table()
    with table.batch_writer() as batch:
        for i in range(55):
            batch.put_item(
                Item={
                    "CustomerID": i % 5,
                    "OrderID": f"{i:03d}",
                    "Country": "France" if i % 11 == 0 else "United Kingdom",
                }
            )
    everything = list(table.scan()["Items"])
    assert len(everything) == 55
    french = table.scan(
        FilterExpression=Attr("Country").eq("France"), ProjectionExpression="OrderID"
    )
    assert sorted(i["OrderID"] for i in french["Items"]) == ["000", "011", "022", "033", "044"]
    assert all(set(i) == {"OrderID"} for i in french["Items"])
    pages = list(
        client.get_paginator("scan").paginate(
            TableName=table.name, PaginationConfig={"PageSize": 20}
        )
    )
    assert [p["Count"] for p in pages] == [20, 20, 15]
    keys = [(i["CustomerID"]["N"], i["OrderID"]["S"]) for p in pages for i in p["Items"]]
    assert len(set(keys)) == 55
