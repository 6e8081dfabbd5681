"""PutRecord and PutRecordBatch on a real broker: durable records, in order, with reversible ids."""

from __future__ import annotations

from typing import Any

import pytest

from cadabra.config import FirehoseSettings, KafkaSettings
from cadabra.errors import InternalFailureException
from cadabra.firehose import FirehoseService, decode_record_id
from cadabra.firehose.testing import DeliveryStreamFactory, read_records, stored_records
from cadabra.streams.kafka_writer import WriteFailed


def test_put_record_is_durable_when_it_returns(
    firehose: FirehoseService, make: DeliveryStreamFactory
) -> None:
    name = make()
    put = firehose.put_record(name, {"Data": b"536365,85123A,6,2.55,17850\n"})
    assert set(put) == {"RecordId", "Encrypted"}
    assert put["Encrypted"] is False
    position = decode_record_id(put["RecordId"])
    assert position.partition == 0
    # acks=all: the topic already holds the record, without any wait.
    assert stored_records(firehose, name) == position.offset + 1
    [record] = read_records(firehose, name, 1)
    assert record.value == b"536365,85123A,6,2.55,17850\n"
    assert record.offset == position.offset


def test_put_record_batch_answers_in_request_order(
    firehose: FirehoseService, make: DeliveryStreamFactory
) -> None:
    name = make()
    lines = [f"line {i}\n".encode() for i in range(50)]
    result = firehose.put_record_batch(name, [{"Data": line} for line in lines])
    assert result["FailedPutCount"] == 0
    assert result["Encrypted"] is False
    responses = result["RequestResponses"]
    assert len(responses) == 50
    assert all(set(r) == {"RecordId"} for r in responses)
    positions = [decode_record_id(r["RecordId"]) for r in responses]
    # One Kafka record holds the call's records: one offset, their order in it as the index.
    assert {p.offset for p in positions} == {positions[0].offset}
    assert [p.batch_index for p in positions] == list(range(50))
    records = read_records(firehose, name, 50)
    assert [r.value for r in records] == lines
    assert [r.offset for r in records] == [p.offset for p in positions]


def test_record_ids_are_unique_and_name_the_stream_incarnation(
    firehose: FirehoseService, make: DeliveryStreamFactory
) -> None:
    name = make()
    created = firehose.describe_delivery_stream(name)["DeliveryStreamDescription"]
    ids = [firehose.put_record(name, {"Data": b"x"})["RecordId"] for _ in range(3)]
    ids += [
        r["RecordId"]
        for r in firehose.put_record_batch(name, [{"Data": b"y"}] * 3)["RequestResponses"]
    ]
    assert len(set(ids)) == 6
    created_ms = int(created["CreateTimestamp"].timestamp() * 1000)
    assert {decode_record_id(i).stream_created_ms for i in ids} == {created_ms}
    positions = [(decode_record_id(i).offset, decode_record_id(i).batch_index) for i in ids]
    assert positions == [(0, 0), (1, 0), (2, 0), (3, 0), (3, 1), (3, 2)]


def test_empty_records_are_accepted(firehose: FirehoseService, make: DeliveryStreamFactory) -> None:
    name = make()
    assert firehose.put_record_batch(name, [{"Data": b""}])["FailedPutCount"] == 0
    [record] = read_records(firehose, name, 1)
    assert record.value == b""


def test_calls_spread_over_partitions_and_keep_their_order(stack: Any) -> None:
    settings = FirehoseSettings(topic_partitions=2)
    service = FirehoseService(KafkaSettings(bootstrap=stack.kafka_bootstrap), settings)
    make = DeliveryStreamFactory(service)
    try:
        name = make()
        first = service.put_record_batch(name, [{"Data": b"a1"}, {"Data": b"a2"}])
        second = service.put_record_batch(name, [{"Data": b"b1"}, {"Data": b"b2"}])
        partitions = [
            {decode_record_id(r["RecordId"]).partition for r in call["RequestResponses"]}
            for call in (first, second)
        ]
        assert partitions == [{0}, {1}]
        assert [r.value for r in read_records(service, name, 2, partition=0)] == [b"a1", b"a2"]
        assert [r.value for r in read_records(service, name, 2, partition=1)] == [b"b1", b"b2"]
    finally:
        make.cleanup()
        service.close()


def test_records_kafka_did_not_acknowledge_are_internal_failures(
    firehose: FirehoseService, make: DeliveryStreamFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A call's records are one Kafka record: unacknowledged, each is an InternalFailure."""
    name = make()
    monkeypatch.setattr(firehose.kafka_writer, "write", lambda *_: [WriteFailed("broker gone")])
    result = firehose.put_record_batch(name, [{"Data": b"a"}, {"Data": b"b"}, {"Data": b"c"}])
    assert result["FailedPutCount"] == 3
    assert (
        result["RequestResponses"]
        == [{"ErrorCode": "InternalFailure", "ErrorMessage": "Internal Service Failure"}] * 3
    )
    with pytest.raises(InternalFailureException, match="Internal Service Failure"):
        firehose.put_record(name, {"Data": b"d"})
