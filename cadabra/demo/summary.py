"""The demo's ending: Athena's named queries over what Firehose delivered, and the summary rows."""

from __future__ import annotations

import time
from typing import Any

from cadabra.athena import AthenaSettings, Engine
from cadabra.athena.catalog import Catalog
from cadabra.athena.named import load_named_queries
from cadabra.athena.sql_dirs import sql_dir
from cadabra.config import AwsSettings, S3Settings
from cadabra.demo.pipeline import DemoOutcome
from cadabra.demo.resources import ALARMS, ORDERS
from cadabra.demo.watch import DESTINATIONS

__all__ = ["QUERIES", "athena_results", "summary_rows"]

QUERIES = ("top_products", "purchase_logs_by_hour")
Results = dict[str, tuple[list[str], list[tuple[Any, ...]]]]


def athena_results(
    s3: S3Settings, aws: AwsSettings, expected_rows: int, wait_s: float = 30.0
) -> tuple[Results, int]:
    """The demo's named queries, once the Parquet table holds every order (or `wait_s` passed);
    also the number of rows in `cadabra.orders`."""
    catalog = Catalog.load(sql_dir("catalog"))
    queries = load_named_queries(sql_dir("queries"))
    deadline = time.monotonic() + wait_s
    with Engine(AthenaSettings(), s3, aws) as engine:
        while True:
            engine.register_catalog(catalog)
            _, [(rows,)] = engine.query("SELECT count(*) FROM cadabra.orders")
            if rows >= expected_rows or time.monotonic() > deadline:
                break
            time.sleep(2.0)  # Firehose's buffer interval has not passed yet: look again
        results: Results = {}
        for name in QUERIES:
            query = queries[name]
            columns, found = engine.query(query.sql, query.bind({}) or None)
            results[name] = (columns, found)
    return results, int(rows)


def summary_rows(outcome: DemoOutcome, parquet_rows: int, web_url: str) -> list[tuple[str, str]]:
    last = outcome.last
    rows = [("log lines generated", f"{outcome.lines:,}")]
    for destination in DESTINATIONS:
        attempts = last.attempts.get(destination, 0)
        errors = last.errors.get(destination, 0)
        rows.append(
            (
                f"{destination}: produced / accepted / throttled and retried",
                f"{outcome.lines:,} / {attempts - errors:,.0f} / {errors:,.0f}",
            )
        )
    rows += [
        (f"records in Kinesis {ORDERS}", f"{last.stored.get(ORDERS, 0):,}"),
        (
            "order lines in DynamoDB CadabraOrders (rows with a customer id)",
            f"{last.orders_in_table:,} of {outcome.customer_rows:,}",
        ),
        (f"alarm rows in Kinesis {ALARMS}", f"{last.stored.get(ALARMS, 0):,}"),
        ("alarms delivered by SNS to the webhook", f"{last.alarms_delivered:,}"),
        ("lines in S3 purchase-logs/ (GZIP CSV)", f"{last.purchase_log_lines:,}"),
        ("rows in S3 orders/ (Parquet, Athena cadabra.orders)", f"{parquet_rows:,}"),
        ("order history", web_url),
    ]
    return rows
