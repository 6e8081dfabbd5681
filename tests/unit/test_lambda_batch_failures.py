"""ReportBatchItemFailures: how a partial batch response is read, and where the shard resumes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from processors.lambda_runner.records import ShardRead, StreamRecord
from processors.lambda_runner.responses import outcome_of_error, outcome_of_response
from processors.lambda_runner.retries import RetryPolicy
from processors.lambda_runner.shard_worker import Batching, ShardWorker, Stopper

NOW = datetime(2024, 1, 1, tzinfo=UTC)
BASE = 10**55


def _records(count: int, shard: str = "shardId-000000000000") -> list[StreamRecord]:
    return [StreamRecord(shard, str(BASE + i), f"k{i}", b"x%d" % i, NOW) for i in range(count)]


class FakeShard:
    """A shard of fixed records: reads hand them out in order, then report the end."""

    def __init__(self, records: list[StreamRecord], *, closed: bool = True) -> None:
        self.records = records
        self.next = 0
        self.closed = closed
        self.limits: list[int] = []

    def read(self, limit: int) -> ShardRead:
        self.limits.append(limit)
        page = self.records[self.next : self.next + limit]
        self.next += len(page)
        return ShardRead(page, ended=self.closed and self.next >= len(self.records))


def _worker(shard: FakeShard, handler: Any, **policy: Any) -> tuple[ShardWorker, list[str]]:
    from processors.lambda_runner.context import FunctionIdentity
    from processors.lambda_runner.events import EventSource
    from processors.lambda_runner.invoker import FunctionInvoker

    checkpoints: list[str] = []
    invoker = FunctionInvoker(
        handler,
        FunctionIdentity("fn", "us-east-1", "000000000000"),
        EventSource("arn:aws:kinesis:us-east-1:000000000000:stream/s", "us-east-1", "role"),
        report_batch_item_failures=True,
    )
    worker = ShardWorker(
        shard_id="shardId-000000000000",
        source=shard,
        invoke=invoker,
        checkpoint=checkpoints.append,
        policy=RetryPolicy(**policy),
        batching=Batching(batch_size=4, poll_interval_s=0.001, retry_base_s=0.0001),
        stopper=Stopper(),
        now=lambda: NOW,
    )
    return worker, checkpoints


@pytest.mark.parametrize("response", [None, {}, {"batchItemFailures": []}, "ok", 0])
def test_empty_or_null_responses_are_complete_success(response: Any) -> None:
    records = _records(3)
    outcome = outcome_of_response(records, response, report_batch_item_failures=True)
    assert outcome.ok and outcome.succeeded == 3


@pytest.mark.parametrize(
    "failures",
    [
        [{"itemIdentifier": ""}],
        [{"itemIdentifier": None}],
        [{"itemId": str(BASE + 1)}],
        [{"itemIdentifier": "12345"}],  # names no record of the batch
        "not-a-list",
        [str(BASE + 1)],
    ],
)
def test_invalid_identifiers_fail_the_whole_batch(failures: Any) -> None:
    records = _records(3)
    response = {"batchItemFailures": failures}
    outcome = outcome_of_response(records, response, report_batch_item_failures=True)
    assert outcome.succeeded == 0 and not outcome.ok


def test_the_lowest_reported_sequence_number_wins() -> None:
    records = _records(5)
    response = {
        "batchItemFailures": [
            {"itemIdentifier": records[3].sequence_number},
            {"itemIdentifier": records[1].sequence_number},
        ]
    }
    outcome = outcome_of_response(records, response, report_batch_item_failures=True)
    assert (outcome.succeeded, outcome.partial) == (1, True)


def test_responses_are_ignored_without_report_batch_item_failures() -> None:
    records = _records(2)
    response = {"batchItemFailures": [{"itemIdentifier": records[0].sequence_number}]}
    assert outcome_of_response(records, response, report_batch_item_failures=False).ok
    assert outcome_of_error(records, ValueError("boom")).error == "ValueError: boom"


def test_worker_resumes_from_the_failed_item() -> None:
    shard = FakeShard(_records(8))
    calls: list[list[str]] = []
    failed_once: set[str] = set()

    def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
        seqs = [r["kinesis"]["sequenceNumber"] for r in event["Records"]]
        calls.append(seqs)
        bad = str(BASE + 2)
        if bad in seqs and bad not in failed_once:
            failed_once.add(bad)
            return {"batchItemFailures": [{"itemIdentifier": bad}]}
        return {"batchItemFailures": []}

    worker, checkpoints = _worker(shard, handler)
    assert worker.run() is True
    seq = [str(BASE + i) for i in range(8)]
    assert calls == [seq[0:4], seq[2:4], seq[4:8]]
    assert checkpoints == [seq[1], seq[3], seq[7], "SHARD_END"]


def test_item_failures_exhaust_retries_and_the_rest_is_discarded() -> None:
    shard = FakeShard(_records(4))
    calls: list[int] = []

    def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
        calls.append(len(event["Records"]))
        return {"batchItemFailures": [{"itemIdentifier": str(BASE + 3)}]}

    worker, checkpoints = _worker(shard, handler, max_retries=2)
    assert worker.run() is True
    # the first call fails the last item; it is retried alone twice, then discarded
    assert calls == [4, 1, 1]
    assert checkpoints == [str(BASE + 2), str(BASE + 3), "SHARD_END"]
    assert worker._stats.records_discarded == 1
    assert worker._stats.records_processed == 3


def test_bisect_with_item_failures_splits_at_the_reported_record() -> None:
    shard = FakeShard(_records(4))
    calls: list[list[int]] = []

    def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
        offsets = [int(r["kinesis"]["sequenceNumber"]) - BASE for r in event["Records"]]
        calls.append(offsets)
        if 1 in offsets and len(calls) == 1:
            return {"batchItemFailures": [{"itemIdentifier": str(BASE + 1)}]}
        return {}

    worker, checkpoints = _worker(shard, handler, bisect=True)
    assert worker.run() is True
    # not halves ([0, 1] and [2, 3]): the retry starts at the reported record
    assert calls == [[0, 1, 2, 3], [1, 2, 3]]
    assert checkpoints == [str(BASE + 0), str(BASE + 3), "SHARD_END"]


def test_children_wait_for_every_parent_to_end() -> None:
    from processors.lambda_runner.shards import ShardNode, ready_shards

    shards = [
        ShardNode("shardId-000000000000", closed=True),
        ShardNode("shardId-000000000001", closed=True),
        ShardNode("shardId-000000000002", ("shardId-000000000000", "shardId-000000000001")),
        ShardNode("shardId-000000000003", ("shardId-000000000099",)),  # parent expired
    ]
    positions = {"shardId-000000000000": "SHARD_END", "shardId-000000000001": "123"}
    ready = ready_shards(shards, positions, running={"shardId-000000000001"})
    assert ready == ["shardId-000000000003"]
    positions["shardId-000000000001"] = "SHARD_END"
    assert ready_shards(shards, positions, running=set()) == [
        "shardId-000000000002",
        "shardId-000000000003",
    ]
