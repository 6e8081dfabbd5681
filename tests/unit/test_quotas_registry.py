"""QuotaRegistry: shared budgets per (stream, shard), settings, and AWS's error."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
from pydantic import ValidationError

from cadabra.config import QuotaSettings
from cadabra.errors import ProvisionedThroughputExceededException
from cadabra.quotas import FakeClock, QuotaRegistry

MIB = 1024 * 1024
SHARD = "shardId-000000000001"
OTHER_SHARD = "shardId-000000000002"
ACCOUNT = "000000000000"

MakeRegistry = Callable[..., tuple[QuotaRegistry, FakeClock]]


@pytest.fixture
def make_registry(monkeypatch: pytest.MonkeyPatch) -> MakeRegistry:
    """A registry on a fake clock; keyword arguments are QuotaSettings fields."""
    for name in QuotaSettings.model_fields:
        monkeypatch.delenv(f"CADABRA_QUOTA_{name.upper()}", raising=False)

    def make(**settings: Any) -> tuple[QuotaRegistry, FakeClock]:
        clock = FakeClock()
        return QuotaRegistry(QuotaSettings(**settings), clock), clock

    return make


@pytest.fixture
def stream() -> str:
    return f"CadabraOrders-{uuid.uuid4().hex[:8]}"


def writes(registry: QuotaRegistry, stream: str, shard_id: str, count: int) -> int:
    return sum(registry.check_write(stream, shard_id, 1, 10) for _ in range(count))


def reads(registry: QuotaRegistry, stream: str, shard_id: str, count: int) -> int:
    passed = 0
    for _ in range(count):
        try:
            registry.admit_read(stream, shard_id, ACCOUNT)
        except ProvisionedThroughputExceededException:
            continue
        passed += 1
    return passed


def test_two_writers_share_one_shard(make_registry: MakeRegistry, stream: str) -> None:
    registry, _ = make_registry()
    first = second = 0
    for _ in range(600):
        first += registry.check_write(stream, SHARD, 1, 10)
        second += registry.check_write(stream, SHARD, 1, 10)
    assert (first, second) == (500, 500)


def test_shards_and_streams_are_independent(make_registry: MakeRegistry, stream: str) -> None:
    registry, _ = make_registry()
    assert writes(registry, stream, SHARD, 1001) == 1000
    assert writes(registry, stream, OTHER_SHARD, 1001) == 1000
    assert writes(registry, f"{stream}-b", SHARD, 1001) == 1000
    assert reads(registry, stream, SHARD, 6) == 5
    assert reads(registry, stream, OTHER_SHARD, 6) == 5


def test_concurrent_writers_never_exceed_the_budget(
    make_registry: MakeRegistry, stream: str
) -> None:
    registry, _ = make_registry()
    admitted: list[int] = []

    def writer() -> None:
        admitted.append(writes(registry, stream, SHARD, 500))

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(admitted) == 1000


def test_scale_2_doubles_every_limit(make_registry: MakeRegistry, stream: str) -> None:
    registry, clock = make_registry(scale=2.0)
    assert writes(registry, stream, SHARD, 2001) == 2000
    assert registry.check_write(stream, OTHER_SHARD, 1, 2 * MIB)
    assert not registry.check_write(stream, OTHER_SHARD, 1, 1)
    assert reads(registry, stream, SHARD, 11) == 10
    registry.charge_read(stream, OTHER_SHARD, 10 * MIB)  # 10 MiB at 4 MiB/s: 2.5 s
    clock.advance(2.5 - 1e-9)
    assert reads(registry, stream, OTHER_SHARD, 1) == 0
    clock.advance_ns(1)
    assert reads(registry, stream, OTHER_SHARD, 1) == 1


def test_scale_is_the_decimal_written(make_registry: MakeRegistry, stream: str) -> None:
    registry, clock = make_registry(scale=0.1)
    assert registry.limits.write_records_per_s == 100
    assert registry.limits.write_bytes_per_s == Fraction(MIB, 10)
    assert writes(registry, stream, SHARD, 101) == 100
    # Half a call per second: a full bucket lets one call through, which then owes half a call.
    assert reads(registry, stream, SHARD, 2) == 1
    clock.advance(2 - 1e-9)
    assert reads(registry, stream, SHARD, 1) == 0
    clock.advance_ns(1)
    assert reads(registry, stream, SHARD, 1) == 1


def test_disabled_admits_everything(make_registry: MakeRegistry, stream: str) -> None:
    registry, _ = make_registry(enabled=False)
    assert writes(registry, stream, SHARD, 10_000) == 10_000
    assert registry.check_write(stream, SHARD, 500, 100 * MIB)
    registry.charge_read(stream, SHARD, 100 * MIB)
    assert reads(registry, stream, SHARD, 100) == 100


def test_scale_must_be_positive(make_registry: MakeRegistry) -> None:
    with pytest.raises(ValidationError):
        make_registry(scale=0)


def test_write_error_is_worded_as_aws_words_it(make_registry: MakeRegistry) -> None:
    registry, _ = make_registry()
    writes(registry, "CadabraOrders", SHARD, 1001)
    error = registry.write_error("CadabraOrders", SHARD, ACCOUNT)
    assert str(error) == (
        "Rate exceeded for shard shardId-000000000001 in stream CadabraOrders"
        " under account 000000000000."
    )
    assert error.code == "ProvisionedThroughputExceededException"
    assert (error.stream, error.shard_id) == ("CadabraOrders", SHARD)
    assert error.limit == "PutRecords: 1000 records/s per shard"
    assert error.retry_after_s == pytest.approx(0.001)


def test_write_error_names_the_byte_limit(make_registry: MakeRegistry, stream: str) -> None:
    registry, _ = make_registry()
    assert registry.check_write(stream, SHARD, 1, MIB)
    assert not registry.check_write(stream, SHARD, 1, MIB // 2)
    error = registry.write_error(stream, SHARD, ACCOUNT)
    assert error.limit == "PutRecords: 1048576 bytes/s per shard"
    assert error.retry_after_s == pytest.approx(0.5)


def test_read_error_is_worded_as_aws_words_it(make_registry: MakeRegistry) -> None:
    registry, _ = make_registry()
    registry.admit_read("CadabraOrders", SHARD, "111111111111")
    registry.charge_read("CadabraOrders", SHARD, 10 * MIB)
    with pytest.raises(ProvisionedThroughputExceededException) as caught:
        registry.admit_read("CadabraOrders", SHARD, "111111111111")
    assert caught.value.message == (
        "Rate exceeded for shard shardId-000000000001 in stream CadabraOrders"
        " under account 111111111111."
    )
    assert caught.value.limit == "GetRecords: 2097152 bytes/s per shard"
    assert caught.value.retry_after_s == 5.0


def test_forget_drops_a_deleted_streams_budgets(make_registry: MakeRegistry, stream: str) -> None:
    registry, _ = make_registry()
    other = f"{stream}-kept"
    writes(registry, stream, SHARD, 1000)
    writes(registry, other, SHARD, 1000)
    registry.forget(stream)
    registry.forget("never-existed")
    assert writes(registry, stream, SHARD, 1000) == 1000
    assert writes(registry, other, SHARD, 1) == 0


def test_shard_budgets_are_created_once(make_registry: MakeRegistry, stream: str) -> None:
    registry, _ = make_registry()
    assert registry.shard(stream, SHARD) is registry.shard(stream, SHARD)
    assert registry.enabled
