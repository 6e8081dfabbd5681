"""SplitShard, MergeShards and UpdateShardCount on a real broker: AWS's rules, errors and shapes,
and no record lost when a shard closes under writes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from cadabra.config import QuotaSettings
from cadabra.errors import (
    InvalidArgumentException,
    LimitExceededException,
    ResourceInUseException,
    ResourceNotFoundException,
    ValidationException,
)
from cadabra.quotas import FakeClock, QuotaRegistry
from cadabra.streams import MAX_HASH_KEY, PutRecordsEntry, StreamsService, even_ranges, hash_key

MakeStream = Callable[..., str]
SHARD = "shardId-{:012d}".format
HOUR_MS = 3_600_000


def _shards(streams: StreamsService, name: str) -> list[dict[str, Any]]:
    shards: list[dict[str, Any]] = streams.describe_stream(stream_name=name)["StreamDescription"][
        "Shards"
    ]
    return shards


def _open(shards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for s in shards if "EndingSequenceNumber" not in s["SequenceNumberRange"]]


def _range(shard: dict[str, Any]) -> tuple[int, int]:
    keys = shard["HashKeyRange"]
    return int(keys["StartingHashKey"]), int(keys["EndingHashKey"])


def _drain(streams: StreamsService, name: str, shard: str, clock: FakeClock) -> dict[str, Any]:
    """Every record of a shard from TRIM_HORIZON; for a closed shard, up to its end."""
    iterator = streams.get_shard_iterator(shard, "TRIM_HORIZON", stream_name=name)["ShardIterator"]
    records: list[dict[str, Any]] = []
    for _ in range(50):
        page = streams.get_records(iterator)
        clock.advance(1)
        records += page["Records"]
        if "NextShardIterator" not in page:
            return {"Records": records, "ChildShards": page["ChildShards"]}
        if not page["Records"]:
            return {"Records": records}
        iterator = page["NextShardIterator"]
    raise AssertionError(f"shard {shard} did not drain")


def _put(streams: StreamsService, name: str, keys: list[str]) -> list[dict[str, str]]:
    result = streams.put_records([PutRecordsEntry(k.encode(), k) for k in keys], stream_name=name)
    assert result["FailedRecordCount"] == 0
    records: list[dict[str, str]] = result["Records"]
    return records


def test_split_closes_the_parent_and_opens_two_children(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = make_stream(shard_count=1)
    middle = MAX_HASH_KEY // 2
    assert streams.split_shard(SHARD(0), str(middle), stream_name=name) == {}
    parent, lower, upper = _shards(streams, name)
    assert "EndingSequenceNumber" in parent["SequenceNumberRange"]
    assert (lower["ShardId"], upper["ShardId"]) == (SHARD(1), SHARD(2))
    assert lower["ParentShardId"] == upper["ParentShardId"] == SHARD(0)
    assert "AdjacentParentShardId" not in lower
    assert _range(lower) == (0, middle - 1)
    assert _range(upper) == (middle, MAX_HASH_KEY)
    summary = streams.describe_stream_summary(stream_name=name)["StreamDescriptionSummary"]
    assert summary["StreamStatus"] == "ACTIVE"
    assert summary["OpenShardCount"] == 2


def test_readers_drain_the_parent_then_read_the_children(
    streams: StreamsService, make_stream: MakeStream, quota_clock: FakeClock
) -> None:
    name = make_stream(shard_count=1)
    keys = [f"customer-{i}" for i in range(40)]
    before = _put(streams, name, keys)
    streams.split_shard(SHARD(0), str(2**127), stream_name=name)
    quota_clock.advance(1)
    after = _put(streams, name, [f"{k}-again" for k in keys])

    parent = _drain(streams, name, SHARD(0), quota_clock)
    assert [r["SequenceNumber"] for r in parent["Records"]] == [r["SequenceNumber"] for r in before]
    assert [c["ShardId"] for c in parent["ChildShards"]] == [SHARD(1), SHARD(2)]
    assert all(c["ParentShards"] == [SHARD(0)] for c in parent["ChildShards"])
    assert parent["ChildShards"][1]["HashKeyRange"]["StartingHashKey"] == str(2**127)

    for child, in_lower in ((SHARD(1), True), (SHARD(2), False)):
        got = _drain(streams, name, child, quota_clock)["Records"]
        expected = [k for k in (f"{k}-again" for k in keys) if (hash_key(k) < 2**127) == in_lower]
        assert [r["PartitionKey"] for r in got] == expected
    assert {r["ShardId"] for r in after} == {SHARD(1), SHARD(2)}
    ending = _shards(streams, name)[0]["SequenceNumberRange"]["EndingSequenceNumber"]
    assert ending == before[-1]["SequenceNumber"]


def test_get_shard_iterator_latest_on_a_closed_shard_reaches_its_children(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = make_stream(shard_count=1)
    _put(streams, name, ["a", "b"])
    streams.split_shard(SHARD(0), str(2**100), stream_name=name)
    iterator = streams.get_shard_iterator(SHARD(0), "LATEST", stream_name=name)["ShardIterator"]
    page = streams.get_records(iterator)
    assert page["Records"] == []
    assert "NextShardIterator" not in page
    assert len(page["ChildShards"]) == 2


def test_no_record_is_lost_when_a_shard_closes_under_writes(
    streams: StreamsService, make_stream: MakeStream, quota_clock: FakeClock
) -> None:
    name = make_stream(shard_count=1)
    streams.quotas = QuotaRegistry(QuotaSettings(enabled=False))
    acknowledged: list[dict[str, str]] = []
    stop = threading.Event()

    def write(worker: int) -> None:
        batch = 0
        while not stop.is_set():
            keys = [f"w{worker}-b{batch}-{i}" for i in range(20)]
            acknowledged.extend(_put(streams, name, keys))
            batch += 1

    writers = [threading.Thread(target=write, args=(w,)) for w in range(3)]
    for writer in writers:
        writer.start()
    try:
        streams.split_shard(SHARD(0), str(2**127), stream_name=name)
        streams.merge_shards(SHARD(1), SHARD(2), stream_name=name)
    finally:
        stop.set()
        for writer in writers:
            writer.join()
    readable = {
        r["SequenceNumber"]
        for shard in range(4)
        for r in _drain(streams, name, SHARD(shard), quota_clock)["Records"]
    }
    assert len(acknowledged) > 0
    assert {r["SequenceNumber"] for r in acknowledged} <= readable
    assert len(readable) == len(acknowledged)


def test_a_write_routed_before_the_switch_lands_before_the_parents_end(
    streams: StreamsService,
    make_stream: MakeStream,
    quota_clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The race, made certain: a record routed to the parent reaches Kafka only after routing
    switched to the children. Resharding waits for it before reading the parent's end."""
    name = make_stream(shard_count=1)
    real_submit = streams.kafka_writer.submit
    routed = threading.Event()

    def slow_first_submit(*args: Any) -> Any:
        if not routed.is_set():
            routed.set()
            time.sleep(1.0)
        return real_submit(*args)

    monkeypatch.setattr(streams.kafka_writer, "submit", slow_first_submit)
    late: dict[str, Any] = {}
    writer = threading.Thread(
        target=lambda: late.update(streams.put_record(b"late", "k", stream_name=name))
    )
    writer.start()
    assert routed.wait(10)
    streams.split_shard(SHARD(0), str(2**127), stream_name=name)
    writer.join()
    assert late["ShardId"] == SHARD(0)
    drained = _drain(streams, name, SHARD(0), quota_clock)
    assert [r["SequenceNumber"] for r in drained["Records"]] == [late["SequenceNumber"]]


def test_split_key_must_lie_strictly_inside_the_parent(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = make_stream(shard_count=2)
    start, end = even_ranges(2)[1]
    for key in (start, start + 1, end, 0):
        with pytest.raises(InvalidArgumentException, match="is not both greater than one plus"):
            streams.split_shard(SHARD(1), str(key), stream_name=name)
    with pytest.raises(ValidationException, match="newStartingHashKey"):
        streams.split_shard(SHARD(1), "-5", stream_name=name)
    streams.split_shard(SHARD(1), str(start + 2), stream_name=name)
    assert len(_open(_shards(streams, name))) == 3


def test_only_open_shards_of_a_provisioned_stream_reshard(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = make_stream(shard_count=1)
    streams.split_shard(SHARD(0), str(2**127), stream_name=name)
    with pytest.raises(InvalidArgumentException, match="has already been merged or split"):
        streams.split_shard(SHARD(0), str(2**126), stream_name=name)
    with pytest.raises(InvalidArgumentException, match="has already been merged or split"):
        streams.merge_shards(SHARD(0), SHARD(1), stream_name=name)
    with pytest.raises(ResourceNotFoundException, match=f"Could not find shard {SHARD(9)}"):
        streams.split_shard(SHARD(9), str(2**126), stream_name=name)
    on_demand = make_stream(shard_count=None, stream_mode="ON_DEMAND")
    with pytest.raises(ValidationException, match="is in On-Demand mode"):
        streams.update_shard_count(8, stream_name=on_demand)


def test_merge_needs_adjacent_shards(streams: StreamsService, make_stream: MakeStream) -> None:
    name = make_stream(shard_count=3)
    with pytest.raises(InvalidArgumentException, match="not an adjacent pair"):
        streams.merge_shards(SHARD(0), SHARD(2), stream_name=name)
    with pytest.raises(InvalidArgumentException, match="not an adjacent pair"):
        streams.merge_shards(SHARD(1), SHARD(1), stream_name=name)
    streams.merge_shards(SHARD(2), SHARD(1), stream_arn=streams.arn(name))
    child = _shards(streams, name)[3]
    assert child["ShardId"] == SHARD(3)
    assert (child["ParentShardId"], child["AdjacentParentShardId"]) == (SHARD(2), SHARD(1))
    assert _range(child) == (even_ranges(3)[1][0], MAX_HASH_KEY)
    assert len(_open(_shards(streams, name))) == 2


def test_one_resharding_at_a_time(streams: StreamsService, make_stream: MakeStream) -> None:
    name = make_stream(shard_count=2)
    updating = streams.state(name).copy()
    updating.status = "UPDATING"
    streams.shard_map.put(updating)
    message = f"Stream {name} under account 000000000000 not ACTIVE, instead in state UPDATING"
    with pytest.raises(ResourceInUseException, match=message):
        streams.split_shard(SHARD(0), str(2**126), stream_name=name)
    with pytest.raises(ResourceInUseException, match=message):
        streams.merge_shards(SHARD(0), SHARD(1), stream_name=name)
    with pytest.raises(ResourceInUseException, match=message):
        streams.update_shard_count(3, stream_name=name)
    assert streams.put_record(b"x", "k", stream_name=name)["ShardId"]  # writes go on


def test_update_shard_count_between_half_and_double(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = make_stream(shard_count=2)
    with pytest.raises(LimitExceededException, match="cannot scale up over double"):
        streams.update_shard_count(5, stream_name=name)
    with pytest.raises(InvalidArgumentException, match="different from the current"):
        streams.update_shard_count(2, stream_name=name)
    with pytest.raises(ValidationException, match="UNIFORM_SCALING"):
        streams.update_shard_count(3, "SKEWED", stream_name=name)
    answer = streams.update_shard_count(4, "UNIFORM_SCALING", stream_arn=streams.arn(name))
    assert answer == {
        "StreamName": name,
        "CurrentShardCount": 2,
        "TargetShardCount": 4,
        "StreamARN": streams.arn(name),
    }
    assert sorted(_range(s) for s in _open(_shards(streams, name))) == even_ranges(4)
    with pytest.raises(LimitExceededException, match="cannot scale down below half"):
        streams.update_shard_count(1, stream_name=name)
    streams.update_shard_count(2, stream_name=name)
    assert sorted(_range(s) for s in _open(_shards(streams, name))) == even_ranges(2)


def test_uniform_scaling_keeps_every_child_at_two_parents_at_most(
    streams: StreamsService, make_stream: MakeStream, quota_clock: FakeClock
) -> None:
    name = make_stream(shard_count=3)
    keys = [f"order-{i}" for i in range(60)]
    _put(streams, name, keys)
    streams.update_shard_count(5, stream_name=name)
    shards = _shards(streams, name)
    assert sorted(_range(s) for s in _open(shards)) == even_ranges(5)
    known = {SHARD(i) for i in range(3)}
    for shard in shards[3:]:  # in creation order, every parent listed before its child
        parents = {shard["ParentShardId"], shard.get("AdjacentParentShardId", SHARD(0))}
        assert parents <= known
        known.add(shard["ShardId"])
    quota_clock.advance(1)
    after = _put(streams, name, keys)
    open_ids = {s["ShardId"] for s in _open(shards)}
    assert {r["ShardId"] for r in after} <= open_ids
    short_lived = [s for s in shards[3:] if s["ShardId"] not in open_ids]
    for shard in short_lived:  # never written: drained at once, pointing onwards
        drained = _drain(streams, name, shard["ShardId"], quota_clock)
        assert drained["Records"] == []
        assert drained["ChildShards"]


def test_at_most_ten_scalings_per_rolling_day(
    streams: StreamsService, make_stream: MakeStream, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [streams.clock_ms()]
    monkeypatch.setattr(streams, "clock_ms", lambda: now[0])
    name = make_stream(shard_count=1)
    for scaling in range(10):
        streams.update_shard_count(2 if scaling % 2 == 0 else 1, stream_name=name)
        now[0] += HOUR_MS
    with pytest.raises(LimitExceededException, match="limit of 10 scaling operations"):
        streams.update_shard_count(2, stream_name=name)
    now[0] += 14 * HOUR_MS  # the first scaling is now 24 h old
    streams.update_shard_count(2, stream_name=name)
    with pytest.raises(LimitExceededException, match="limit of 10 scaling operations"):
        streams.update_shard_count(1, stream_name=name)


def test_resharding_stays_within_the_account_shard_limit(
    streams: StreamsService, make_stream: MakeStream, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = make_stream(shard_count=2)
    open_now = streams.describe_limits()["OpenShardCount"]
    monkeypatch.setattr(streams.settings, "shard_limit", open_now)
    with pytest.raises(LimitExceededException, match="would exceed the shard limit"):
        streams.split_shard(SHARD(0), str(2**126), stream_name=name)
    with pytest.raises(LimitExceededException, match="would exceed the shard limit"):
        streams.update_shard_count(3, stream_name=name)
    streams.merge_shards(SHARD(0), SHARD(1), stream_name=name)
    limits = streams.describe_limits()
    assert limits["OpenShardCount"] == open_now - 1
    assert limits["ShardLimit"] == open_now
