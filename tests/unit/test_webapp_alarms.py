"""Alarm rows from OrderRateAlarms records, the board that keeps the newest, and the reader."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cadabra.quotas import FakeClock
from processors.webapp.alarms import Alarm, AlarmBoard, alarms_from_record
from processors.webapp.kinesis_alarms import KinesisAlarms
from processors.webapp.settings import WebSettings

ARRIVAL = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


SEQUENCE = "49590338271490256608559692538361571095921575989136588898"


def record(data: bytes | str, sequence: str = SEQUENCE) -> dict[str, Any]:
    blob = data.encode() if isinstance(data, str) else data
    return {"Data": blob, "SequenceNumber": sequence, "ApproximateArrivalTimestamp": ARRIVAL}


def test_the_course_sql_row_and_the_flink_row_both_read() -> None:
    (sql,) = alarms_from_record(record('{"ORDER_COUNT": 12, "TRIGGER_COUNT": 1}'), "shardId-0")
    (flink,) = alarms_from_record(record('{"order_count": 17}'), "shardId-0")
    assert (sql.order_count, sql.trigger_count) == (12, 1)
    assert (flink.order_count, flink.trigger_count) == (17, None)
    assert sql.to_json()["arrival_ms"] == 1_767_323_045_678
    assert sql.to_json()["row"] == {"ORDER_COUNT": 12, "TRIGGER_COUNT": 1}


def test_several_rows_per_record_and_text_rows_are_kept() -> None:
    rows = alarms_from_record(record('{"ORDER_COUNT": 10}\n{"ORDER_COUNT": 11}\n'), "s")
    assert [row.order_count for row in rows] == [10, 11]
    (text,) = alarms_from_record(record(b"surge!"), "s")
    assert (text.row, text.order_count) == ("surge!", None)


def alarm(count: int) -> Alarm:
    return Alarm(ARRIVAL, "shardId-000000000000", str(count), count, 1, {"ORDER_COUNT": count})


def test_the_board_numbers_alarms_and_keeps_the_newest() -> None:
    board = AlarmBoard(capacity=3)
    board.add(alarm(n) for n in range(10, 15))
    assert [(a.id, a.order_count) for a in board.since()] == [(3, 12), (4, 13), (5, 14)]
    assert [a.id for a in board.since(4)] == [5]
    assert board.since(5) == []


class FakeKinesis:
    """ListShards / GetShardIterator / GetRecords over lists of data, with scripted errors."""

    def __init__(self) -> None:
        self.shards: dict[str, list[str]] = {}
        self.closed: set[str] = set()
        self.errors: list[str] = []
        self.iterator_requests: list[dict[str, Any]] = []

    def _fail(self, operation: str) -> None:
        if self.errors:
            code = self.errors.pop(0)
            raise ClientError({"Error": {"Code": code, "Message": code}}, operation)

    def list_shards(self, **request: Any) -> dict[str, Any]:
        if not self.shards:
            raise ClientError({"Error": {"Code": "ResourceNotFoundException"}}, "ListShards")
        return {"Shards": [{"ShardId": shard} for shard in self.shards]}

    def get_shard_iterator(self, **request: Any) -> dict[str, Any]:
        self.iterator_requests.append(request)
        shard = request["ShardId"]
        position = {
            "TRIM_HORIZON": 0,
            "LATEST": len(self.shards[shard]),
            "AFTER_SEQUENCE_NUMBER": int(request.get("StartingSequenceNumber", 0)) + 1,
        }[request["ShardIteratorType"]]
        return {"ShardIterator": f"{shard}:{position}"}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        self._fail("GetRecords")
        shard, position = ShardIterator.split(":")
        data = self.shards[shard][int(position) :]
        records = [record(text, str(int(position) + i)) for i, text in enumerate(data)]
        end = len(self.shards[shard])
        closed = shard in self.closed
        return {"Records": records, "NextShardIterator": None if closed else f"{shard}:{end}"}


@pytest.fixture
def kinesis() -> FakeKinesis:
    return FakeKinesis()


CLOCK = FakeClock()


def reader(kinesis: FakeKinesis, **settings: Any) -> KinesisAlarms:
    return KinesisAlarms(kinesis, WebSettings(**settings), clock=lambda: CLOCK.now_ns() / 1e9)


def test_latest_skips_what_the_stream_held_before_the_app(kinesis: FakeKinesis) -> None:
    kinesis.shards["shardId-0"] = ['{"ORDER_COUNT": 10}']
    alarms = reader(kinesis)
    assert alarms.poll() == []
    assert alarms.status().to_json() == {
        "stream": "OrderRateAlarms",
        "state": "listening",
        "shards": 1,
        "detail": "",
    }
    kinesis.shards["shardId-0"].append('{"ORDER_COUNT": 11}')
    assert [a.order_count for a in alarms.poll()] == [11]


def test_a_stream_created_after_the_app_is_read_from_its_start(kinesis: FakeKinesis) -> None:
    alarms = reader(kinesis)
    with pytest.raises(ClientError):
        alarms.poll()
    alarms._failed(Exception("missing"), "ResourceNotFoundException")
    assert alarms.status().state == "waiting"
    kinesis.shards["shardId-0"] = ['{"ORDER_COUNT": 10}']
    assert alarms.poll() == []  # the missing stream is retried after shard_refresh_s
    CLOCK.advance(5)
    assert [a.order_count for a in alarms.poll()] == [10]
    assert kinesis.iterator_requests[-1]["ShardIteratorType"] == "TRIM_HORIZON"


def test_expired_iterators_resume_after_the_last_record(kinesis: FakeKinesis) -> None:
    kinesis.shards["shardId-0"] = []
    alarms = reader(kinesis, alarms_start="TRIM_HORIZON")
    kinesis.shards["shardId-0"] += ['{"ORDER_COUNT": 10}']
    assert [a.order_count for a in alarms.poll()] == [10]
    kinesis.shards["shardId-0"] += ['{"ORDER_COUNT": 11}']
    kinesis.errors.append("ExpiredIteratorException")
    assert alarms.poll() == []
    assert kinesis.iterator_requests[-1]["StartingSequenceNumber"] == "0"
    assert [a.order_count for a in alarms.poll()] == [11]


def test_a_closed_shard_is_dropped_and_its_child_read_from_the_start(
    kinesis: FakeKinesis,
) -> None:
    kinesis.shards["shardId-0"] = []
    alarms = reader(kinesis)
    alarms.poll()
    kinesis.shards["shardId-0"].append('{"ORDER_COUNT": 10}')
    kinesis.closed.add("shardId-0")
    kinesis.shards["shardId-1"] = ['{"ORDER_COUNT": 12}']
    assert [a.order_count for a in alarms.poll()] == [10]  # the child is not listed yet
    CLOCK.advance(5)
    assert [a.order_count for a in alarms.poll()] == [12]
    assert alarms.poll() == []
    assert alarms.status().shards == 1
    assert [a.id for a in alarms.since()] == [1, 2]


def test_the_thread_reads_until_closed(kinesis: FakeKinesis) -> None:
    kinesis.shards["shardId-0"] = []
    alarms = reader(kinesis, alarms_poll_s=0.01, alarms_start="TRIM_HORIZON")
    kinesis.shards["shardId-0"].append(json.dumps({"ORDER_COUNT": 10}))
    kinesis.errors.append("ProvisionedThroughputExceededException")
    alarms.start()
    try:
        deadline = time.monotonic() + 10
        while not alarms.since() and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        alarms.close()
    assert [a.order_count for a in alarms.since()] == [10]
    assert alarms.status().state == "listening"
