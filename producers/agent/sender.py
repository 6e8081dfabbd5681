"""Sending a buffer of records (KinesisSender/FirehoseSender + AsyncPublisherThrottler).

One PutRecords (`kinesisStream`) or PutRecordBatch (`deliveryStream`) call per buffer through
boto3; entries that come back with an error code (ProvisionedThroughputExceededException,
InternalFailure, ServiceUnavailableException) are kept and only they are sent again, after an
exponential backoff: retryInitialBackoffMillis * 2^(failures-1), at most retryMaxBackoffMillis,
±30 % jitter; a success divides the failure count by 10. A call that fails as a whole (throttled,
stream missing, endpoint down) is retried the same way: the agent never drops a record.
Partition keys and truncation are fixed once per record, so a retry sends the same entry.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from producers.agent.checkpoints import InflightRecord
from producers.agent.config import FlowConfig
from producers.agent.metrics import AgentMetrics
from producers.agent.reconcile import accepted_anyway
from producers.agent.records import Record, partition_key, truncate

__all__ = ["Backoff", "Destination", "Entry", "FirehoseDestination", "KinesisDestination", "Sender"]

logger = logging.getLogger(__name__)

JITTER = 0.30
RECOVERY = 10.0


@dataclass(frozen=True)
class Entry:
    """One entry of a put call: its data, partition key (KDS) and the records it carries."""

    data: bytes
    key: str | None
    records: tuple[Record, ...]

    @property
    def size(self) -> int:
        return len(self.data) + len((self.key or "").encode())


class Destination(Protocol):
    label: str

    def put(self, entries: Sequence[Entry]) -> list[str | None]:
        """Error code per entry (None = accepted); raises when the call fails as a whole."""
        ...


class KinesisDestination:
    def __init__(self, client: Any, stream: str) -> None:
        self.client, self.stream = client, stream
        self.label = f"KinesisStream:{stream}"

    def accepted_anyway(self, records: Sequence[InflightRecord]) -> list[InflightRecord]:
        """Records of a crashed batch the stream holds although no answer said so."""
        return accepted_anyway(self.client, self.stream, records)

    def put(self, entries: Sequence[Entry]) -> list[str | None]:
        response = self.client.put_records(
            StreamName=self.stream,
            Records=[{"Data": e.data, "PartitionKey": e.key} for e in entries],
        )
        return [result.get("ErrorCode") for result in response["Records"]]


class FirehoseDestination:
    def __init__(self, client: Any, stream: str) -> None:
        self.client, self.stream = client, stream
        self.label = f"DeliveryStream:{stream}"

    def put(self, entries: Sequence[Entry]) -> list[str | None]:
        response = self.client.put_record_batch(
            DeliveryStreamName=self.stream, Records=[{"Data": e.data} for e in entries]
        )
        return [result.get("ErrorCode") for result in response["RequestResponses"]]


class Backoff:
    """AsyncPublisherThrottler's arithmetic; `rng` is injected so tests pin the jitter."""

    def __init__(self, initial_ms: int, max_ms: int, rng: random.Random | None = None) -> None:
        self.initial_ms, self.max_ms = initial_ms, max_ms
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not secrecy
        self.failures = 0.0

    def on_failure(self) -> None:
        self.failures += 1

    def on_success(self) -> None:
        self.failures /= RECOVERY
        if self.failures < 1:
            self.failures = 0.0

    def delay_ms(self) -> float:
        failures = round(self.failures)
        if failures == 0:
            return 0.0
        delay = min(self.max_ms, self.initial_ms * 2.0 ** max(0, failures - 1))
        return delay * (1 + self.rng.uniform(-1, 1) * JITTER)


class Sender:
    """Delivers one flow's buffers; setting `abort` ends a send between retries."""

    def __init__(
        self,
        flow: FlowConfig,
        destination: Destination,
        metrics: AgentMetrics,
        abort: threading.Event,
        rng: random.Random | None = None,
    ) -> None:
        self.flow, self.destination, self.metrics, self.abort = flow, destination, metrics, abort
        self.rng = rng or random.Random()  # noqa: S311 - keys spread shards, not secrets
        self.backoff = Backoff(flow.retry_initial_backoff_ms, flow.retry_max_backoff_ms, self.rng)

    def entries(self, records: Sequence[Record]) -> list[Entry]:
        """The put entries for `records` (skipped records carry no data and make none)."""
        sendable = [r for r in records if r.data is not None]
        if self.flow.aggregated_record_size_bytes:
            return self._aggregated(sendable)
        return [self._entry(r) for r in sendable]

    def _entry(self, record: Record) -> Entry:
        data = record.data or b""
        terminator = self.flow.truncated_record_terminator
        if self.flow.destination_type == "firehose":
            data = truncate(data, self.flow.max_record_bytes, terminator)
            return Entry(data, None, (record,))
        key = partition_key(self.flow.partition_key_option, data, self.rng)
        limit = self.flow.max_record_bytes - len(key.encode())
        return Entry(truncate(data, limit, terminator), key, (record,))

    def _aggregated(self, records: Sequence[Record]) -> list[Entry]:
        """Firehose `aggregatedRecordSizeBytes`: consecutive records packed into one entry."""
        limit = self.flow.aggregated_record_size_bytes
        entries: list[Entry] = []
        group: list[Record] = []
        size = 0
        for record in records:
            length = len(record.data or b"")
            if group and size + length > limit:
                entries.append(Entry(b"".join(r.data or b"" for r in group), None, tuple(group)))
                group, size = [], 0
            group.append(record)
            size += length
        if group:
            entries.append(Entry(b"".join(r.data or b"" for r in group), None, tuple(group)))
        return [
            Entry(truncate(e.data, self.flow.max_record_bytes, b"\n"), None, e.records)
            for e in entries
        ]

    def send(self, entries: Sequence[Entry], on_ack: Callable[[Sequence[Entry]], None]) -> bool:
        """Send until every entry is accepted (True) or `abort` is set (False)."""
        remaining = list(entries)
        while remaining:
            delay = self.backoff.delay_ms()
            if (delay and self.abort.wait(delay / 1000)) or self.abort.is_set():
                return False
            remaining = self._attempt(remaining, on_ack)
        return True

    def _attempt(
        self, entries: list[Entry], on_ack: Callable[[Sequence[Entry]], None]
    ) -> list[Entry]:
        label = self.destination.label
        self.metrics.attempted(label, len(entries))
        try:
            codes = self.destination.put(entries)
        except (ClientError, BotoCoreError) as exc:
            self.metrics.call_failed(label)
            self.backoff.on_failure()
            _log_call_failure(self.flow.id, label, exc)
            return entries
        accepted = [e for e, code in zip(entries, codes, strict=True) if code is None]
        failed = [e for e, code in zip(entries, codes, strict=True) if code is not None]
        if accepted:
            on_ack(accepted)
        records = sum(len(e.records) for e in accepted)
        self.metrics.sent(self.flow.id, label, records, sum(e.size for e in accepted), len(failed))
        if failed:
            self.backoff.on_failure()
            logger.debug(
                "%s: %d of %d records failed at %s (%s); retrying them",
                self.flow.id, len(failed), len(entries), label,
                sorted({c for c in codes if c}),
            )  # fmt: skip
        else:
            self.backoff.on_success()
        return failed


def _log_call_failure(flow: str, label: str, exc: Exception) -> None:
    code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""
    if code in {"ProvisionedThroughputExceededException", "ServiceUnavailableException"}:
        logger.debug("%s: %s throttled the call (%s); backing off", flow, label, code)
    else:
        logger.error("%s: sending to %s failed: %s; will retry", flow, label, exc)
