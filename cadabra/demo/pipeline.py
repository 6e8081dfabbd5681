"""`cadabra demo`: the course's Cadabra pipelines, end to end, on this machine.

Generated server logs → the Kinesis Agent (the course's two flows: CSVTOJSON to the Kinesis stream
`CadabraOrders`, the raw lines to Firehose `PurchaseLogs`) → the order-history Lambda → DynamoDB
`CadabraOrders` (shown by the web app); the analytics app's transaction-rate alarm →
`OrderRateAlarms` → the alarm Lambda → SNS `CadabraAlarms` → SMS (logged) and a webhook;
Firehose → S3 (GZIP CSV, and Parquet converted from the stream) → Athena's named queries.
Each role is its own process; the demo watches them through AWS's APIs, prints a summary and
writes an HTML report with charts.
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.table import Table

from cadabra.demo.processes import RoleProcess, Roles
from cadabra.demo.report import Series
from cadabra.demo.resources import ALARMS, ORDERS, DemoResources, Hints
from cadabra.demo.watch import DESTINATIONS, Sample, Watcher
from cadabra.demo.webhook import AlarmReceiver
from cadabra.stack.net import free_port_block

__all__ = ["DemoOptions", "DemoOutcome", "PipelineDemo"]

ORDER_FIELDS = [
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "Customer",
    "Country",
]


@dataclass(frozen=True)
class DemoOptions:
    lines: int = 2_000
    folder: Path = Path(".cadabra/demo")
    report: Path = Path("cadabra-demo.html")
    hints: Hints = field(default_factory=Hints)
    timeout_s: float = 180.0
    web_port: int = 8080


@dataclass
class DemoOutcome:
    lines: int
    customer_rows: int
    last: Sample
    samples: list[Sample] = field(default_factory=list)
    alarm_seconds: list[float] = field(default_factory=list)
    complete: bool = False
    failed_roles: list[str] = field(default_factory=list)
    report: Path | None = None

    @property
    def ok(self) -> bool:
        return self.complete and not self.failed_roles


class PipelineDemo:
    def __init__(
        self,
        options: DemoOptions,
        env: dict[str, str],
        resources: DemoResources,
        console: Console,
    ) -> None:
        self.options, self.env, self.resources, self.console = options, env, resources, console
        self.folder = options.folder.resolve()
        self.roles = Roles()
        self.receiver = AlarmReceiver()
        self.agent_port = free_port_block(1)

    # -- the run ---------------------------------------------------------------------------

    def run(self) -> DemoOutcome:
        say = self.console.print
        say("Creating the streams, delivery streams, table and topic (from scratch) ...")
        self.resources.reset()
        self.resources.create(self.options.hints, self.receiver.url)
        say(
            f"Firehose buffering shortened for the demo: {self.options.hints.size_mb} MiB or "
            f"{self.options.hints.interval_s} s (AWS's default: 5 MiB or 300 s)."
        )
        self._start_consumers()
        logs = self._generate()
        customer_rows = _customer_rows(logs)
        self._start_agent(logs)
        outcome = DemoOutcome(self.options.lines, customer_rows, Sample())
        started = time.time()
        try:
            self._watch(outcome, started)
        finally:
            outcome.alarm_seconds = [n.received_s - started for n in self.receiver.notifications]
            outcome.failed_roles = [role.name for role in self.roles.failed()]
        return outcome

    def stop(self) -> None:
        self.roles.stop()
        self.receiver.close()

    def _role(self, name: str, *args: str, env: dict[str, str] | None = None) -> RoleProcess:
        log = self.folder / "logs" / f"{name}.log"
        return self.roles.start(RoleProcess(name, args, log, {**self.env, **(env or {})}))

    def _start_consumers(self) -> None:
        endpoint = self.env["CADABRA_ENDPOINT_URL"]
        aws_endpoints = {
            "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
            "AWS_ENDPOINT_URL_SNS": endpoint,
            "AWS_ENDPOINT_URL_KINESIS": endpoint,
        }
        positions = self.folder / "lambda"
        for old in positions.glob("*.sqlite*"):
            old.unlink()  # positions in the previous run's streams
        # The streams are new: reading them from their start is reading them from creation.
        self._role(
            "analytics",
            "analytics",
            "run",
            env={"CADABRA_ANALYTICS_STARTING_POSITION": "TRIM_HORIZON"},
        )
        self._role(
            "order-history",
            "lambda",
            "run",
            "processors.lambda_runner.examples.order_history:lambda_handler",
            "--stream",
            ORDERS,
            "--positions",
            str(positions / "order-history.sqlite"),
            "--poll-interval",
            "0.2",
            env=aws_endpoints,
        )
        self._role(
            "alarm",
            "lambda",
            "run",
            "processors.lambda_runner.examples.transaction_rate_alarm:lambda_handler",
            "--stream",
            ALARMS,
            "--positions",
            str(positions / "alarm.sqlite"),
            "--poll-interval",
            "0.2",
            env={**aws_endpoints, "CADABRA_ALARM_TOPIC_ARN": self.resources.topic_arn},
        )
        self._role("web", "web", "--port", str(self.options.web_port), env=aws_endpoints)

    def _generate(self) -> Path:
        logs = self.folder / "logs-in"
        for old in logs.glob("*.log"):
            old.unlink()
        logs.mkdir(parents=True, exist_ok=True)
        generate = self._role(
            "generate",
            "generate",
            str(self.options.lines),
            "--log-dir",
            str(logs),
            "--state-file",
            str(self.folder / "LastLine.txt"),
        )
        assert generate.process is not None  # noqa: S101 - started just above
        generate.process.wait()
        self.roles.started.remove(generate)
        return logs

    def _start_agent(self, logs: Path) -> None:
        config = {
            "checkpointFile": str(self.folder / "agent-checkpoints"),
            "kinesis.endpoint": "",
            "firehose.endpoint": "",
            "flows": [
                {
                    "filePattern": str(logs / "*.log"),
                    "kinesisStream": ORDERS,
                    "partitionKeyOption": "RANDOM",
                    "initialPosition": "START_OF_FILE",
                    # Send a part-filled batch after 1 s, not the agent's default 60 s.
                    "maxBufferAgeMillis": 1000,
                    "dataProcessingOptions": [
                        {"optionName": "CSVTOJSON", "customFieldNames": ORDER_FIELDS}
                    ],
                },
                {
                    "filePattern": str(logs / "*.log"),
                    "deliveryStream": "PurchaseLogs",
                    "initialPosition": "START_OF_FILE",
                    "maxBufferAgeMillis": 1000,
                },
            ],
        }
        path = self.folder / "agent.json"
        path.write_text(json.dumps(config, indent=2))
        for old in self.folder.glob("agent-checkpoints*"):
            old.unlink()
        self._role(
            "agent",
            "agent",
            "--config",
            str(path),
            env={"CADABRA_AGENT_METRICS_PORT": str(self.agent_port)},
        )

    # -- watching --------------------------------------------------------------------------

    def _watch(self, outcome: DemoOutcome, started: float) -> None:
        watcher = Watcher(
            f"http://127.0.0.1:{self.agent_port}/metrics",
            self.env["CADABRA_KAFKA_BOOTSTRAP"],
            self.resources,
            self.receiver,
        )
        deadline = time.monotonic() + self.options.timeout_s
        try:
            with Live(console=self.console, refresh_per_second=2) as live:
                while time.monotonic() < deadline:
                    sample = watcher.sample()
                    outcome.samples.append(sample)
                    outcome.last = sample
                    live.update(self._table(outcome, time.time() - started))
                    if self._complete(outcome) or self.roles.failed():
                        break
                    time.sleep(1.0)  # one sample a second: the charts' resolution
        finally:
            watcher.close()
        outcome.complete = self._complete(outcome)

    def _complete(self, outcome: DemoOutcome) -> bool:
        last = outcome.last
        return (
            last.stored.get(ORDERS, 0) >= outcome.lines
            and last.purchase_log_lines >= outcome.lines
            and last.orders_in_table >= outcome.customer_rows
            and last.alarms_delivered >= 1
        )

    def _table(self, outcome: DemoOutcome, elapsed: float) -> Table:
        last = outcome.last
        table = Table(title=f"Cadabra pipelines, {elapsed:.0f} s", title_justify="left")
        table.add_column("what")
        table.add_column("now", justify="right")
        table.add_column("expected", justify="right")
        for destination in DESTINATIONS:
            attempts = last.attempts.get(destination, 0)
            errors = last.errors.get(destination, 0)
            table.add_row(
                f"agent → {destination}: accepted (throttled, retried)",
                f"{attempts - errors:,.0f} ({errors:,.0f})",
                f"{outcome.lines:,}",
            )
        table.add_row(
            f"records in {ORDERS}", f"{last.stored.get(ORDERS, 0):,}", f"{outcome.lines:,}"
        )
        table.add_row(
            "order lines in DynamoDB CadabraOrders",
            f"{last.orders_in_table:,}",
            f"{outcome.customer_rows:,}",
        )
        table.add_row(f"alarm rows in {ALARMS}", f"{last.stored.get(ALARMS, 0):,}", "≥ 1")
        table.add_row("alarms delivered to the webhook", f"{last.alarms_delivered:,}", "≥ 1")
        table.add_row(
            "lines in S3 purchase-logs/", f"{last.purchase_log_lines:,}", f"{outcome.lines:,}"
        )
        return table

    def series(self, outcome: DemoOutcome) -> dict[str, Series]:
        found: dict[str, Series] = {}
        for destination in DESTINATIONS:
            series = found[destination] = Series()
            previous = Sample()
            for sample in outcome.samples:
                attempts = _delta(sample.attempts, previous.attempts, destination)
                errors = _delta(sample.errors, previous.errors, destination)
                series.offered.append(attempts)
                series.throttled.append(errors)
                series.accepted.append(attempts - errors)
                previous = sample
        return found


def _delta(now: dict[str, float], before: dict[str, float], key: str) -> float:
    return max(0.0, now.get(key, 0.0) - before.get(key, 0.0))


def _customer_rows(logs: Path) -> int:
    """Rows the order-history Lambda keeps: those with a customer id (int() of it succeeds)."""
    count = 0
    for path in sorted(logs.glob("*.log")):
        with path.open(newline="", encoding="utf-8") as handle:
            count += sum(
                1 for row in csv.reader(handle) if len(row) > 6 and row[6].strip().isdigit()
            )
    return count
