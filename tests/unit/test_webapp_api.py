"""The client app's JSON API and files over HTTP (uvicorn in a thread, a fake table)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from cadabra.stack.net import free_port_block
from processors.webapp.alarms import Alarm, AlarmBoard, AlarmsStatus
from processors.webapp.api import WebApp
from processors.webapp.server import serve_in_thread
from processors.webapp.sources import DynamoDBOrders
from processors.webapp.testing import FakeOrdersTable

ITEMS = [
    {
        "CustomerID": Decimal(customer),
        "OrderID": order_id,
        "OrderDate": date,
        "Quantity": Decimal(quantity),
        "UnitPrice": Decimal(price),
        "Description": "JUMBO BAG RED RETROSPOT",
        "Country": "United Kingdom",
    }
    for customer, order_id, date, quantity, price in [
        (17850, "536365-85099B-01", "12/1/2010 8:26", "10", "1.95"),
        (17850, "536365-22411-02", "12/1/2010 8:26", "10", "2.10"),
        (17850, "536366-22633-03", "9/5/2011 9:15", "6", "1.85"),
        (17850, "581587-22138-04", "2/1/2011 12:50", "3", "4.95"),
        (13047, "536367-84879-05", "12/1/2010 8:34", "32", "1.69"),
    ]
]

Serve = Callable[[WebApp], str]


@pytest.fixture
def serve() -> Iterator[Serve]:
    with ExitStack() as stack:

        def start(app: WebApp) -> str:
            return stack.enter_context(serve_in_thread(app, free_port_block(1)))

        yield start


@pytest.fixture
def table() -> FakeOrdersTable:
    return FakeOrdersTable(ITEMS, page_size=2)


@pytest.fixture
def board() -> AlarmBoard:
    return AlarmBoard(capacity=50, stream="OrderRateAlarms")


@pytest.fixture
def url(serve: Serve, table: FakeOrdersTable, board: AlarmBoard) -> str:
    return serve(WebApp(DynamoDBOrders(table), board))


def test_orders_come_newest_first_with_totals_across_query_pages(
    url: str, table: FakeOrdersTable
) -> None:
    response = httpx.get(f"{url}/api/customers/17850/orders")
    assert response.status_code == 200
    history = response.json()
    assert [o["invoice_no"] for o in history["orders"]] == ["536366", "581587", "536365"]
    assert [o["total"] for o in history["orders"]] == [11.1, 14.85, 40.5]
    assert (history["order_count"], history["line_count"], history["grand_total"]) == (3, 4, 66.45)
    # Four items in pages of two: the source followed LastEvaluatedKey to the second page.
    assert len(table.queries) == 2
    assert table.queries[1]["ExclusiveStartKey"]["OrderID"] == "536365-85099B-01"


def test_a_customer_without_orders_gets_an_empty_history(url: str) -> None:
    history = httpx.get(f"{url}/api/customers/99999/orders").json()
    assert (history["order_count"], history["orders"], history["grand_total"]) == (0, [], 0.0)


def test_a_customer_id_that_is_not_a_number_is_a_validation_error(url: str) -> None:
    response = httpx.get(f"{url}/api/customers/abc/orders")
    assert response.status_code == 400
    body = response.json()
    assert body["__type"] == "ValidationException"
    assert "Type mismatch for key CustomerID expected: N" in body["message"]


class FailingTable:
    def query(self, **request: Any) -> dict[str, Any]:
        error = {"Code": "ResourceNotFoundException", "Message": "Requested resource not found"}
        raise ClientError({"Error": error}, "Query")


def test_a_failing_table_answers_502_with_its_error(serve: Serve, board: AlarmBoard) -> None:
    url = serve(WebApp(DynamoDBOrders(FailingTable()), board))
    response = httpx.get(f"{url}/api/customers/17850/orders")
    assert response.status_code == 502
    assert response.json() == {
        "__type": "ResourceNotFoundException",
        "message": "Requested resource not found",
    }


def test_the_page_and_its_files_are_served_from_the_app_only(url: str) -> None:
    page = httpx.get(f"{url}/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for path in ("/static/app.js", "/static/style.css"):
        assert path in page.text
        assert httpx.get(f"{url}{path}").status_code == 200
    # Nothing in the page points elsewhere (no CDN, no web font).
    for name in ("/", "/static/app.js", "/static/style.css"):
        text = httpx.get(f"{url}{name}").text
        assert "http://" not in text
        assert "https://" not in text
        assert "//cdn" not in text


def test_unknown_paths_and_methods(url: str) -> None:
    assert httpx.get(f"{url}/static/../api.py").status_code == 404
    assert httpx.get(f"{url}/api/customers/1/returns").status_code == 404
    assert httpx.post(f"{url}/api/customers/1/orders").status_code == 405
    assert httpx.head(f"{url}/").content == b""


def alarm(count: int) -> Alarm:
    arrived = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    return Alarm(arrived, "shardId-000000000000", str(count), count, 1, {"ORDER_COUNT": count})


def test_alarms_newest_first_with_the_reader_status(url: str, board: AlarmBoard) -> None:
    board.set_status(AlarmsStatus("OrderRateAlarms", "listening", 1))
    board.add([alarm(10), alarm(11), alarm(12)])
    body = httpx.get(f"{url}/api/alarms").json()
    assert body["status"] == {
        "stream": "OrderRateAlarms",
        "state": "listening",
        "shards": 1,
        "detail": "",
    }
    assert [a["order_count"] for a in body["alarms"]] == [12, 11, 10]
    assert body["last_id"] == 3
    assert [a["id"] for a in httpx.get(f"{url}/api/alarms?after=2").json()["alarms"]] == [3]


def read_events(lines: Iterator[str], wanted: int, timeout: float = 10) -> list[dict[str, Any]]:
    """SSE events (event, id, data) until `wanted` alarm events arrived or the deadline."""
    events: list[dict[str, Any]] = []
    event: dict[str, Any] = {}
    deadline = time.monotonic() + timeout
    for line in lines:
        if line.startswith(("event:", "id:", "data:")):
            field, _, value = line.partition(":")
            event[field] = json.loads(value) if field == "data" else value.strip()
        elif not line and event:
            events.append(event)
            event = {}
            if sum(e.get("event") == "alarm" for e in events) >= wanted:
                return events
        if time.monotonic() > deadline:
            break
    raise AssertionError(f"only {events} arrived")


def test_the_stream_sends_kept_alarms_then_new_ones_live(url: str, board: AlarmBoard) -> None:
    board.add([alarm(10)])
    with httpx.stream("GET", f"{url}/api/alarms/stream", timeout=10) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        first = read_events(lines, 1)
        assert first[0] == {"event": "status", "data": board.status().to_json()}
        assert (first[1]["id"], first[1]["data"]["order_count"]) == ("1", 10)
        board.add([alarm(11)])
        (live,) = read_events(lines, 1)
        assert (live["event"], live["id"], live["data"]["order_count"]) == ("alarm", "2", 11)


def test_a_reconnecting_stream_gets_only_what_it_missed(url: str, board: AlarmBoard) -> None:
    board.add([alarm(10), alarm(11), alarm(12)])
    headers = {"Last-Event-ID": "2"}
    with httpx.stream("GET", f"{url}/api/alarms/stream", headers=headers, timeout=10) as response:
        events = read_events(response.iter_lines(), 1)
    assert [e["id"] for e in events if e["event"] == "alarm"] == ["3"]
