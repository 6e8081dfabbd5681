"""What the demo watches each second: the agent's metrics, the streams, the table, the bucket.

Everything is read the way a user would look: the agent's Prometheus page (its CloudWatch
metrics), the streams' Kafka topics (records stored), DynamoDB through the endpoint (items in
`CadabraOrders`), the bucket (lines Firehose delivered) and the webhook (alarms received).
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass, field
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from cadabra.demo.resources import ALARMS, ORDERS, DemoResources
from cadabra.demo.webhook import AlarmReceiver
from cadabra.streams.kafka_reader import KafkaReader

__all__ = ["Sample", "Watcher"]

AGENT = "AWSKinesisAgent"
DESTINATIONS = (f"KinesisStream:{ORDERS}", "DeliveryStream:PurchaseLogs")


@dataclass
class Sample:
    """Cumulative counts at one moment."""

    attempts: dict[str, float] = field(default_factory=dict)  # records in put calls
    errors: dict[str, float] = field(default_factory=dict)  # records a call failed (retried)
    sent: dict[str, float] = field(default_factory=dict)  # records delivered, per flow
    stored: dict[str, int] = field(default_factory=dict)  # records in each Kinesis stream
    orders_in_table: int = 0
    purchase_log_lines: int = 0
    alarms_delivered: int = 0


class Watcher:
    def __init__(
        self,
        agent_metrics_url: str,
        kafka_bootstrap: str,
        resources: DemoResources,
        receiver: AlarmReceiver,
    ) -> None:
        self._metrics_url = agent_metrics_url
        self._reader = KafkaReader(kafka_bootstrap)
        self._resources = resources
        self._receiver = receiver
        self._lines: dict[str, int] = {}  # object key -> lines, objects are written once

    def sample(self, *, table: bool = True) -> Sample:
        sample = Sample(alarms_delivered=len(self._receiver.notifications))
        self._agent(sample)
        for stream in (ORDERS, ALARMS):
            sample.stored[stream] = self._reader.watermarks(f"kinesis.{stream}", 0)[1]
        if table:
            sample.orders_in_table = self._table_count()
        sample.purchase_log_lines = self._purchase_log_lines()
        return sample

    def _agent(self, sample: Sample) -> None:
        try:
            text = httpx.get(self._metrics_url, timeout=2).text
        except httpx.HTTPError:
            return  # the agent is starting or has stopped: no new counts
        for family in text_string_to_metric_families(text):
            for metric in family.samples:
                target = {
                    f"{AGENT}_RecordSendAttempts_total": sample.attempts,
                    f"{AGENT}_RecordSendErrors_total": sample.errors,
                }.get(metric.name)
                if target is not None:
                    target[metric.labels.get("Destination", "")] = metric.value
                elif metric.name == f"{AGENT}_TotalRecordsSent_total":
                    sample.sent[metric.labels.get("Flow", "")] = metric.value

    def _table_count(self) -> int:
        try:
            answer: Any = self._resources.dynamodb.scan(TableName=ORDERS, Select="COUNT")
        except Exception:  # the table or the endpoint not ready: count nothing yet
            return 0
        count = int(answer["Count"])
        while "LastEvaluatedKey" in answer:
            answer = self._resources.dynamodb.scan(
                TableName=ORDERS, Select="COUNT", ExclusiveStartKey=answer["LastEvaluatedKey"]
            )
            count += int(answer["Count"])
        return count

    def _purchase_log_lines(self) -> int:
        bucket = self._resources.bucket
        name = self._resources.s3.bucket
        listed = bucket.list_objects_v2(Bucket=name, Prefix="purchase-logs/")
        for item in listed.get("Contents", []):
            key = item["Key"]
            if key in self._lines or not key.endswith(".gz"):
                continue  # read once; only the GZIP objects hold purchase-log lines
            try:
                body = bucket.get_object(Bucket=name, Key=key)["Body"].read()
                self._lines[key] = gzip.decompress(body).count(b"\n")
            except (bucket.exceptions.NoSuchKey, OSError, EOFError, zlib.error):
                continue
        return sum(self._lines.values())

    def close(self) -> None:
        self._reader.close()
