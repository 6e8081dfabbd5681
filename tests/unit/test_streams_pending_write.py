"""PendingWrite: each record settled once, outcomes in call order, `on_done` at the last one."""

from __future__ import annotations

import json

from cadabra.endpoint.hot_path import put_records_json
from cadabra.streams.kafka_writer import Delivered, PendingWrite, WriteFailed


def test_batches_settle_their_records_at_consecutive_offsets_in_call_order() -> None:
    finished: list[PendingWrite] = []
    pending = PendingWrite([0, 1, 0, 1, 0], [b"k"] * 5, [b"v"] * 5, finished.append)
    pending.settle_run([1, 3], base_offset=40)  # partition 1's batch
    assert not pending.done.is_set() and not finished
    pending.settle_run([0, 2, 4], base_offset=7)  # partition 0's batch
    assert pending.done.is_set() and finished == [pending]
    assert pending.outcomes() == [7, 40, 8, 41, 9]
    assert pending.reports()[1] == Delivered(40)


def test_a_failed_batch_fails_exactly_its_records() -> None:
    pending = PendingWrite([0, 1, 0], [b"k"] * 3, [b"v"] * 3)
    pending.fail_run([1], "NotLeaderForPartitionError: gone")
    pending.settle_run([0, 2], base_offset=0)
    assert pending.reports() == [
        Delivered(0),
        WriteFailed("NotLeaderForPartitionError: gone"),
        Delivered(1),
    ]


def test_records_without_an_acknowledgement_are_failures_not_successes() -> None:
    pending = PendingWrite([0, 0], [b"k"] * 2, [b"v"] * 2)
    pending.settle(0, 12)
    assert not pending.done.wait(0.01)
    [first, second] = pending.reports()
    assert first == Delivered(12)
    assert isinstance(second, WriteFailed) and "no acknowledgement" in second.reason


def test_an_empty_write_is_done_at_once() -> None:
    finished: list[PendingWrite] = []
    pending = PendingWrite([], [], [], finished.append)
    assert pending.done.is_set() and finished == [pending] and pending.outcomes() == []


def test_the_direct_put_records_json_is_what_json_would_write() -> None:
    sequence = "49590338271490256608559692538361571095921575989136588898"
    error = {
        "ErrorCode": "ProvisionedThroughputExceededException",
        "ErrorMessage": 'Rate exceeded for shard "shardId-000000000001"\n',
    }
    body = put_records_json([(sequence, "shardId-000000000007"), error], failed=1)
    assert json.loads(body) == {
        "FailedRecordCount": 1,
        "Records": [{"SequenceNumber": sequence, "ShardId": "shardId-000000000007"}, error],
        "EncryptionType": "NONE",
    }
