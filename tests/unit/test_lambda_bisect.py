"""Retries, BisectBatchOnFunctionError, record age and on-failure records, with a fake shard."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from processors.lambda_runner.context import FunctionIdentity
from processors.lambda_runner.destinations import FileDestination, destination_from
from processors.lambda_runner.events import EventSource
from processors.lambda_runner.invoker import FunctionInvoker
from processors.lambda_runner.positions import SHARD_END, PositionStore
from processors.lambda_runner.records import ShardRead, StreamRecord
from processors.lambda_runner.responses import BatchOutcome
from processors.lambda_runner.retries import (
    RECORD_AGE_EXCEEDED,
    RETRY_ATTEMPTS_EXHAUSTED,
    Attempt,
    Discard,
    RetryPolicy,
)
from processors.lambda_runner.shard_worker import Batching, ShardWorker, Stopper

NOW = datetime(2024, 1, 1, 12, tzinfo=UTC)
BASE = 10**55
SHARD = "shardId-000000000003"
STREAM_ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/s"


def _records(count: int, arrival: datetime = NOW) -> list[StreamRecord]:
    return [
        StreamRecord(SHARD, str(BASE + i), f"k{i}", str(i).encode(), arrival) for i in range(count)
    ]


class FakeShard:
    def __init__(self, records: list[StreamRecord]) -> None:
        self.records = records
        self.next = 0

    def read(self, limit: int) -> ShardRead:
        page = self.records[self.next : self.next + limit]
        self.next += len(page)
        return ShardRead(page, ended=self.next >= len(self.records))


def _offsets(event: dict[str, Any]) -> list[int]:
    return [int(r["kinesis"]["sequenceNumber"]) - BASE for r in event["Records"]]


def _worker(
    records: list[StreamRecord],
    handler: Any,
    tmp_path: Path,
    *,
    batch_size: int = 8,
    now: datetime = NOW,
    **policy: Any,
) -> tuple[ShardWorker, list[str], FileDestination]:
    checkpoints: list[str] = []
    destination = FileDestination(tmp_path / "failures.jsonl")
    invoker = FunctionInvoker(
        handler,
        FunctionIdentity("fn", "us-east-1", "000000000000"),
        EventSource(STREAM_ARN, "us-east-1", "role"),
    )
    worker = ShardWorker(
        shard_id=SHARD,
        source=FakeShard(records),
        invoke=invoker,
        checkpoint=checkpoints.append,
        policy=RetryPolicy(**policy),
        batching=Batching(batch_size=batch_size, poll_interval_s=0.001, retry_base_s=0.0001),
        stopper=Stopper(),
        destination=destination,
        function_arn=invoker.function.arn,
        stream_arn=STREAM_ARN,
        now=lambda: now,
    )
    return worker, checkpoints, destination


def test_policy_splits_a_failed_batch_in_halves_without_counting_a_retry() -> None:
    attempt = Attempt(_records(5), retries=0, invocations=1)
    halves = RetryPolicy(bisect=True, max_retries=0).after_failure(attempt, BatchOutcome(0, 5))
    assert isinstance(halves, list)
    assert [len(h.records) for h in halves] == [2, 3]
    assert [h.retries for h in halves] == [0, 0]


def test_policy_discards_a_single_record_after_max_retries() -> None:
    policy = RetryPolicy(bisect=True, max_retries=2)
    attempt = Attempt(_records(1))
    for retry in (1, 2):
        (attempt,) = policy.after_failure(attempt, BatchOutcome(0, 1))  # type: ignore[misc]
        assert attempt.retries == retry
    discard = policy.after_failure(attempt, BatchOutcome(0, 1, "E: x"))
    assert isinstance(discard, Discard)
    assert discard.condition == RETRY_ATTEMPTS_EXHAUSTED


def test_policy_with_unlimited_retries_never_discards() -> None:
    attempt = Attempt(_records(2), retries=5000)
    following = RetryPolicy(max_retries=-1).after_failure(attempt, BatchOutcome(0, 2))
    assert isinstance(following, list) and following[0].retries == 5001


def test_bisect_isolates_the_bad_record_and_processes_every_other(tmp_path: Path) -> None:
    calls: list[list[int]] = []
    processed: list[int] = []

    def handler(event: dict[str, Any], _context: Any) -> None:
        offsets = _offsets(event)
        calls.append(offsets)
        if 5 in offsets:
            raise ValueError("record 5 is poison")
        processed.extend(offsets)

    worker, checkpoints, destination = _worker(
        _records(8), handler, tmp_path, bisect=True, max_retries=1
    )
    assert worker.run() is True
    assert processed == [0, 1, 2, 3, 4, 6, 7]  # in order, nothing lost but the bad one
    assert calls == [
        [0, 1, 2, 3, 4, 5, 6, 7],
        [0, 1, 2, 3],
        [4, 5, 6, 7],
        [4, 5],
        [4],
        [5],
        [5],  # the one retry
        [6, 7],
    ]
    (failure,) = destination.read()
    info = failure["KinesisBatchInfo"]
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == str(BASE + 5)
    assert info["batchSize"] == 1
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 2
    assert checkpoints[-1] == SHARD_END
    assert [int(c) - BASE for c in checkpoints[:-1]] == [3, 4, 5, 7]


def test_without_bisect_the_whole_batch_is_retried_then_discarded(tmp_path: Path) -> None:
    calls: list[list[int]] = []

    def handler(event: dict[str, Any], _context: Any) -> None:
        calls.append(_offsets(event))
        if 1 in _offsets(event):
            raise RuntimeError("boom")

    worker, checkpoints, destination = _worker(
        _records(5), handler, tmp_path, batch_size=3, max_retries=2
    )
    worker.run()
    assert calls == [[0, 1, 2]] * 3 + [[3, 4]]
    (failure,) = destination.read()
    assert failure["KinesisBatchInfo"]["batchSize"] == 3
    assert failure["KinesisBatchInfo"]["startSequenceNumber"] == str(BASE)
    assert failure["KinesisBatchInfo"]["endSequenceNumber"] == str(BASE + 2)
    assert failure["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert [int(c) - BASE for c in checkpoints[:-1]] == [2, 4]


def test_records_older_than_the_maximum_age_are_discarded_unread(tmp_path: Path) -> None:
    old = _records(3, arrival=NOW - timedelta(hours=2))
    fresh = [StreamRecord(SHARD, str(BASE + 3), "k", b"3", NOW)]
    seen: list[list[int]] = []
    worker, _checkpoints, destination = _worker(
        old + fresh, lambda e, _c: seen.append(_offsets(e)), tmp_path, max_record_age_s=3600
    )
    worker.run()
    assert seen == [[3]]
    (failure,) = destination.read()
    assert failure["requestContext"]["condition"] == RECORD_AGE_EXCEEDED
    assert failure["requestContext"]["approximateInvokeCount"] == 0
    assert failure["KinesisBatchInfo"]["batchSize"] == 3
    assert failure["KinesisBatchInfo"]["approximateArrivalOfFirstRecord"] == (
        "2024-01-01T10:00:00.000Z"
    )
    assert failure["responseContext"]["functionError"] is None


def test_invocation_record_has_the_aws_shape(tmp_path: Path) -> None:
    worker, _, destination = _worker(_records(2), lambda e, c: 1 / 0, tmp_path, max_retries=0)
    worker.run()
    (failure,) = destination.read()
    assert set(failure) == {
        "requestContext",
        "responseContext",
        "version",
        "timestamp",
        "KinesisBatchInfo",
    }
    assert failure["version"] == "1.0"
    assert failure["timestamp"].endswith("Z") and len(failure["timestamp"]) == 24
    assert failure["requestContext"]["functionArn"] == (
        "arn:aws:lambda:us-east-1:000000000000:function:fn"
    )
    assert set(failure["KinesisBatchInfo"]) == {
        "shardId",
        "startSequenceNumber",
        "endSequenceNumber",
        "approximateArrivalOfFirstRecord",
        "approximateArrivalOfLastRecord",
        "batchSize",
        "streamArn",
    }
    assert failure["KinesisBatchInfo"]["shardId"] == SHARD
    assert failure["KinesisBatchInfo"]["streamArn"] == STREAM_ARN


def test_destination_specs(tmp_path: Path) -> None:
    target = tmp_path / "a" / "f.jsonl"
    destination = destination_from(f"file:{target}")
    assert isinstance(destination, FileDestination) and destination.path == target
    destination.send({"x": 1})
    assert json.loads(target.read_text()) == {"x": 1}
    kinesis = destination_from("arn:aws:kinesis:us-east-1:000000000000:stream/dlq", object())  # type: ignore[arg-type]
    assert getattr(kinesis, "stream_name", None) == "dlq"
    assert getattr(destination_from("kinesis:dlq2", object()), "stream_name", None) == "dlq2"  # type: ignore[arg-type]


def test_positions_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "positions.sqlite"
    store = PositionStore(path)
    assert store.register("fn/s", ["shardId-000000000000", "shardId-000000000001"])
    assert not store.register("fn/s", ["shardId-000000000002"])
    store.checkpoint("fn/s", "shardId-000000000000", "123")
    store.checkpoint("fn/s", "shardId-000000000001", SHARD_END)
    store.close()
    reopened = PositionStore(path)
    assert reopened.positions("fn/s") == {
        "shardId-000000000000": "123",
        "shardId-000000000001": SHARD_END,
    }
    assert reopened.get("fn/s", "shardId-000000000002") is None
