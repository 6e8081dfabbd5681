"""docker-compose.yml for real: the stack becomes healthy, the course pipeline runs through it, and
what it delivered is read back from the host; then nothing of the project is left.

`docker compose up --wait` starts the long-running services (the endpoint, Firehose and SNS
delivery, and what they need: Kafka, the S3 server, the bucket job, PostgreSQL), then
`docker compose run cadabra demo` runs the course's pipelines inside the stack: generated logs →
the Kinesis Agent → `CadabraOrders` and Firehose `PurchaseLogs` → S3 (GZIP CSV, and Parquet
converted from the stream) → Athena, plus the order-history Lambda → DynamoDB (PostgreSQL) and
the rate alarm → SNS → the demo's webhook; the demo exits 1 unless each delivered everything.
Then from the host, through the published ports: every log line is in the bucket exactly once,
`cadabra.orders` holds one row per line, and the named query `top_products` (over the Parquet)
equals the same aggregate computed here from the raw CSV lines. `down` leaves nothing behind.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import subprocess
import sys
from collections import defaultdict
from typing import Any

import pytest
from compose_project import ROOT, ComposeError, ComposeProject

from cadabra.config import AwsSettings, S3Settings
from cadabra.stack.clients import CHECKSUM_ENV, s3_client
from cadabra.stack.readiness import Deadline

pytestmark = pytest.mark.containers

# A multiple of 500, the agent's maxBufferSizeRecords: a partial buffer waits maxBufferAgeMillis
# (60 s by default, as in the Kinesis Agent) before it is sent.
LINES = 500
# Deadlines of each step (the test takes about 80 s here). pytest-timeout's backstop is above
# their sum, so a slow step fails with its own message, and the fixture still tears down.
UP_TIMEOUT_S = 120.0
DEMO_TIMEOUT_S = 90.0  # the demo's own wait for the pipelines; setup and Athena come on top
QUERY_TIMEOUT_S = 60.0
LONG_RUNNING = ["endpoint", "delivery", "notify"]
BUCKET = S3Settings.model_fields["bucket"].default  # the catalog's LOCATIONs name it
ACCESS_KEY = AwsSettings.model_fields["access_key_id"].default
SECRET_KEY = AwsSettings.model_fields["secret_access_key"].default.get_secret_value()
REGION = AwsSettings.model_fields["region"].default


@pytest.mark.timeout(600)
def test_compose_runs_the_course_pipeline(compose: ComposeProject) -> None:
    compose.up(LONG_RUNNING, Deadline(UP_TIMEOUT_S))
    _run_demo(compose)

    lines = _purchase_log_lines(compose.ports.s3)
    assert len(lines) == LINES, "PurchaseLogs did not deliver every line exactly once"
    count = _query(compose, "SELECT count(*) AS n FROM cadabra.orders")
    assert count == [{"n": LINES}], "cadabra.orders does not hold one row per line"
    assert _query(compose, "top_products") == _top_products(lines)

    compose.down()
    assert compose.leftovers() == {}


def _run_demo(compose: ComposeProject) -> None:
    """`cadabra demo` in the stack (the compose `cadabra` service); fails with its output.

    No `--rm`: through Podman's Docker API, `run --rm` reports exit code 0 whatever the demo
    exited with. `down` removes the one-off container instead.
    """
    done = compose.run(
        "run", "-T", "--no-deps", "cadabra",
        "demo", "--lines", str(LINES), "--timeout", f"{DEMO_TIMEOUT_S:g}",
        timeout_s=DEMO_TIMEOUT_S + 60, check=False,
    )  # fmt: skip
    if done.returncode == 0:
        return
    output = "\n".join((done.stdout + done.stderr).rstrip().splitlines()[-40:])
    services = "\n\n".join(
        f"compose service {service}, its last log lines:\n{compose.logs(service)}"
        for service in LONG_RUNNING
    )
    raise ComposeError(
        f"project {compose.name}: `cadabra demo` exited {done.returncode}; its last lines:\n"
        f"{output}\n\n{services}"
    )


def _purchase_log_lines(s3_port: int) -> list[str]:
    """The raw CSV lines Firehose PurchaseLogs delivered (GZIP objects under purchase-logs/)."""
    url = f"http://127.0.0.1:{s3_port}"
    client = s3_client(
        S3Settings(endpoint_url=url, bucket=BUCKET),
        endpoint_url=url,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        region=REGION,
    )
    lines: list[str] = []
    for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, Prefix="purchase-logs/"
    ):
        for item in page.get("Contents", []):
            if item["Key"].endswith(".gz"):
                body = client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
                lines += gzip.decompress(body).decode("utf-8").splitlines()
    return lines


def _query(compose: ComposeProject, sql_or_name: str) -> list[dict[str, Any]]:
    """`cadabra query ... --format json` on the host, against the project's S3 server."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("CADABRA_", "AWS_"))
    }
    env |= {
        "CADABRA_S3_ENDPOINT_URL": f"http://127.0.0.1:{compose.ports.s3}",
        "CADABRA_S3_BUCKET": BUCKET,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": REGION,
        **CHECKSUM_ENV,
    }
    command = [sys.executable, "-m", "cadabra", "query", sql_or_name, "--format", "json"]
    done = subprocess.run(  # noqa: S603 - our own CLI
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=QUERY_TIMEOUT_S
    )
    assert done.returncode == 0, f"cadabra query {sql_or_name} failed:\n{done.stderr}"
    rows: list[dict[str, Any]] = json.loads(done.stdout)
    return rows


def _top_products(lines: list[str], limit: int = 10) -> list[dict[str, Any]]:
    """sql/queries/top_products.sql computed in Python from the raw lines the agent read."""
    quantity: dict[str, int] = defaultdict(int)
    invoices: dict[str, set[str]] = defaultdict(set)
    descriptions: dict[str, list[str]] = defaultdict(list)
    for row in csv.reader(lines):
        invoice, stock, description, amount = row[:4]
        quantity[stock] += int(amount)
        invoices[stock].add(invoice)
        if description:
            descriptions[stock].append(description)
    ranked = sorted(quantity, key=lambda stock: (-quantity[stock], stock))[:limit]
    return [
        {
            "stockcode": stock,
            "description": max(descriptions[stock], default=None),
            "quantity": quantity[stock],
            "orders": len(invoices[stock]),
        }
        for stock in ranked
    ]
