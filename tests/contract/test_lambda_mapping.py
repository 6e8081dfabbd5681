"""Lambda event source mappings against the Kinesis endpoint (boto3 GetRecords, real quotas).

The endpoint's quotas run on a frozen clock: a ticker thread advances it while the mapping polls,
so GetRecords' 5 calls/s per shard are enforced (and throttles happen) however slow the machine.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from cadabra.quotas import FakeClock
from processors.lambda_runner import EventSourceMapping, LambdaSettings, PositionStore
from processors.lambda_runner.positions import SHARD_END

MakeStream = Callable[..., str]


@contextmanager
def quota_time_passing(
    clock: FakeClock, every_s: float = 0.02, step_s: float = 0.2
) -> Iterator[None]:
    """Advance the endpoint's quota clock `step_s` per `every_s` of real time (10x here)."""
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(every_s):
            clock.advance(step_s)

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        yield
    finally:
        stop.set()
        ticker.join()


def _settings(tmp_path: Path, **overrides: Any) -> LambdaSettings:
    values: dict[str, Any] = {
        "function_name": "orders-fn",
        "positions_path": tmp_path / "positions.sqlite",
        "poll_interval_s": 0.05,
        "shard_refresh_s": 0.3,
        "backoff_base_s": 0.01,
        "backoff_cap_s": 0.1,
        **overrides,
    }
    return LambdaSettings(**values)


def _put(kinesis: Any, name: str, payloads: list[bytes], key: str = "k") -> list[str]:
    sequences: list[str] = []
    for start in range(0, len(payloads), 500):
        chunk = payloads[start : start + 500]
        result = kinesis.put_records(
            StreamName=name, Records=[{"Data": p, "PartitionKey": key} for p in chunk]
        )
        assert result["FailedRecordCount"] == 0
        sequences += [r["SequenceNumber"] for r in result["Records"]]
    return sequences


def _data(event: dict[str, Any]) -> list[bytes]:
    return [base64.b64decode(r["kinesis"]["data"]) for r in event["Records"]]


class Recorder:
    """A handler that keeps every batch it was called with (thread-safe)."""

    def __init__(self, fail_on: bytes | None = None) -> None:
        self.batches: list[list[bytes]] = []
        self.events: list[dict[str, Any]] = []
        self.contexts: list[Any] = []
        self.fail_on = fail_on
        self._lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any) -> None:
        data = _data(event)
        with self._lock:
            self.events.append(event)
            self.contexts.append(context)
            if self.fail_on is not None and self.fail_on in data:
                raise ValueError(f"cannot process {self.fail_on!r}")
            self.batches.append(data)

    def processed(self) -> list[bytes]:
        with self._lock:
            return [item for batch in self.batches for item in batch]


def test_records_arrive_in_order_in_batches_of_the_batch_size(
    kinesis: Any, make_stream: MakeStream, quota_clock: FakeClock, tmp_path: Path
) -> None:
    name = make_stream(shard_count=1)
    payloads = [f"order-{i}".encode() for i in range(250)]
    sequences = _put(kinesis, name, payloads)
    handler = Recorder()
    settings = _settings(tmp_path, batch_size=100, batching_window_s=1.0)
    mapping = EventSourceMapping(name, handler, settings, client=kinesis)
    with quota_time_passing(quota_clock):
        assert mapping.run_until(lambda: len(handler.processed()) >= 250, timeout_s=30)
    assert handler.processed() == payloads
    assert [len(b) for b in handler.batches] == [100, 100, 50]
    record = handler.events[0]["Records"][0]
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    assert record["eventSourceARN"] == arn
    assert record["eventID"] == f"shardId-000000000000:{sequences[0]}"
    assert record["kinesis"]["sequenceNumber"] == sequences[0]
    assert abs(record["kinesis"]["approximateArrivalTimestamp"] - time.time()) < 120
    context = handler.contexts[0]
    assert context.function_name == "orders-fn"
    assert context.invoked_function_arn.endswith(":function:orders-fn")
    assert 0 < context.get_remaining_time_in_millis() <= 3000


def test_throttled_polls_back_off_and_nothing_is_lost(
    kinesis: Any, make_stream: MakeStream, quota_clock: FakeClock, tmp_path: Path
) -> None:
    name = make_stream(shard_count=1)
    handler = Recorder()
    mapping = EventSourceMapping(
        name, handler, _settings(tmp_path, poll_interval_s=0.01), client=kinesis
    )
    mapping.start()
    try:
        # the clock is frozen: after the shard's 5 calls, every poll is throttled
        deadline = time.monotonic() + 20
        while mapping.stats.throttles < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert mapping.stats.throttles >= 3
        payloads = [f"late-{i}".encode() for i in range(30)]
        _put(kinesis, name, payloads)
        with quota_time_passing(quota_clock):
            deadline = time.monotonic() + 20
            while len(handler.processed()) < 30 and time.monotonic() < deadline:
                time.sleep(0.02)
    finally:
        mapping.stop()
    assert handler.processed() == payloads


def test_bisect_isolates_the_bad_record_which_goes_to_a_kinesis_destination(
    kinesis: Any, make_stream: MakeStream, quota_clock: FakeClock, tmp_path: Path
) -> None:
    name, dlq = make_stream(shard_count=1), make_stream(shard_count=1)
    payloads = [f"order-{i}".encode() for i in range(20)]
    sequences = _put(kinesis, name, payloads)
    handler = Recorder(fail_on=b"order-13")
    settings = _settings(
        tmp_path, batch_size=10, bisect=True, max_retries=2, on_failure=f"kinesis:{dlq}"
    )
    mapping = EventSourceMapping(name, handler, settings, client=kinesis)
    positions = PositionStore(tmp_path / "positions.sqlite")
    with quota_time_passing(quota_clock):
        done = mapping.run_until(
            lambda: positions.get("orders-fn/" + name, "shardId-000000000000") == sequences[-1],
            timeout_s=30,
        )
    assert done
    assert handler.processed() == [p for p in payloads if p != b"order-13"]
    # the bad record alone: 1 failed batch of 10, halves 10-14, 10-11 ok, 12-14 → 12, 13-14 → 13
    bad_calls = [e for e in handler.events if _data(e) == [b"order-13"]]
    assert len(bad_calls) == 3  # the first single-record try and its 2 retries
    iterator = kinesis.get_shard_iterator(
        StreamName=dlq, ShardId="shardId-000000000000", ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    quota_clock.advance(1)
    (failure,) = [
        json.loads(r["Data"]) for r in kinesis.get_records(ShardIterator=iterator)["Records"]
    ]
    info = failure["KinesisBatchInfo"]
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == sequences[13]
    assert (info["batchSize"], info["shardId"]) == (1, "shardId-000000000000")
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 3
    assert failure["responseContext"]["functionError"] == "Unhandled"
    assert mapping.stats.records_discarded == 1


def test_report_batch_item_failures_resumes_from_the_failed_item(
    kinesis: Any, make_stream: MakeStream, quota_clock: FakeClock, tmp_path: Path
) -> None:
    name = make_stream(shard_count=1)
    payloads = [f"order-{i}".encode() for i in range(10)]
    _put(kinesis, name, payloads)
    calls: list[list[bytes]] = []
    lock = threading.Lock()

    def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
        with lock:
            calls.append(_data(event))
            first_call = len(calls) == 1
        failures = []
        for record, data in zip(event["Records"], _data(event), strict=True):
            if first_call and data in (b"order-6", b"order-8"):
                failures.append({"itemIdentifier": record["kinesis"]["sequenceNumber"]})
        return {"batchItemFailures": failures}

    settings = _settings(
        tmp_path, batch_size=10, batching_window_s=1.0, report_batch_item_failures=True
    )
    mapping = EventSourceMapping(name, handler, settings, client=kinesis)
    with quota_time_passing(quota_clock):
        assert mapping.run_until(lambda: len(calls) >= 2, timeout_s=30)
    assert calls[0] == payloads
    assert calls[1] == payloads[6:]
    assert mapping.stats.records_processed == 10
    assert len(calls) == 2


def test_a_restarted_mapping_resumes_after_the_last_processed_batch(
    kinesis: Any, make_stream: MakeStream, quota_clock: FakeClock, tmp_path: Path
) -> None:
    name = make_stream(shard_count=1)
    payloads = [f"order-{i}".encode() for i in range(30)]
    _put(kinesis, name, payloads)
    first = Recorder(fail_on=b"order-25")  # fails its third batch until stopped
    settings = _settings(tmp_path, batch_size=10, batching_window_s=1.0)
    with quota_time_passing(quota_clock):
        assert EventSourceMapping(name, first, settings, client=kinesis).run_until(
            lambda: len(first.events) >= 4, timeout_s=30
        )
        assert first.processed() == payloads[:20]
        second = Recorder()
        more = [f"order-{i}".encode() for i in range(30, 35)]
        _put(kinesis, name, more)
        assert EventSourceMapping(name, second, settings, client=kinesis).run_until(
            lambda: len(second.processed()) >= 15, timeout_s=30
        )
    assert second.processed() == payloads[20:] + more


def test_children_are_read_after_their_parent_to_keep_key_order(
    kinesis: Any, make_stream: MakeStream, quota_clock: FakeClock, tmp_path: Path
) -> None:
    name = make_stream(shard_count=1)
    keys = [f"customer-{i}" for i in range(8)]
    before = [(k, f"{k}:1".encode()) for k in keys]
    for key, data in before:
        kinesis.put_record(StreamName=name, Data=data, PartitionKey=key)
    kinesis.split_shard(
        StreamName=name, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2**127)
    )
    after = [(k, f"{k}:2".encode()) for k in keys]
    for key, data in after:
        kinesis.put_record(StreamName=name, Data=data, PartitionKey=key)
    order: list[tuple[str, bytes]] = []
    lock = threading.Lock()

    def handler(event: dict[str, Any], _context: Any) -> None:
        with lock:
            order.extend(
                (r["eventID"].split(":")[0], d)
                for r, d in zip(event["Records"], _data(event), strict=True)
            )

    settings = _settings(tmp_path, batch_size=100)
    mapping = EventSourceMapping(name, handler, settings, client=kinesis)
    with quota_time_passing(quota_clock):
        assert mapping.run_until(lambda: len(order) >= 16, timeout_s=30)
    shards_seen = [shard for shard, _ in order]
    assert shards_seen[:8] == ["shardId-000000000000"] * 8
    assert set(shards_seen[8:]) <= {"shardId-000000000001", "shardId-000000000002"}
    assert sorted(d for _, d in order[8:]) == sorted(d for _, d in after)
    positions = PositionStore(tmp_path / "positions.sqlite").positions(f"orders-fn/{name}")
    assert positions["shardId-000000000000"] == SHARD_END


@pytest.mark.parametrize("position", ["LATEST", "TRIM_HORIZON"])
def test_starting_position(
    position: str, kinesis: Any, make_stream: MakeStream, quota_clock: FakeClock, tmp_path: Path
) -> None:
    name = make_stream(shard_count=1)
    _put(kinesis, name, [b"old-1", b"old-2"])
    handler = Recorder()
    settings = _settings(tmp_path, starting_position=position)
    mapping = EventSourceMapping(name, handler, settings, client=kinesis)
    with quota_time_passing(quota_clock):
        mapping.start()
        try:
            # LATEST is where the stream ends when the mapping first polls the shard
            deadline = time.monotonic() + 10
            while mapping.stats.polls == 0 and time.monotonic() < deadline:
                time.sleep(0.02)
            _put(kinesis, name, [b"new-1"])
            deadline = time.monotonic() + 20
            while b"new-1" not in handler.processed() and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            mapping.stop()
    expected = [b"new-1"] if position == "LATEST" else [b"old-1", b"old-2", b"new-1"]
    assert handler.processed() == expected


def test_at_timestamp_starts_at_the_first_record_arrived_since(
    kinesis: Any, make_stream: MakeStream, quota_clock: FakeClock, tmp_path: Path
) -> None:
    from datetime import UTC, datetime, timedelta

    name = make_stream(shard_count=1)
    _put(kinesis, name, [b"before-1", b"before-2"])
    since = datetime.now(UTC) + timedelta(milliseconds=5)
    while datetime.now(UTC) <= since + timedelta(milliseconds=1):
        time.sleep(0.001)
    _put(kinesis, name, [b"after-1", b"after-2"])
    handler = Recorder()
    settings = _settings(tmp_path, starting_position="AT_TIMESTAMP", starting_timestamp=since)
    mapping = EventSourceMapping(name, handler, settings, client=kinesis)
    with quota_time_passing(quota_clock):
        assert mapping.run_until(lambda: len(handler.processed()) >= 2, timeout_s=30)
    assert handler.processed() == [b"after-1", b"after-2"]
