"""Enhanced fan-out on a real broker: consumer registration and SubscribeToShard's events, rules
and per-consumer rate (fan-out clock and sleep faked, so minutes and rates are exact)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cadabra.errors import (
    InvalidArgumentException,
    LimitExceededException,
    ProvisionedThroughputExceededException,
    ResourceInUseException,
    ResourceNotFoundException,
    ValidationException,
)
from cadabra.quotas import FakeClock
from cadabra.streams import StreamsService

MakeStream = Callable[..., str]
Events = Iterator[dict[str, Any]]
SHARD0 = "shardId-000000000000"
MIB = 1024 * 1024


@pytest.fixture
def efo_clock(streams: StreamsService, monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The fan-out's clock; its sleeps advance it (and yield the CPU a moment)."""
    clock = FakeClock()

    def sleep(seconds: float) -> None:
        clock.advance(seconds)
        time.sleep(min(seconds, 0.01))

    monkeypatch.setattr(streams.fan_out, "clock", clock)
    monkeypatch.setattr(streams.fan_out, "sleep", sleep)
    return clock


def _register(streams: StreamsService, name: str, consumer: str = "app") -> str:
    arn: str = streams.register_stream_consumer(streams.arn(name), consumer)["Consumer"][
        "ConsumerARN"
    ]
    return arn


def _subscribe(streams: StreamsService, arn: str, kind: str = "LATEST", **more: Any) -> Events:
    return streams.subscribe_to_shard(arn, SHARD0, {"Type": kind, **more})


def _records(events: Events, count: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Events until `count` records arrived; the records and the last event."""
    records: list[dict[str, Any]] = []
    event: dict[str, Any] = {}
    for _ in range(10_000):
        event = next(events)
        records += event["Records"]
        if len(records) >= count:
            return records, event
    raise AssertionError(f"only {len(records)} of {count} records arrived")


def test_register_describe_list_deregister(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = make_stream()
    stream_arn = streams.arn(name)
    consumer = streams.register_stream_consumer(stream_arn, "order-history")["Consumer"]
    assert re.fullmatch(
        rf"{re.escape(stream_arn)}/consumer/order-history:\d{{10}}", consumer["ConsumerARN"]
    )
    assert consumer["ConsumerStatus"] == "ACTIVE"
    by_arn = streams.describe_stream_consumer(consumer_arn=consumer["ConsumerARN"])
    by_name = streams.describe_stream_consumer(stream_arn=stream_arn, consumer_name="order-history")
    assert by_arn == by_name == {"ConsumerDescription": {**consumer, "StreamARN": stream_arn}}
    assert streams.list_stream_consumers(stream_arn) == {"Consumers": [consumer]}
    summary = streams.describe_stream_summary(stream_name=name)["StreamDescriptionSummary"]
    assert summary["ConsumerCount"] == 1

    assert streams.deregister_stream_consumer(consumer_arn=consumer["ConsumerARN"]) == {}
    with pytest.raises(ResourceNotFoundException, match=r"Consumer .* not found"):
        streams.describe_stream_consumer(consumer_arn=consumer["ConsumerARN"])
    assert streams.list_stream_consumers(stream_arn) == {"Consumers": []}


def test_names_are_unique_and_a_stream_takes_20_consumers(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = make_stream()
    for i in range(20):
        _register(streams, name, f"c{i}")
    with pytest.raises(ResourceInUseException, match="c3 under stream"):
        _register(streams, name, "c3")
    with pytest.raises(LimitExceededException, match="20 registered consumers"):
        _register(streams, name, "c20")
    with pytest.raises(ValidationException, match="consumerName"):
        _register(streams, make_stream(), "no spaces")


def test_lookups_refuse_what_does_not_name_one_consumer(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = make_stream()
    arn = _register(streams, name)
    with pytest.raises(InvalidArgumentException, match="Either ConsumerARN"):
        streams.describe_stream_consumer(stream_arn=streams.arn(name))
    with pytest.raises(InvalidArgumentException, match="does not match"):
        streams.describe_stream_consumer(consumer_arn=arn, consumer_name="other")
    with pytest.raises(ValidationException, match="consumerARN"):
        streams.deregister_stream_consumer(consumer_arn="arn:aws:kinesis:nope")
    earlier = arn.rsplit(":", 1)[0] + ":1"  # an earlier registration under the same name
    with pytest.raises(ResourceNotFoundException, match="not found"):
        streams.describe_stream_consumer(consumer_arn=earlier)


def test_consumers_are_creating_until_activated(
    streams: StreamsService,
    make_stream: MakeStream,
    monkeypatch: pytest.MonkeyPatch,
    efo_clock: FakeClock,
) -> None:
    now = [streams.clock_ms()]
    monkeypatch.setattr(streams, "clock_ms", lambda: now[0])
    monkeypatch.setattr(streams.consumers, "activation_s", 10.0)
    name = make_stream()
    arns = [_register(streams, name, f"c{i}") for i in range(5)]
    assert (
        streams.describe_stream_consumer(consumer_arn=arns[0])["ConsumerDescription"][
            "ConsumerStatus"
        ]
        == "CREATING"
    )
    with pytest.raises(LimitExceededException, match="5 consumers in CREATING"):
        _register(streams, name, "c5")
    with pytest.raises(ResourceInUseException, match="is not ACTIVE"):
        _subscribe(streams, arns[0])
    now[0] += 10_000
    assert next(_subscribe(streams, arns[0]))["Records"] == []
    _register(streams, name, "c5")


def test_events_carry_the_records_written_after_subscribing(
    streams: StreamsService, make_stream: MakeStream, efo_clock: FakeClock
) -> None:
    name = make_stream()
    streams.put_record(b"before", "k", stream_name=name)
    events = _subscribe(streams, _register(streams, name))
    first = next(events)
    assert first["Records"] == []
    assert set(first) == {"Records", "ContinuationSequenceNumber", "MillisBehindLatest"}
    puts = [streams.put_record(f"r{i}".encode(), f"k{i}", stream_name=name) for i in range(3)]
    records, last = _records(events, 3)
    assert [r["Data"] for r in records] == [b"r0", b"r1", b"r2"]
    assert [r["SequenceNumber"] for r in records] == [p["SequenceNumber"] for p in puts]
    assert records[0]["PartitionKey"] == "k0"
    assert records[0]["EncryptionType"] == "NONE"
    assert last["ContinuationSequenceNumber"] == puts[-1]["SequenceNumber"]
    assert last["MillisBehindLatest"] == 0


def test_a_new_subscription_continues_after_the_continuation_sequence_number(
    streams: StreamsService, make_stream: MakeStream, efo_clock: FakeClock
) -> None:
    name = make_stream()
    arn = _register(streams, name)
    for i in range(4):
        streams.put_record(f"r{i}".encode(), "k", stream_name=name)
    records, last = _records(_subscribe(streams, arn, "TRIM_HORIZON"), 4)
    streams.put_record(b"r4", "k", stream_name=name)
    efo_clock.advance(5)
    again = _subscribe(
        streams, arn, "AFTER_SEQUENCE_NUMBER", SequenceNumber=last["ContinuationSequenceNumber"]
    )
    assert [r["Data"] for r in _records(again, 1)[0]] == [b"r4"]
    efo_clock.advance(5)
    at = _subscribe(streams, arn, "AT_SEQUENCE_NUMBER", SequenceNumber=records[2]["SequenceNumber"])
    assert [r["Data"] for r in _records(at, 3)[0]] == [b"r2", b"r3", b"r4"]


def test_resubscribing_within_5_seconds_is_resource_in_use(
    streams: StreamsService, make_stream: MakeStream, efo_clock: FakeClock
) -> None:
    name = make_stream()
    arn = _register(streams, name)
    old = _subscribe(streams, arn)
    next(old)
    efo_clock.advance(4.9)
    with pytest.raises(ResourceInUseException, match="less than 5 seconds ago"):
        _subscribe(streams, arn)
    efo_clock.advance(0.1)
    new = _subscribe(streams, arn)
    assert next(new)["Records"] == []
    with pytest.raises(ResourceInUseException, match="taken over"):
        next(old)
    other = _register(streams, name, "other")  # another consumer is not affected
    assert next(_subscribe(streams, other))["Records"] == []


def test_a_subscription_lasts_five_minutes(
    streams: StreamsService,
    make_stream: MakeStream,
    efo_clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(streams.fan_out, "poll_s", 1.0)  # fewer polls of an idle shard
    name = make_stream()
    events = _subscribe(streams, _register(streams, name))
    started = efo_clock.now_ns()
    heard = sum(1 for _ in events)
    lasted_s = (efo_clock.now_ns() - started) / 1e9
    assert 300 <= lasted_s < 301
    assert 60 <= heard <= 62  # the first event, then an empty one every 5 s


def test_a_drained_closed_shard_ends_with_its_children(
    streams: StreamsService, make_stream: MakeStream, efo_clock: FakeClock
) -> None:
    name = make_stream()
    arn = _register(streams, name)
    puts = [streams.put_record(f"r{i}".encode(), f"k{i}", stream_name=name) for i in range(5)]
    streams.split_shard(SHARD0, str(2**127), stream_name=name)
    events = list(_subscribe(streams, arn, "TRIM_HORIZON"))
    got = [r["SequenceNumber"] for e in events for r in e["Records"]]
    assert got == [p["SequenceNumber"] for p in puts]
    last = events[-1]
    assert "ContinuationSequenceNumber" not in last
    assert [c["ShardId"] for c in last["ChildShards"]] == [
        "shardId-000000000001",
        "shardId-000000000002",
    ]
    assert all("ChildShards" not in e for e in events[:-1])


def test_deregistering_ends_the_consumers_subscriptions(
    streams: StreamsService, make_stream: MakeStream, efo_clock: FakeClock
) -> None:
    name = make_stream()
    arn = _register(streams, name)
    events = _subscribe(streams, arn)
    next(events)
    streams.deregister_stream_consumer(consumer_arn=arn)
    assert list(events) == []
    with pytest.raises(ResourceNotFoundException):
        _subscribe(streams, arn)


def _put_mib_records(
    streams: StreamsService, name: str, count: int, quota_clock: FakeClock
) -> None:
    for i in range(count):  # 1 MiB with its partition key: one second of a shard's writes
        streams.put_record(bytes([i]) * (MIB - 1), "k", stream_name=name)
        quota_clock.advance(1)


def _seconds_to_read(streams: StreamsService, arn: str, count: int, clock: FakeClock) -> float:
    started = clock.now_ns()
    records, _ = _records(_subscribe(streams, arn, "TRIM_HORIZON"), count)
    assert len(records) == count
    return (clock.now_ns() - started) / 1e9


def test_each_consumer_reads_2_mib_per_second_per_shard(
    streams: StreamsService,
    make_stream: MakeStream,
    efo_clock: FakeClock,
    quota_clock: FakeClock,
) -> None:
    name = make_stream()
    _put_mib_records(streams, name, 8, quota_clock)
    # A full second of budget (2 MiB) and the record that overdraws it go at once; each further
    # MiB waits half a second: 8 MiB in 2.5 s, for each consumer on its own.
    first = _seconds_to_read(streams, _register(streams, name, "first"), 8, efo_clock)
    second = _seconds_to_read(streams, _register(streams, name, "second"), 8, efo_clock)
    assert 2.4 <= first <= 2.7
    assert 2.4 <= second <= 2.7


def test_fan_out_reads_do_not_touch_the_shared_get_records_budget(
    streams: StreamsService,
    make_stream: MakeStream,
    efo_clock: FakeClock,
    quota_clock: FakeClock,
) -> None:
    name = make_stream()
    _put_mib_records(streams, name, 4, quota_clock)
    iterator = streams.get_shard_iterator(SHARD0, "LATEST", stream_name=name)["ShardIterator"]
    for _ in range(5):
        iterator = streams.get_records(iterator)["NextShardIterator"]
    with pytest.raises(ProvisionedThroughputExceededException):
        streams.get_records(iterator)  # polling consumers are throttled...
    arn = _register(streams, name)
    assert _seconds_to_read(streams, arn, 4, efo_clock) < 1.5  # ...a fan-out consumer is not
    quota_clock.advance(1)
    assert streams.get_records(iterator)["Records"] == []  # and it did not spend their budget


def test_subscribe_checks_its_request_before_any_event(
    streams: StreamsService, make_stream: MakeStream, efo_clock: FakeClock
) -> None:
    name = make_stream()
    arn = _register(streams, name)
    with pytest.raises(ValidationException, match=r"startingPosition\.type"):
        streams.subscribe_to_shard(arn, SHARD0, {"Type": "OLDEST"})
    with pytest.raises(InvalidArgumentException, match="StartingSequenceNumber"):
        streams.subscribe_to_shard(arn, SHARD0, {"Type": "AT_SEQUENCE_NUMBER"})
    with pytest.raises(ResourceNotFoundException, match="shardId-000000000007"):
        streams.subscribe_to_shard(arn, "shardId-000000000007", {"Type": "LATEST"})
    at = {"Type": "AT_TIMESTAMP", "Timestamp": streams.clock_ms() / 1000 - 60}
    streams.put_record(b"old", "k", stream_name=name)
    assert [r["Data"] for r in _records(streams.subscribe_to_shard(arn, SHARD0, at), 1)[0]] == [
        b"old"
    ]
