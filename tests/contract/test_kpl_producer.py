"""The KPL-style producer against the endpoint: futures, aggregation on the wire, throttling,
RecordTtl, FailIfThrottled and a stale shard map after a split."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, wait
from contextlib import contextmanager
from typing import Any

import pytest

from cadabra.aggregation import UserRecord, deaggregate, in_hash_range
from cadabra.quotas import FakeClock
from cadabra.streams import StreamsService
from producers.kpl import (
    KinesisProducer,
    KplSettings,
    UserRecordFailedException,
    UserRecordResult,
)

MakeStream = Callable[..., str]
SHARD = "shardId-{:012d}".format


@pytest.fixture
def producer_for(endpoint_url: str, streams: StreamsService) -> Iterator[Callable[..., Any]]:
    made: list[KinesisProducer] = []

    def make(**settings: Any) -> KinesisProducer:
        producer = KinesisProducer(KplSettings(endpoint_url=endpoint_url, **settings))
        made.append(producer)
        return producer

    yield make
    for producer in made:
        producer.close()


@contextmanager
def quota_seconds_passing(
    clock: FakeClock, every_s: float = 0.05, after_s: float = 0.0
) -> Iterator[None]:
    """Advance the endpoint's frozen quota clock one second per `every_s` of real time, starting
    `after_s` from now."""
    stop = threading.Event()

    def tick() -> None:
        if stop.wait(after_s):
            return
        while not stop.wait(every_s):
            clock.advance(1)

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        yield
    finally:
        stop.set()
        ticker.join()


def drain(streams: StreamsService, name: str, shard: str, clock: FakeClock) -> list[dict[str, Any]]:
    iterator = streams.get_shard_iterator(shard, "TRIM_HORIZON", stream_name=name)["ShardIterator"]
    records: list[dict[str, Any]] = []
    for _ in range(100):
        page = streams.get_records(iterator)
        clock.advance(1)
        records += page["Records"]
        if not page["Records"] or "NextShardIterator" not in page:
            return records
        iterator = page["NextShardIterator"]
    raise AssertionError(f"shard {shard} did not drain")


def stored_user_records(
    streams: StreamsService, name: str, shard_ids: list[str], clock: FakeClock
) -> dict[tuple[str, int], tuple[str, UserRecord]]:
    """(sequence number, sub-sequence number) -> (shard id, user record), KCL-filtered."""
    ranges = {
        s["ShardId"]: s["HashKeyRange"] for s in streams.list_shards(stream_name=name)["Shards"]
    }
    found = {}
    for shard_id in shard_ids:
        start, end = (int(ranges[shard_id][k]) for k in ("StartingHashKey", "EndingHashKey"))
        for record in drain(streams, name, shard_id, clock):
            users = deaggregate(
                record["Data"], record["PartitionKey"], record.get("ExplicitHashKey")
            )
            for user in in_hash_range(users, start, end, whole_aggregate=True):
                found[(record["SequenceNumber"], user.sub_sequence_number)] = (shard_id, user)
    return found


def results(futures: list[Future[UserRecordResult]], timeout: float = 60) -> list[UserRecordResult]:
    _, not_done = wait(futures, timeout=timeout)
    assert not not_done, f"{len(not_done)} futures did not resolve"
    return [future.result() for future in futures]


def test_futures_name_the_aggregate_and_position_of_each_user_record(
    producer_for: Callable[..., KinesisProducer],
    make_stream: MakeStream,
    streams: StreamsService,
    quota_clock: FakeClock,
) -> None:
    name = make_stream(shard_count=2)
    producer = producer_for()
    sent = [(f"customer-{i % 25}", f"order {i} ".encode() * 3) for i in range(600)]
    futures = [producer.add_user_record(name, key, data) for key, data in sent]
    assert producer.flush_sync(timeout_s=60)
    got = results(futures)

    assert all(r.successful and len(r.attempts) == 1 for r in got)
    assert {r.shard_id for r in got} == {SHARD(0), SHARD(1)}
    aggregates = {r.sequence_number for r in got}
    assert len(aggregates) < len(got) // 10  # aggregated, not one Kinesis record each
    assert max(r.sub_sequence_number for r in got) > 0

    stored = stored_user_records(streams, name, [SHARD(0), SHARD(1)], quota_clock)
    assert len(stored) == len(sent)
    for (key, data), result in zip(sent, got, strict=True):
        shard_id, user = stored[(result.sequence_number, result.sub_sequence_number)]
        assert (shard_id, user.partition_key, user.data) == (result.shard_id, key, data)

    # Reading the stream back gives each partition key's records in the order they were added.
    by_key: dict[str, list[bytes]] = defaultdict(list)
    for _, user in (stored[k] for k in sorted(stored, key=lambda k: (int(k[0]), k[1]))):
        by_key[user.partition_key].append(user.data)
    expected: dict[str, list[bytes]] = defaultdict(list)
    for key, data in sent:
        expected[key].append(data)
    assert by_key == expected


def test_a_lone_record_is_sent_raw_and_explicit_hash_keys_route(
    producer_for: Callable[..., KinesisProducer],
    make_stream: MakeStream,
    streams: StreamsService,
    quota_clock: FakeClock,
) -> None:
    name = make_stream(shard_count=2)
    producer = producer_for()
    lone = producer.add_user_record(name, "k", b"alone", explicit_hash_key=str(2**127))
    assert producer.flush_sync(timeout_s=30)
    result = lone.result()
    assert (result.shard_id, result.sub_sequence_number) == (SHARD(1), 0)
    (record,) = drain(streams, name, SHARD(1), quota_clock)
    assert (record["Data"], record["PartitionKey"]) == (b"alone", "k")


def test_records_bigger_than_aggregation_max_size_bypass_aggregation(
    producer_for: Callable[..., KinesisProducer],
    make_stream: MakeStream,
    streams: StreamsService,
    quota_clock: FakeClock,
) -> None:
    name = make_stream(shard_count=1)
    producer = producer_for(aggregation_max_size=1000)
    futures = [producer.add_user_record(name, "k", bytes([i]) * 1500) for i in range(3)]
    futures += [producer.add_user_record(name, "k", b"small") for _ in range(3)]
    assert producer.flush_sync(timeout_s=30)
    got = results(futures)
    assert len({r.sequence_number for r in got[:3]}) == 3
    assert all(r.sub_sequence_number == 0 for r in got[:3])
    assert len({r.sequence_number for r in got[3:]}) == 1
    records = drain(streams, name, SHARD(0), quota_clock)
    assert [r["Data"] for r in records[:3]] == [bytes([i]) * 1500 for i in range(3)]


def test_throttled_records_are_retried_until_stored(
    producer_for: Callable[..., KinesisProducer],
    make_stream: MakeStream,
    streams: StreamsService,
    quota_clock: FakeClock,
) -> None:
    name = make_stream(shard_count=1)
    producer = producer_for(aggregation_enabled=False)
    futures = [producer.add_user_record(name, f"k{i}", b"x" * 100) for i in range(2500)]
    with quota_seconds_passing(quota_clock, after_s=1.0):  # the first second is a frozen one
        assert producer.flush_sync(timeout_s=120)
    got = results(futures)
    assert all(r.successful for r in got)
    retried = [r for r in got if len(r.attempts) > 1]
    assert retried  # 2,500 records > 1,000 records/s: the endpoint throttled some
    assert retried[0].attempts[0].error_code == "ProvisionedThroughputExceededException"
    assert len({r.sequence_number for r in got}) == len(got)


def test_fail_if_throttled_and_record_ttl(
    producer_for: Callable[..., KinesisProducer], make_stream: MakeStream
) -> None:
    name = make_stream(shard_count=1)
    impatient = producer_for(aggregation_enabled=False, fail_if_throttled=True)
    futures = [impatient.add_user_record(name, f"k{i}", b"x") for i in range(1400)]
    impatient.flush_sync(timeout_s=60)
    errors = [f.exception() for f in futures if f.exception() is not None]
    assert errors  # the quota clock is frozen: only 1,000 records fit
    assert isinstance(errors[0], UserRecordFailedException)
    assert errors[0].result.attempts[-1].error_code == "ProvisionedThroughputExceededException"

    # The shard's second is spent: a patient producer's records expire after RecordTtl.
    patient = producer_for(record_ttl=300)
    started = time.monotonic()
    future = patient.add_user_record(name, "late", b"x")
    with pytest.raises(UserRecordFailedException, match="Expired"):
        future.result(timeout=30)
    assert time.monotonic() - started >= 0.3


def test_unknown_stream_fails_the_record(producer_for: Callable[..., KinesisProducer]) -> None:
    future = producer_for().add_user_record("no-such-stream-kpl", "k", b"x")
    with pytest.raises(UserRecordFailedException, match="ResourceNotFoundException"):
        future.result(timeout=30)


def test_a_split_makes_the_map_stale_and_records_are_re_aggregated(
    producer_for: Callable[..., KinesisProducer],
    make_stream: MakeStream,
    streams: StreamsService,
    quota_clock: FakeClock,
) -> None:
    name = make_stream(shard_count=1)
    producer = producer_for()
    assert producer.add_user_record(name, "warm-up", b"x").result(timeout=30).shard_id == SHARD(0)
    streams.split_shard(SHARD(0), str(2**127), stream_name=name)
    quota_clock.advance(1)
    sent = [(f"customer-{i}", f"after split {i}".encode()) for i in range(200)]
    futures = [producer.add_user_record(name, key, data) for key, data in sent]
    with quota_seconds_passing(quota_clock, every_s=0.2):
        assert producer.flush_sync(timeout_s=60)
    got = results(futures)
    assert {r.shard_id for r in got} == {SHARD(1), SHARD(2)}
    assert any(a.error_code == "Wrong Shard" for r in got for a in r.attempts)

    stored = stored_user_records(streams, name, [SHARD(1), SHARD(2)], quota_clock)
    for (key, data), result in zip(sent, got, strict=True):
        shard_id, user = stored[(result.sequence_number, result.sub_sequence_number)]
        assert (shard_id, user.partition_key, user.data) == (result.shard_id, key, data)
