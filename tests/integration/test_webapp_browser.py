"""The client app in a real headless Chromium, on Cadabra's AWS endpoint.

The endpoint is the one `cadabra endpoint` serves (`build_app`), on the session's broker; the app
reads it with boto3 as it would read AWS. Alarms: rows put on a Kinesis stream with boto3 appear in
the open page without a reload. Orders: a DynamoDB table made and filled with boto3, then a
customer id typed into the page; this test needs the endpoint to serve DynamoDB
(X-Amz-Target DynamoDB_20120810) and fails, saying so, where it does not.
Chromium and chromedriver are Debian's, installed by `ensure_chromium()` when missing.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import BotoCoreError, ClientError
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.wait import WebDriverWait

from cadabra.config import EndpointSettings, KafkaSettings
from cadabra.endpoint.server import build_app
from cadabra.endpoint.testing import serve_in_thread as serve_endpoint
from cadabra.stack.net import free_port_block
from cadabra.stack.testing import StackEndpoints
from processors.webapp.server import running_app, serve_in_thread
from processors.webapp.settings import WebSettings
from processors.webapp.sources import aws_client, dynamodb_table
from processors.webapp.testing import ensure_chromium, headless_chromium

WAIT_S = 30


@pytest.fixture(scope="module")
def endpoint_url(stack: StackEndpoints) -> Iterator[str]:
    """Cadabra's AWS endpoint (every service `cadabra endpoint` serves) on the session's broker."""
    kafka = KafkaSettings(bootstrap=stack.kafka_bootstrap)
    with (
        build_app(EndpointSettings(), kafka) as app,
        serve_endpoint(app, free_port_block(1)) as url,
    ):
        yield url


@pytest.fixture(scope="module")
def chromium_paths() -> Any:
    return ensure_chromium()


@pytest.fixture
def browser(chromium_paths: Any) -> Iterator[Chrome]:
    driver = headless_chromium(chromium_paths)
    try:
        yield driver
    finally:
        driver.quit()


def assert_no_console_errors(driver: Chrome) -> None:
    """No failed request (the page loads nothing from elsewhere) and no script error."""
    severe = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []


def wait_for(driver: Chrome, condition: Callable[[Chrome], Any], what: str) -> Any:
    return WebDriverWait(driver, WAIT_S, poll_frequency=0.1).until(condition, f"waited for {what}")


@pytest.fixture
def alarm_stream(endpoint_url: str) -> Iterator[str]:
    kinesis = aws_client("kinesis", endpoint_url)
    name = f"alarms-{uuid.uuid4().hex[:10]}"
    kinesis.create_stream(StreamName=name, ShardCount=1)
    deadline = time.monotonic() + WAIT_S
    while (
        kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"]
        != "ACTIVE"
    ):
        assert time.monotonic() < deadline, f"{name} did not become ACTIVE"
        time.sleep(0.1)
    yield name
    kinesis.delete_stream(StreamName=name)


def alarm_texts(driver: Chrome) -> list[str]:
    return [item.text for item in driver.find_elements(By.CSS_SELECTOR, "#alarm-list li.alarm")]


def test_alarms_put_on_the_stream_appear_live_in_the_panel(
    endpoint_url: str, alarm_stream: str, browser: Chrome
) -> None:
    kinesis = aws_client("kinesis", endpoint_url)

    def put(row: dict[str, int]) -> None:
        kinesis.put_record(StreamName=alarm_stream, Data=json.dumps(row), PartitionKey="alarm")

    put({"ORDER_COUNT": 99, "TRIGGER_COUNT": 1})  # before the app: LATEST skips it
    settings = WebSettings(
        endpoint_url=endpoint_url, alarms_stream=alarm_stream, alarms_poll_s=0.25
    )
    with running_app(settings) as app, serve_in_thread(app, free_port_block(1)) as url:
        browser.get(url)
        status = browser.find_element(By.ID, "alarm-status")
        wait_for(browser, lambda _: status.get_attribute("data-state") == "listening", "listening")
        assert status.text == f"Listening to {alarm_stream} (1 shard)"
        browser.execute_script("window.cadabraNotReloaded = true;")

        put({"ORDER_COUNT": 12, "TRIGGER_COUNT": 1})
        wait_for(browser, lambda d: len(alarm_texts(d)) == 1, "the first alarm")
        put({"order_count": 15})
        wait_for(browser, lambda d: len(alarm_texts(d)) == 2, "the second alarm")

        texts = alarm_texts(browser)
        assert texts[0].endswith("15 orders in 10 s")
        assert texts[1].endswith("12 orders in 10 s · trigger 1")
        assert not any("99 orders" in text for text in texts)
        assert browser.find_element(By.ID, "alarm-count").text == "2"
        assert browser.execute_script("return window.cadabraNotReloaded === true;")
        shown = browser.find_element(By.CSS_SELECTOR, "#alarm-list li.alarm time")
        arrived = datetime.fromisoformat(str(shown.get_attribute("datetime")))
        assert abs((datetime.now(UTC) - arrived).total_seconds()) < 60
        assert_no_console_errors(browser)


ITEMS = [  # customer, OrderID (InvoiceNo-StockCode-suffix), OrderDate, Quantity, UnitPrice
    (17850, "536365-85099B-0a1", "12/1/2010 8:26", 10, "1.95"),
    (17850, "536365-22411-0b2", "12/1/2010 8:26", 10, "2.10"),
    (17850, "536366-22633-0c3", "9/5/2011 9:15", 6, "1.85"),
    (17850, "581587-22138-0d4", "2/1/2011 12:50", 3, "4.95"),
    (13047, "536367-84879-0e5", "12/1/2010 8:34", 32, "1.69"),
]


def _require_dynamodb(client: Any, endpoint_url: str, table: str) -> None:
    key_schema = [
        {"AttributeName": "CustomerID", "KeyType": "HASH"},
        {"AttributeName": "OrderID", "KeyType": "RANGE"},
    ]
    attributes = [
        {"AttributeName": "CustomerID", "AttributeType": "N"},
        {"AttributeName": "OrderID", "AttributeType": "S"},
    ]
    try:
        client.create_table(
            TableName=table,
            KeySchema=key_schema,
            AttributeDefinitions=attributes,
            BillingMode="PAY_PER_REQUEST",
        )
    except (ClientError, BotoCoreError) as exc:
        pytest.fail(
            f"Cadabra's endpoint at {endpoint_url} does not serve DynamoDB "
            f"(X-Amz-Target DynamoDB_20120810): CreateTable failed with {exc}. This test turns "
            "green once cadabra.endpoint.server.build_app serves the DynamoDB stand-in."
        )


def _fill(endpoint_url: str, table: str) -> None:
    """The ITEMS, as the course's order-history Lambda writes them (batch writer, Decimals)."""
    with dynamodb_table(table, endpoint_url).batch_writer() as batch:
        for customer, order_id, date, quantity, price in ITEMS:
            batch.put_item(
                Item={
                    "CustomerID": Decimal(customer),
                    "OrderID": order_id,
                    "OrderDate": date,
                    "Quantity": Decimal(quantity),
                    "UnitPrice": Decimal(price),
                    "Description": "JUMBO BAG RED RETROSPOT",
                    "Country": "United Kingdom",
                }
            )


@pytest.fixture
def make_orders_table(endpoint_url: str) -> Iterator[Callable[[], str]]:
    """Creates and fills an order-history table in the test (so a missing DynamoDB fails it)."""
    client = aws_client("dynamodb", endpoint_url)
    created: list[str] = []

    def make() -> str:
        name = f"CadabraOrders-{uuid.uuid4().hex[:10]}"
        _require_dynamodb(client, endpoint_url, name)
        created.append(name)
        deadline = time.monotonic() + WAIT_S
        while client.describe_table(TableName=name)["Table"]["TableStatus"] != "ACTIVE":
            assert time.monotonic() < deadline, f"{name} did not become ACTIVE"
            time.sleep(0.1)
        _fill(endpoint_url, name)
        return name

    yield make
    for name in created:
        client.delete_table(TableName=name)


def look_up(driver: Chrome, customer_id: str, orders: int) -> list[Any]:
    box = driver.find_element(By.ID, "customer-id")
    box.clear()
    box.send_keys(customer_id, Keys.ENTER)

    def shown(d: Chrome) -> list[Any] | None:
        if d.find_element(By.ID, "summary-customer").text != customer_id:
            return None
        rows = d.find_elements(By.CSS_SELECTOR, "#orders-table tbody tr.order")
        return rows if len(rows) == orders else None

    rows: list[Any] = wait_for(driver, shown, f"{orders} orders of customer {customer_id}")
    return rows


def test_orders_from_dynamodb_show_newest_first_with_totals(
    endpoint_url: str, make_orders_table: Callable[[], str], browser: Chrome
) -> None:
    orders_table = make_orders_table()
    settings = WebSettings(
        endpoint_url=endpoint_url, orders_table=orders_table, alarms_stream="no-such-stream"
    )
    with running_app(settings) as app, serve_in_thread(app, free_port_block(1)) as url:
        browser.get(url)
        rows = look_up(browser, "17850", orders=3)
        invoices = [row.get_attribute("data-invoice") for row in rows]
        assert invoices == ["536366", "581587", "536365"]  # by date, not by OrderID
        totals = [row.find_element(By.CSS_SELECTOR, ".order-total").text for row in rows]
        assert totals == ["£11.10", "£14.85", "£40.50"]
        assert rows[0].find_element(By.CSS_SELECTOR, ".order-date").text == "2011-09-05 09:15"
        lines = browser.find_elements(By.CSS_SELECTOR, "#orders-table tbody tr.line")
        assert [line.find_element(By.CSS_SELECTOR, ".line-total").text for line in lines] == [
            "£11.10",
            "£14.85",
            "£21.00",
            "£19.50",
        ]
        assert browser.find_element(By.ID, "order-count").text == "3"
        assert browser.find_element(By.ID, "grand-total").text == "£66.45"

        rows = look_up(browser, "13047", orders=1)
        assert rows[0].get_attribute("data-invoice") == "536367"
        assert browser.find_element(By.ID, "grand-total").text == "£54.08"
        assert browser.current_url.endswith("#customer=13047")
        assert_no_console_errors(browser)
