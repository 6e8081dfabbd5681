"""Direct PUT quotas at AWS's numbers, on a fake clock: 2,000 requests, 500,000 records, 5 MiB."""

from __future__ import annotations

from cadabra.config import FirehoseSettings
from cadabra.firehose.throughput import DirectPutLimits, DirectPutQuotas, slow_down
from cadabra.quotas import FakeClock

MIB = 1024 * 1024


def _quota(clock: FakeClock, **settings: object) -> DirectPutQuotas:
    return DirectPutQuotas(FirehoseSettings(**settings), clock=clock)  # type: ignore[arg-type]


def test_aws_defaults() -> None:
    limits = DirectPutLimits.from_settings(FirehoseSettings())
    assert (limits.requests_per_s, limits.records_per_s, limits.bytes_per_s) == (
        2000,
        500_000,
        5 * MIB,
    )


def test_2000_requests_per_second() -> None:
    clock = FakeClock()
    quota = _quota(clock).stream("PurchaseLogs")
    assert all(quota.admit_call(10) for _ in range(2000))
    assert not quota.admit_call(10)
    assert not quota.admit_request()
    clock.advance(0.0005)  # one request comes back every 0.5 ms
    assert quota.admit_request()
    assert not quota.admit_request()


def test_500000_records_per_second_across_calls() -> None:
    clock = FakeClock()
    quota = _quota(clock).stream("PurchaseLogs")
    for _ in range(1000):
        assert quota.admit_request()
        assert all(quota.admit_record(0) for _ in range(500))
    clock.advance(0.5)  # requests refill too; records are the limit now
    assert quota.admit_request()
    admitted = sum(quota.admit_record(0) for _ in range(250_001))
    assert admitted == 250_000


def test_5_mib_per_second_and_a_refused_record_costs_nothing() -> None:
    clock = FakeClock()
    quota = _quota(clock).stream("WebLogs")
    assert quota.admit_request()
    assert all(quota.admit_record(MIB) for _ in range(5))
    assert not quota.admit_record(1)
    assert quota.admit_record(0)
    clock.advance_ns(763)  # 5 MiB/s for 763 ns = 4.0003 bytes
    assert quota.admit_record(4)
    assert not quota.admit_record(1)


def test_a_refused_put_record_takes_no_request() -> None:
    clock = FakeClock()
    quota = _quota(clock, put_bytes_per_s=100).stream("s")
    assert quota.admit_call(100)
    assert not quota.admit_call(1)  # bytes are gone; the request token must stay
    assert all(quota.admit_request() for _ in range(1999))
    assert not quota.admit_request()


def test_scale_multiplies_every_limit_exactly() -> None:
    limits = DirectPutLimits.from_settings(FirehoseSettings(quota_scale=0.1))
    assert (limits.requests_per_s, limits.records_per_s, limits.bytes_per_s) == (
        200,
        50_000,
        524_288,
    )


def test_streams_are_independent_and_forgotten_on_delete() -> None:
    clock = FakeClock()
    quotas = _quota(clock, put_requests_per_s=1)
    assert quotas.stream("a").admit_request()
    assert not quotas.stream("a").admit_request()
    assert quotas.stream("b").admit_request()
    quotas.forget("a")
    assert quotas.stream("a").admit_request()


def test_the_error_is_slow_down_with_a_retry_hint() -> None:
    clock = FakeClock()
    quota = _quota(clock, put_requests_per_s=4).stream("s")
    for _ in range(4):
        quota.admit_request()
    error = slow_down("s", quota)
    assert error.message == "Slow down."
    assert error.code == "ServiceUnavailableException"
    assert error.http_status == 500
    assert error.delivery_stream == "s"
    assert error.retry_after_s == 0.25
    assert "4 requests/s" in error.limit
