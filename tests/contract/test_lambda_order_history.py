"""The course's order-history function, unchanged, fed by a mapping on CadabraOrders-like data.

Records are built as the Kinesis Agent's CSVTOJSON builds them from the course's CSV: every field a
string, `Country` ending with the `\\r` of the CRLF line end, `Customer` empty on some rows.
"""

from __future__ import annotations

import json
import random
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cadabra.demo.pipeline import ORDER_FIELDS
from cadabra.quotas import FakeClock
from processors.lambda_runner import EventSourceMapping, LambdaSettings
from processors.lambda_runner.examples import order_history

MakeStream = Callable[..., str]


class InMemoryTable:
    """Just enough of a boto3 DynamoDB Table for the course function: batch_writer().put_item."""

    def __init__(self) -> None:
        self.items: dict[tuple[Decimal, str], dict[str, Any]] = {}
        self._lock = threading.Lock()

    @contextmanager
    def batch_writer(self) -> Iterator[InMemoryTable]:
        yield self

    def put_item(self, Item: dict[str, Any]) -> None:
        with self._lock:
            self.items[(Item["CustomerID"], Item["OrderID"])] = Item


def _order_lines(count: int, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    countries = ["United Kingdom"] * 9 + ["France", "Germany", "EIRE"]
    lines = []
    for i in range(count):
        values = [
            str(536365 + i // 4),
            f"{rng.randint(10000, 99999)}{rng.choice(['', 'A', 'B'])}",
            rng.choice(["WHITE HANGING HEART T-LIGHT HOLDER", "WHITE METAL LANTERN"]),
            str(rng.choice([1, 2, 6, 12, -1])),
            f"12/{1 + i % 9}/2010 8:{26 + i % 30}",
            rng.choice(["2.55", "3.39", "0.85"]),
            "" if i % 5 == 4 else str(rng.randint(12346, 18287)),
            rng.choice(countries) + "\r",
        ]
        lines.append(dict(zip(ORDER_FIELDS, values, strict=True)))
    return lines


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


def _put_lines(kinesis: Any, name: str, lines: list[dict[str, str]]) -> None:
    records = [
        {"Data": (json.dumps(line) + "\n").encode(), "PartitionKey": line["InvoiceNo"]}
        for line in lines
    ]
    assert kinesis.put_records(StreamName=name, Records=records)["FailedRecordCount"] == 0


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> InMemoryTable:
    stand_in = InMemoryTable()
    monkeypatch.setattr(order_history, "TABLE", stand_in)
    return stand_in


def _check_items(table: InMemoryTable, lines: list[dict[str, str]]) -> None:
    with_customer = [line for line in lines if line["Customer"]]
    assert len(table.items) == len(with_customer)
    for item in table.items.values():
        assert not item["Country"].endswith("\r")
        assert isinstance(item["CustomerID"], Decimal)
        assert re.fullmatch(r"\d{6}-\d{5}[AB]?-[0-9a-f]{32}", item["OrderID"])
    got = sorted(
        (int(i["CustomerID"]), i["OrderDate"], i["Quantity"]) for i in table.items.values()
    )
    want = sorted(
        (int(line["Customer"]), line["InvoiceDate"], Decimal(line["Quantity"]))
        for line in with_customer
    )
    assert got == want


def test_order_history_fills_the_table(
    kinesis: Any,
    make_stream: MakeStream,
    quota_clock: FakeClock,
    tmp_path: Path,
    table: InMemoryTable,
) -> None:
    name = make_stream(shard_count=2)
    lines = _order_lines(300)
    _put_lines(kinesis, name, lines)
    settings = LambdaSettings(
        function_name="CadabraOrderHistory",
        positions_path=tmp_path / "positions.sqlite",
        poll_interval_s=0.05,
        shard_refresh_s=0.3,
    )
    mapping = EventSourceMapping(name, order_history.lambda_handler, settings, client=kinesis)
    with quota_time_passing(quota_clock):
        assert mapping.run_until(lambda: mapping.stats.records_processed >= 300, timeout_s=30)
    _check_items(table, lines)
    assert mapping.stats.function_errors == 0


def test_cli_runs_the_order_history_function(
    kinesis: Any,
    endpoint_url: str,
    make_stream: MakeStream,
    quota_clock: FakeClock,
    tmp_path: Path,
    table: InMemoryTable,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import typer

    from processors.lambda_runner.cli import register

    app = typer.Typer()
    app.command()(lambda: None)  # a second command keeps `lambda` a subcommand group
    register(app)
    name = make_stream(shard_count=1)
    lines = _order_lines(40, seed=11)
    _put_lines(kinesis, name, lines)
    monkeypatch.chdir(tmp_path)
    handler = "processors.lambda_runner.examples.order_history:lambda_handler"
    args = ["lambda", "run", handler, "--stream", name, "--endpoint-url", endpoint_url]
    args += ["--batch-size", "7", "--poll-interval", "0.05", "--records", "40", "--duration", "60"]
    args += ["--positions", str(tmp_path / "p.sqlite")]
    with quota_time_passing(quota_clock):
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert re.search(r"40 records in \d+ invocations, 0 errors, 0 discarded", result.output)
    _check_items(table, lines)
