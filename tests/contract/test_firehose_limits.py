"""Firehose's hard limits at their boundaries and the Direct PUT quotas on a frozen clock.

Every rejected call must leave the stream's topic as it was: a fixture checks the high watermark.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cadabra.config import FirehoseSettings
from cadabra.errors import (
    InvalidArgumentException,
    ServiceUnavailableException,
    ValidationException,
)
from cadabra.firehose import FirehoseService
from cadabra.firehose.testing import (
    DeliveryStreamFactory,
    read_records,
    s3_destination,
    stored_records,
)
from cadabra.firehose.throughput import DirectPutQuotas
from cadabra.quotas import FakeClock

MIB = 1024 * 1024
MAX_RECORD = 1_024_000
SLOW_DOWN = {"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "Slow down."}


@pytest.fixture
def stream(firehose: FirehoseService, make: DeliveryStreamFactory) -> Iterator[str]:
    """A stream holding one record; the test must not add any."""
    name = make()
    firehose.put_record(name, {"Data": b"first"})
    yield name
    assert stored_records(firehose, name) == 1, "a rejected call wrote records"


def _scaled(firehose: FirehoseService, clock: FakeClock, **limits: int) -> None:
    firehose.quotas = DirectPutQuotas(FirehoseSettings(**limits), clock=clock)  # type: ignore[arg-type]


def test_500_records_pass_and_501_fail(
    firehose: FirehoseService, make: DeliveryStreamFactory
) -> None:
    name = make()
    result = firehose.put_record_batch(name, [{"Data": b"x"}] * 500)
    assert result["FailedPutCount"] == 0
    assert len(result["RequestResponses"]) == 500
    with pytest.raises(ValidationException) as error:
        firehose.put_record_batch(name, [{"Data": b"x"}] * 501)
    assert error.value.message == (
        "1 validation error detected: Value '[501 items]' at 'records' failed to satisfy "
        "constraint: Member must have length less than or equal to 500"
    )
    assert stored_records(firehose, name) == 500


def test_an_empty_batch_is_invalid(firehose: FirehoseService, stream: str) -> None:
    with pytest.raises(
        ValidationException, match="Member must have length greater than or equal to 1"
    ):
        firehose.put_record_batch(stream, [])


def test_a_record_of_1000_kib_passes(
    firehose: FirehoseService, make: DeliveryStreamFactory
) -> None:
    name = make()
    firehose.put_record(name, {"Data": b"a" * MAX_RECORD})
    firehose.put_record_batch(name, [{"Data": b"b" * MAX_RECORD}])
    assert [len(r.value) for r in read_records(firehose, name, 2)] == [MAX_RECORD, MAX_RECORD]


def test_a_record_one_byte_larger_fails(firehose: FirehoseService, stream: str) -> None:
    big = b"x" * (MAX_RECORD + 1)
    with pytest.raises(ValidationException) as error:
        firehose.put_record(stream, {"Data": big})
    assert error.value.message == (
        "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1024001 "
        "cap=1024001]' at 'record.data' failed to satisfy constraint: Member must have length "
        "less than or equal to 1024000"
    )
    with pytest.raises(ValidationException) as batch_error:
        firehose.put_record_batch(stream, [{"Data": b"ok"}, {"Data": big}, {"Data": big}])
    message = batch_error.value.message
    assert message.startswith("2 validation errors detected: ")
    assert "at 'records.2.member.data'" in message
    assert "at 'records.3.member.data'" in message
    assert "records.1." not in message


def test_4_mib_per_call_pass_and_one_byte_more_fails(
    firehose: FirehoseService, make: DeliveryStreamFactory, stream: str
) -> None:
    rest = 4 * MIB - 4 * MAX_RECORD
    exactly = [{"Data": b"x" * MAX_RECORD}] * 4 + [{"Data": b"y" * rest}]
    name = make()
    assert firehose.put_record_batch(name, exactly)["FailedPutCount"] == 0
    assert stored_records(firehose, name) == 5
    over = [{"Data": b"x" * MAX_RECORD}] * 4 + [{"Data": b"y" * (rest + 1)}]
    with pytest.raises(InvalidArgumentException) as error:
        firehose.put_record_batch(stream, over)
    assert error.value.message.startswith("Records size exceeds 4 MB limit")
    assert "4194305" in error.value.message


def test_data_must_be_bytes(firehose: FirehoseService, stream: str) -> None:
    with pytest.raises(ValidationException, match=r"'record\.data'.*Member must be of type blob"):
        firehose.put_record(stream, {"Data": "text"})
    with pytest.raises(ValidationException, match=r"Value null at 'records\.1\.member\.data'"):
        firehose.put_record_batch(stream, [{}])


def test_five_mib_per_second_then_slow_down(
    firehose: FirehoseService, make: DeliveryStreamFactory, quota_clock: FakeClock
) -> None:
    name = make()
    four = [{"Data": b"x" * MAX_RECORD}] * 4 + [{"Data": b"y" * (4 * MIB - 4 * MAX_RECORD)}]
    assert firehose.put_record_batch(name, four)["FailedPutCount"] == 0
    one = [{"Data": b"z" * MAX_RECORD}, {"Data": b"z" * (MIB - MAX_RECORD)}]
    assert firehose.put_record_batch(name, one)["FailedPutCount"] == 0  # 5 MiB in all
    with pytest.raises(ServiceUnavailableException) as error:
        firehose.put_record(name, {"Data": b"!"})
    assert error.value.message == "Slow down."
    assert (error.value.code, error.value.http_status) == ("ServiceUnavailableException", 500)
    assert error.value.retry_after_s >= 0
    batch = firehose.put_record_batch(name, [{"Data": b"!"}, {"Data": b""}])
    assert batch["RequestResponses"][0] == SLOW_DOWN
    assert "RecordId" in batch["RequestResponses"][1]  # an empty record costs no bytes
    assert batch["FailedPutCount"] == 1
    quota_clock.advance(0.001)  # 5,242.88 bytes come back per millisecond
    firehose.put_record(name, {"Data": b"!" * 5242})
    assert stored_records(firehose, name) == 9


def test_records_per_second_throttle_single_records_of_a_batch(
    firehose: FirehoseService, make: DeliveryStreamFactory, quota_clock: FakeClock
) -> None:
    _scaled(firehose, quota_clock, put_records_per_s=10)
    name = make()
    result = firehose.put_record_batch(name, [{"Data": str(i).encode()} for i in range(12)])
    assert result["FailedPutCount"] == 2
    assert all("RecordId" in r for r in result["RequestResponses"][:10])
    assert result["RequestResponses"][10:] == [SLOW_DOWN, SLOW_DOWN]
    assert [r.value for r in read_records(firehose, name, 10)] == [
        str(i).encode() for i in range(10)
    ]
    with pytest.raises(ServiceUnavailableException, match="Slow down"):
        firehose.put_record(name, {"Data": b"x"})
    quota_clock.advance(0.1)
    assert "RecordId" in firehose.put_record(name, {"Data": b"x"})
    assert stored_records(firehose, name) == 11


def test_requests_per_second_throttle_whole_calls(
    firehose: FirehoseService, make: DeliveryStreamFactory, quota_clock: FakeClock
) -> None:
    _scaled(firehose, quota_clock, put_requests_per_s=3)
    name = make()
    firehose.put_record(name, {"Data": b"1"})
    firehose.put_record_batch(name, [{"Data": b"2"}, {"Data": b"3"}])
    firehose.put_record(name, {"Data": b"4"})
    with pytest.raises(ServiceUnavailableException, match="Slow down"):
        firehose.put_record_batch(name, [{"Data": b"5"}])
    with pytest.raises(ServiceUnavailableException, match="Slow down"):
        firehose.put_record(name, {"Data": b"5"})
    assert stored_records(firehose, name) == 4
    quota_clock.advance(0.334)  # a third of a second, rounded up to whole nanoseconds
    assert firehose.put_record_batch(name, [{"Data": b"5"}])["FailedPutCount"] == 0


def test_each_delivery_stream_has_its_own_budget(
    firehose: FirehoseService, make: DeliveryStreamFactory, quota_clock: FakeClock
) -> None:
    _scaled(firehose, quota_clock, put_requests_per_s=1)
    busy, quiet = make(), make()
    firehose.put_record(busy, {"Data": b"x"})
    with pytest.raises(ServiceUnavailableException):
        firehose.put_record(busy, {"Data": b"x"})
    assert "RecordId" in firehose.put_record(quiet, {"Data": b"x"})


def test_scale_and_switch(
    firehose: FirehoseService, make: DeliveryStreamFactory, quota_clock: FakeClock
) -> None:
    _scaled(firehose, quota_clock, put_records_per_s=10, quota_scale=0.5)  # type: ignore[arg-type]
    name = make()
    assert firehose.put_record_batch(name, [{"Data": b"x"}] * 6)["FailedPutCount"] == 1
    firehose.quotas = DirectPutQuotas(
        FirehoseSettings(put_records_per_s=1, quota_enabled=False), clock=quota_clock
    )
    assert firehose.put_record_batch(name, [{"Data": b"x"}] * 500)["FailedPutCount"] == 0


def test_a_deleted_stream_is_recreated_with_a_full_budget(
    firehose: FirehoseService, make: DeliveryStreamFactory, quota_clock: FakeClock
) -> None:
    _scaled(firehose, quota_clock, put_requests_per_s=1)
    name = make()
    firehose.put_record(name, {"Data": b"x"})
    firehose.delete_delivery_stream(name)
    firehose.create_delivery_stream(name, extended_s3_destination_configuration=s3_destination())
    description = firehose.describe_delivery_stream(name)["DeliveryStreamDescription"]
    assert description["DeliveryStreamStatus"] == "ACTIVE"
    assert "RecordId" in firehose.put_record(name, {"Data": b"x"})
    assert [r.value for r in read_records(firehose, name, 1)] == [b"x"]
