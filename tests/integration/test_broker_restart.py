"""Reliability: the broker stops and restarts while a producer writes with retries.

Every record PutRecords acknowledged (a sequence number was returned) must be readable
afterwards, at the position its sequence number names, with its data.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cadabra.config import KafkaSettings, QuotaSettings
from cadabra.quotas import Backoff, QuotaRegistry, retry_failed
from cadabra.stack import NativeStack
from cadabra.stack.testing import StackEndpoints, native_settings
from cadabra.streams import PutRecordsEntry, StreamsService, decode_sequence
from cadabra.streams.kafka_reader import KafkaReader


@pytest.fixture
def restartable(
    stack: StackEndpoints, tmp_path: Path, stack_cache: Path
) -> Iterator[tuple[NativeStack, str]]:
    """The session's native stack, or (on a configured stack that is not one) one of our own."""
    if stack.native is not None:
        yield stack.native, stack.kafka_bootstrap
        return
    own = NativeStack(native_settings(tmp_path / "stack", cache_dir=stack_cache))
    try:
        yield own, own.up().env["CADABRA_KAFKA_BOOTSTRAP"]
    finally:
        own.down()


class Writer(threading.Thread):
    """Writes numbered records in batches, resending only failed entries, until told to stop."""

    def __init__(self, streams: StreamsService, name: str) -> None:
        super().__init__(daemon=True)
        self.streams, self.name = streams, name
        self.acked: dict[bytes, str] = {}
        self.stop = threading.Event()
        self.errors: list[BaseException] = []

    def run(self) -> None:
        try:
            batch_no = 0
            while not self.stop.is_set():
                batch = [
                    PutRecordsEntry(f"order-{batch_no}-{i}".encode(), f"customer-{i}")
                    for i in range(50)
                ]
                results = retry_failed(
                    lambda b: self.streams.put_records(b, stream_name=self.name)["Records"],
                    batch,
                    failed=lambda r: "ErrorCode" in r,
                    backoff=Backoff(base_s=0.1, cap_s=1.0, max_attempts=None),
                )
                for entry, result in zip(batch, results, strict=True):
                    self.acked[entry.data] = result["SequenceNumber"]
                batch_no += 1
        except BaseException as exc:  # surfaced by the test
            self.errors.append(exc)

    def wait_for(self, count: int, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.acked) < count:
            assert not self.errors, self.errors
            assert time.monotonic() < deadline, f"only {len(self.acked)} records acknowledged"
            time.sleep(0.01)


@pytest.mark.native_stack
def test_acknowledged_records_survive_a_broker_restart(
    restartable: tuple[NativeStack, str],
) -> None:
    native, bootstrap = restartable
    streams = StreamsService(
        KafkaSettings(bootstrap=bootstrap), quotas=QuotaRegistry(QuotaSettings(enabled=False))
    )
    name = f"test-restart-{uuid.uuid4().hex[:8]}"
    streams.create_stream(name, 2)
    writer = Writer(streams, name)
    writer.start()
    try:
        writer.wait_for(500)
        native.stop_service("kafka")
        native.start_service("kafka")
        writer.wait_for(len(writer.acked) + 500)
    finally:
        writer.stop.set()
        writer.join(timeout=120)
    assert not writer.errors, writer.errors

    reader = KafkaReader(bootstrap)
    try:
        stored: dict[tuple[int, int], bytes] = {}
        for shard in (0, 1):
            offset = 0
            while True:
                page = reader.read(streams.topic(name), shard, offset, 10_000, 10 * 1024 * 1024)
                stored.update({(shard, r.offset): r.value for r in page.records})
                if page.next_offset >= page.high_watermark:
                    break
                offset = page.next_offset
        for data, sequence in writer.acked.items():
            assert stored.get(tuple(decode_sequence(sequence))) == data, data
    finally:
        reader.close()
        streams.delete_stream(stream_name=name)
        streams.close()
