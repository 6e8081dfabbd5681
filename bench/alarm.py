"""Benchmark: how long from a burst of orders to the alarm at the webhook, p50 and p99.

The transaction-rate alarm as the demo runs it, each role its own process: the analytics app
(SQL semantics, threshold 10, window shortened to 1 s so that 50 bursts fit in about a minute),
the alarm Lambda (polling GetRecords every 0.2 s, within a shard's 5 calls/s), SNS and its
notifier (the stack's back-end process), and a webhook subscribed to the topic. A burst is ten
orders put with one PutRecords; the latency runs from PutRecords' answer to the webhook's receipt
of the notification. Side by side, the SNS leg alone: Publish's answer to the webhook's receipt.
Target: p99 ≤ 500 ms (on AWS the SQL app emitted about once a second and Lambda added more).
Ends with one line of JSON holding the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress

from cadabra.demo.processes import RoleProcess, Roles
from cadabra.demo.webhook import AlarmReceiver
from cadabra.stack.clients import aws_client
from cadabra.stack.testing import StackEndpoints, provide_stack

console = Console(stderr=True)
ORDER = {"InvoiceNo": "536365", "StockCode": "85123A", "Quantity": "6", "Customer": "17850"}


def clients(endpoint: str, stack: StackEndpoints) -> tuple[Any, Any]:
    aws = stack.settings()[2]
    return aws_client("kinesis", endpoint, aws), aws_client("sns", endpoint, aws)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def wait_for(receiver: AlarmReceiver, count: int, timeout_s: float = 10.0) -> float | None:
    deadline = time.monotonic() + timeout_s
    while len(receiver.notifications) < count:
        if time.monotonic() > deadline:
            return None
        time.sleep(0.002)  # polling the receiver's list; the measured work runs elsewhere
    return receiver.notifications[count - 1].received_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--bursts", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home, provide_stack(Path(home)) as stack:
        env = {**stack.env(), **(stack.native.env() if stack.native else {})}
        endpoint = env.get("CADABRA_ENDPOINT_URL") or os.environ["CADABRA_ENDPOINT_URL"]
        env["CADABRA_ENDPOINT_URL"] = endpoint
        kinesis, sns = clients(endpoint, stack)
        run = uuid.uuid4().hex[:6]
        orders, alarms = f"BenchOrders-{run}", f"BenchAlarms-{run}"
        for name in (orders, alarms):
            kinesis.create_stream(StreamName=name, ShardCount=1)
            kinesis.get_waiter("stream_exists").wait(StreamName=name)
        receiver = AlarmReceiver()
        topic = sns.create_topic(Name=f"BenchAlarms-{run}")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url)
        roles = Roles()
        folder = Path(home) / "roles"
        roles.start(
            RoleProcess(
                "analytics",
                [
                    "analytics",
                    "run",
                    "--source-stream",
                    orders,
                    "--output-stream",
                    alarms,
                    "--window",
                    "1",
                    "--application-name",
                    f"bench-{run}",
                    "--starting-position",
                    "TRIM_HORIZON",
                ],
                folder / "analytics.log",
                env,
            )
        )
        roles.start(
            RoleProcess(
                "alarm",
                [
                    "lambda",
                    "run",
                    "processors.lambda_runner.examples.transaction_rate_alarm:lambda_handler",
                    "--stream",
                    alarms,
                    "--poll-interval",
                    "0.2",
                    "--positions",
                    str(folder / "alarm.sqlite"),
                ],
                folder / "alarm.log",
                {**env, "AWS_ENDPOINT_URL_SNS": endpoint, "CADABRA_ALARM_TOPIC_ARN": topic},
            )
        )
        try:
            figures = measure(kinesis, sns, topic, orders, receiver, args.bursts)
        finally:
            roles.stop()
            receiver.close()
            for name in (orders, alarms):
                kinesis.delete_stream(StreamName=name)
    print(json.dumps({"bench": "alarm", **figures}))


def measure(
    kinesis: Any, sns: Any, topic: str, orders: str, receiver: AlarmReceiver, bursts: int
) -> dict[str, Any]:
    # Warm-up: the first burst waits for the app's consumer group and the Lambda's first poll.
    put_burst(kinesis, orders)
    if wait_for(receiver, 1, timeout_s=120) is None:
        raise SystemExit("no alarm reached the webhook within 120 s: see the roles' logs")
    end_to_end: list[float] = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("bursts", total=bursts)
        for _ in range(bursts):
            time.sleep(1.3)  # let the 1 s window empty: the next burst is a new surge
            expected = len(receiver.notifications) + 1
            acked = put_burst(kinesis, orders)
            received = wait_for(receiver, expected)
            if received is not None:
                end_to_end.append((received - acked) * 1000)
            progress.advance(task)
    sns_leg: list[float] = []
    for _ in range(bursts):
        expected = len(receiver.notifications) + 1
        sns.publish(TopicArn=topic, Subject="Cadabra Order Rate Alarm", Message="bench")
        published = time.time()
        received = wait_for(receiver, expected)
        if received is not None:
            sns_leg.append((received - published) * 1000)
    figures = {
        "bursts": bursts,
        "alarms_received": len(end_to_end),
        "burst_to_webhook_p50_ms": statistics.median(end_to_end),
        "burst_to_webhook_p99_ms": percentile(end_to_end, 0.99),
        "sns_publish_to_webhook_p50_ms": statistics.median(sns_leg),
        "sns_publish_to_webhook_p99_ms": percentile(sns_leg, 0.99),
    }
    console.print(
        f"burst → webhook over {len(end_to_end)} bursts: p50 "
        f"{figures['burst_to_webhook_p50_ms']:.0f} ms, p99 "
        f"{figures['burst_to_webhook_p99_ms']:.0f} ms (target p99 ≤ 500 ms); "
        "SNS Publish → webhook alone: p50 "
        f"{figures['sns_publish_to_webhook_p50_ms']:.0f} ms, p99 "
        f"{figures['sns_publish_to_webhook_p99_ms']:.0f} ms"
    )
    return figures


def put_burst(kinesis: Any, stream: str) -> float:
    """Ten orders in one PutRecords; the wall-clock time of its answer."""
    records = [
        {
            "Data": json.dumps({**ORDER, "InvoiceNo": str(536365 + i)}).encode(),
            "PartitionKey": str(i),
        }
        for i in range(10)
    ]
    answer = kinesis.put_records(StreamName=stream, Records=records)
    if answer["FailedRecordCount"]:
        raise SystemExit(f"a burst was throttled: {answer['Records'][:2]}")
    return time.time()


if __name__ == "__main__":
    main()
