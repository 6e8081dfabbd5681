"""The Cadabra pipelines end to end on the session's stack, each role its own process.

300 generated log lines go through the agent's two flows. Every order row reaches the Kinesis
stream and the bucket exactly once; the order-history table holds exactly the rows with a customer
id; the burst (the agent sends the lines within a second or two) raises alarms that reach the
webhook through the alarm Lambda and SNS; a quiet period afterwards raises none.
"""

from __future__ import annotations

import csv
import gzip
import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from cadabra.demo.pipeline import DemoOptions, PipelineDemo
from cadabra.demo.resources import ALARMS, ORDERS, DemoResources
from cadabra.stack.net import free_port_block
from cadabra.stack.testing import StackEndpoints
from cadabra.streams.kafka_reader import KafkaReader

LINES = 300
QUIET_S = 12.0  # longer than the 10 s window: an alarm would have to be raised in it


@pytest.fixture
def demo(stack: StackEndpoints, tmp_path: Path) -> Iterator[PipelineDemo]:
    endpoint = stack.endpoint_url
    assert endpoint, "the pipelines need the stack's endpoint (CADABRA_ENDPOINT_URL)"
    _, s3, aws = stack.settings()
    options = DemoOptions(lines=LINES, folder=tmp_path, timeout_s=150, web_port=free_port_block(1))
    resources = DemoResources(endpoint, aws, s3)
    pipeline = PipelineDemo(options, stack.env(), resources, Console(stderr=True))
    try:
        yield pipeline
    finally:
        pipeline.stop()


def _log_rows(folder: Path) -> list[list[str]]:
    rows: list[list[str]] = []
    for path in sorted((folder / "logs-in").glob("*.log")):
        with path.open(newline="", encoding="utf-8") as handle:
            rows += list(csv.reader(handle))
    return rows


def _stream(bootstrap: str, stream: str) -> list[bytes]:
    reader = KafkaReader(bootstrap)
    values: list[bytes] = []
    try:
        high = reader.watermarks(f"kinesis.{stream}", 0)[1]
        while len(values) < high:
            page = reader.read(f"kinesis.{stream}", 0, len(values), 10_000, 64 * 1024 * 1024)
            values += [record.value for record in page.records]
    finally:
        reader.close()
    return values


def _bucket_lines(s3: Any, bucket: str) -> list[str]:
    lines: list[str] = []
    for item in s3.list_objects_v2(Bucket=bucket, Prefix="purchase-logs/").get("Contents", []):
        if item["Key"].endswith(".gz"):
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            lines += gzip.decompress(body).decode().splitlines()
    return lines


def test_the_pipelines_deliver_every_order_once_and_raise_alarms_only_for_bursts(
    demo: PipelineDemo, stack: StackEndpoints, s3: Any
) -> None:
    outcome = demo.run()
    assert outcome.ok, [role.tail() for role in demo.roles.started if not role.running]
    rows = _log_rows(demo.folder)
    assert len(rows) == LINES
    # Kinesis: the agent's CSVTOJSON records, each row once (Country keeps its "\r").
    records = [json.loads(value) for value in _stream(stack.kafka_bootstrap, ORDERS)]
    sent = Counter((r["InvoiceNo"], r["StockCode"], r["Quantity"], r["Country"]) for r in records)
    wanted = Counter((r[0], r[1], r[3], r[7] + "\r") for r in rows)
    assert sent == wanted
    # S3: Firehose PurchaseLogs' objects hold each raw line once.
    raw = [
        line
        for path in sorted((demo.folder / "logs-in").glob("*.log"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    assert Counter(_bucket_lines(s3, stack.bucket)) == Counter(raw)
    # DynamoDB: exactly the rows with a customer id.
    items = demo.resources.dynamodb.scan(TableName=ORDERS)["Items"]
    stored = Counter(
        (int(item["CustomerID"]["N"]), item["OrderID"]["S"].rsplit("-", 1)[0]) for item in items
    )
    expected = Counter((int(r[6]), f"{r[0]}-{r[1]}") for r in rows if r[6].strip().isdigit())
    assert stored == expected
    # The burst raised alarms that reached the webhook.
    assert outcome.last.stored[ALARMS] >= 1
    assert demo.receiver.notifications
    assert {n.subject for n in demo.receiver.notifications} == {"Cadabra Order Rate Alarm"}
    assert {n.message for n in demo.receiver.notifications} == {
        "Investigate sudden surge in orders"
    }
    # A quiet period raises none (the roles still run: nothing new comes out).
    alarms, delivered = outcome.last.stored[ALARMS], len(demo.receiver.notifications)
    _quiet(QUIET_S)
    assert _stream(stack.kafka_bootstrap, ALARMS)[alarms:] == []
    assert len(demo.receiver.notifications) == delivered


def _quiet(seconds: float) -> None:
    """No orders for `seconds`: the absence of alarms needs a window to pass, not a condition."""
    time.sleep(seconds)
