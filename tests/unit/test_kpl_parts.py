"""The KPL-style producer's parts without services: settings, validation, aggregation into
shard buffers, the per-shard limiter and the pipeline's collection."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import pytest

from cadabra.aggregation import UserRecord, deaggregate
from cadabra.quotas import FakeClock
from cadabra.streams.hashing import MAX_HASH_KEY, hash_key
from producers.kpl import KinesisProducer, KplSettings, UserRecordRejected
from producers.kpl.limiter import ShardLimiter
from producers.kpl.pipeline import Pipeline
from producers.kpl.records import KinesisRecord, PendingRecord, ShardBuffer


class FakeKinesis:
    """ListShards with two shards split at 2^127; PutRecords is recorded, never answered."""

    def list_shards(self, **_: Any) -> dict[str, Any]:
        ranges = [(0, 2**127 - 1), (2**127, MAX_HASH_KEY)]
        return {
            "Shards": [
                {
                    "ShardId": f"shardId-00000000000{i}",
                    "HashKeyRange": {"StartingHashKey": str(a), "EndingHashKey": str(b)},
                    "SequenceNumberRange": {"StartingSequenceNumber": "0"},
                }
                for i, (a, b) in enumerate(ranges)
            ]
        }


def pending(key: str, data: bytes, now: float = 0.0, ehk: str | None = None) -> PendingRecord:
    hashed = int(ehk) if ehk else hash_key(key)
    return PendingRecord(
        "s", UserRecord(key, ehk, data), hashed, Future(), now + 30, now + 0.1, now
    )


def test_settings_have_the_kpl_defaults_and_names(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = KplSettings()
    assert (settings.aggregation_max_size, settings.collection_max_count) == (51_200, 500)
    assert (settings.record_max_buffered_time, settings.record_ttl, settings.rate_limit) == (
        100, 30_000, 150,
    )  # fmt: skip
    monkeypatch.setenv("CADABRA_KPL_RECORD_TTL", "5000")
    assert KplSettings().record_ttl == 5000
    props = KplSettings.from_properties({"AggregationEnabled": "false", "RateLimit": 100})
    assert (props.aggregation_enabled, props.rate_limit) == (False, 100)
    with pytest.raises(ValueError, match="unknown KPL configuration key: Nope"):
        KplSettings.from_properties({"Nope": 1})


@pytest.mark.parametrize(
    ("key", "data", "ehk", "match"),
    [
        ("", b"x", None, "partitionKey length"),
        ("k" * 257, b"x", None, "partitionKey length"),
        ("k", b"x" * (1024 * 1024 + 1), None, "Data must be less than or equal to 1048576"),
        ("k", b"x", "-1", "Invalid hash key"),
        ("k", b"x", str(MAX_HASH_KEY + 1), "Invalid hash key"),
        ("k", b"x", "007", "Invalid hash key"),
    ],
)
def test_bad_user_records_are_refused_at_once(
    key: str, data: bytes, ehk: str | None, match: str
) -> None:
    with KinesisProducer(KplSettings(), client=FakeKinesis()) as producer:
        with pytest.raises(UserRecordRejected, match=match):
            producer.add_user_record("s", key, data, ehk)
        assert producer.outstanding_records_count == 0


def test_shard_buffer_seals_at_aggregation_max_size_and_count() -> None:
    buffer = ShardBuffer("s", "shard", enabled=True, max_count=3, max_size=1000)
    for i in range(7):
        buffer.add(pending(f"k{i}", b"x" * 100))
    buffer.add(pending("big", b"y" * 1001))  # bigger than AggregationMaxSize: bypasses
    buffer.seal()
    sizes = [len(record.members) for record in buffer.ready]
    assert sizes == [3, 3, 1, 1]
    first, _, bypass, lone = buffer.ready
    assert (first.partition_key, first.explicit_hash_key) == ("a", str(hash_key("k0")))
    assert [u.data for u in deaggregate(first.data, "a")] == [b"x" * 100] * 3
    assert (bypass.partition_key, bypass.data) == ("big", b"y" * 1001)
    assert (lone.partition_key, lone.data) == ("k6", b"x" * 100)  # one record: sent raw
    assert all(record.size <= 1000 for record in buffer.ready if record.aggregated)


def test_limiter_admits_rate_limit_percent_of_a_shard() -> None:
    clock = FakeClock()
    limiter = ShardLimiter(150, clock)
    assert sum(limiter.try_take(10) for _ in range(2000)) == 1500
    assert limiter.seconds_until(10) == pytest.approx(1 / 1500)
    clock.advance(1)
    assert ShardLimiter(100, clock).try_take(2 * 1024 * 1024)  # a burst, when the bucket is full


def test_pipeline_collects_per_stream_within_the_limiter() -> None:
    sent: list[list[KinesisRecord]] = []
    clock = FakeClock()
    settings = KplSettings(aggregation_enabled=False, rate_limit=1)  # 10 records/s per shard
    pipeline = Pipeline(settings, FakeKinesis(), clock, sent.append, lambda *a: None)
    for i in range(30):
        pipeline.route(pending("k", str(i).encode(), ehk="1"), now=0.0)
    assert pipeline.step(now=0.0, flushing=False) > 0  # not due yet: nothing sent
    assert sent == []
    pipeline.step(now=0.2, flushing=False)
    assert [len(batch) for batch in sent] == [10]
    assert [r.data for r in sent[0]] == [str(i).encode() for i in range(10)]
    clock.advance(1)
    pipeline.step(now=0.3, flushing=True)
    assert [len(batch) for batch in sent] == [10, 10]
    assert pipeline.buffered == 10
