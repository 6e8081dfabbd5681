"""The course's order-history pipeline into the DynamoDB stand-in, run unchanged.

The Lambda (`processors.lambda_runner.examples.order_history`) writes with boto3's
`Table('CadabraOrders').batch_writer()`; the client app reads one customer's orders with Query by
CustomerID. Both reach the stand-in by endpoint only: `endpoint_url`, or AWS_ENDPOINT_URL_DYNAMODB
for the Lambda's own `boto3.resource("dynamodb")`.
"""

from __future__ import annotations

import base64
import json
import random
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Key

from cadabra.dynamodb import DynamoDBService
from cadabra.dynamodb.endpoint import TARGET_PREFIX, dynamodb_service
from cadabra.dynamodb.testing import open_backend
from cadabra.endpoint.app import EndpointApp
from cadabra.endpoint.testing import serve_in_thread
from cadabra.quotas import FakeClock
from cadabra.stack.net import free_port_block
from processors.lambda_runner import EventSourceMapping, LambdaSettings
from processors.lambda_runner.examples import order_history

FIELDS = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice"]
FIELDS += ["Customer", "Country"]
AWS_ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "cadabra",
    "AWS_SECRET_ACCESS_KEY": "cadabra-secret",  # the stack's default, not a secret
}


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


@pytest.fixture
def orders(dynamodb_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The course's table: CustomerID (Number) partition key, OrderID (String) sort key."""
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    dynamodb = boto3.resource("dynamodb", endpoint_url=dynamodb_url)
    table = dynamodb.create_table(
        TableName="CadabraOrders",
        KeySchema=[
            {"AttributeName": "CustomerID", "KeyType": "HASH"},
            {"AttributeName": "OrderID", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "CustomerID", "AttributeType": "N"},
            {"AttributeName": "OrderID", "AttributeType": "S"},
        ],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    )
    table.wait_until_exists()
    yield table
    table.delete()


def _order_lines(count: int, seed: int = 5) -> list[dict[str, str]]:
    """Rows as the agent's CSVTOJSON makes them: strings, `\\r` on Country, some customers empty."""
    rng = random.Random(seed)
    lines = []
    for i in range(count):
        values = [
            str(536365 + i // 4),
            f"{rng.randint(10000, 99999)}{rng.choice(['', 'A'])}",
            "WHITE HANGING HEART T-LIGHT HOLDER",
            str(rng.choice([1, 6, 12, -1])),
            f"12/1/2010 8:{26 + i % 30}",
            rng.choice(["2.55", "3.39", "0.85"]),
            "" if i % 5 == 4 else str(rng.choice([17850, 13047, 12583])),
            rng.choice(["United Kingdom", "France"]) + "\r",
        ]
        lines.append(dict(zip(FIELDS, values, strict=True)))
    return lines


def _event(lines: list[dict[str, str]]) -> dict[str, Any]:
    records = []
    for line in lines:
        data = base64.b64encode((json.dumps(line) + "\n").encode()).decode()
        records.append({"kinesis": {"data": data, "partitionKey": line["InvoiceNo"]}})
    return {"Records": records}


def _check_customer_orders(table: Any, lines: list[dict[str, str]]) -> None:
    """The client app: each customer's orders by Query on CustomerID, newest data intact."""
    for customer in {line["Customer"] for line in lines if line["Customer"]}:
        want = [line for line in lines if line["Customer"] == customer]
        items = table.query(KeyConditionExpression=Key("CustomerID").eq(int(customer)))["Items"]
        assert len(items) == len(want)
        for item in items:
            assert re.fullmatch(r"\d{6}-\d{5}A?-[0-9a-f]{32}", item["OrderID"])
            assert item["Country"] in ("United Kingdom", "France")  # the \r is gone
            assert isinstance(item["Quantity"], Decimal)
        got = sorted((i["OrderID"][:-33], i["OrderDate"], i["UnitPrice"]) for i in items)
        expected = sorted(
            (f"{w['InvoiceNo']}-{w['StockCode']}", w["InvoiceDate"], Decimal(w["UnitPrice"]))
            for w in want
        )
        assert got == expected
    assert table.scan(Select="COUNT")["Count"] == sum(1 for line in lines if line["Customer"])


def test_write_orders_fills_the_table_the_client_app_reads(
    orders: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _order_lines(120)
    order_history.write_orders(_event(lines), orders)
    assert capsys.readouterr().out.count("Error processing invalid input row.") == 24
    _check_customer_orders(orders, lines)


@contextmanager
def quota_time_passing(clock: FakeClock, every_s: float = 0.02) -> Iterator[None]:
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(every_s):
            clock.advance(0.2)

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        yield
    finally:
        stop.set()
        ticker.join()


def test_the_lambda_runs_unchanged_on_a_kinesis_stream(
    orders: Any,
    dynamodb_url: str,
    kinesis: Any,
    make_stream: Any,
    quota_clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(order_history, "TABLE", None)  # the course's boto3.resource("dynamodb")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_url)
    name = make_stream(shard_count=2)
    lines = _order_lines(200, seed=9)
    records = [
        {"Data": (json.dumps(line) + "\n").encode(), "PartitionKey": line["InvoiceNo"]}
        for line in lines
    ]
    assert kinesis.put_records(StreamName=name, Records=records)["FailedRecordCount"] == 0
    settings = LambdaSettings(
        function_name="CadabraOrderHistory",
        positions_path=tmp_path / "positions.sqlite",
        poll_interval_s=0.05,
        shard_refresh_s=0.3,
    )
    mapping = EventSourceMapping(name, order_history.lambda_handler, settings, client=kinesis)
    with quota_time_passing(quota_clock):
        assert mapping.run_until(lambda: mapping.stats.records_processed >= 200, timeout_s=60)
    assert mapping.stats.function_errors == 0
    _check_customer_orders(orders, lines)
