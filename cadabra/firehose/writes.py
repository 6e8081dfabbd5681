"""PutRecord and PutRecordBatch: validate, apply the Direct PUT quotas, write durably to Kafka.

Limits (Firehose API, hard): a record's data blob is at most 1,000 KiB (1,024,000 bytes); a
PutRecordBatch holds 1..500 records and at most 4 MiB (4,194,304 bytes) of data. A violation
rejects the whole call and writes nothing (ValidationException naming each record, or
InvalidArgumentException "Records size exceeds 4 MB limit"). Streams whose source is a Kinesis data
stream refuse both calls, as AWS does.

A record is a success only once Kafka has acknowledged it (acks=all, idempotent producer). A
call's accepted records are one Kafka record (`framing.py`), all or none acknowledged; a
`RecordId` encodes the partition, the offset and the record's index in the call's batch.
PutRecordBatch answers per record, in request order:
`RecordId`, or `ErrorCode` ServiceUnavailableException ("Slow down.", throttled) or
InternalFailure (Kafka did not acknowledge); callers resend only those.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from cadabra.errors import InternalFailureException, InvalidArgumentException
from cadabra.firehose import validation as check
from cadabra.firehose.framing import pack
from cadabra.firehose.models import DIRECT_PUT, DeliveryStreamState
from cadabra.firehose.record_ids import encode_record_id
from cadabra.firehose.throughput import slow_down
from cadabra.streams.kafka_writer import Delivered

if TYPE_CHECKING:
    from cadabra.firehose.service import FirehoseService

__all__ = ["MAX_BATCH_BYTES", "MAX_BATCH_RECORDS", "MAX_RECORD_BYTES", "DirectPutWriter"]

MAX_RECORD_BYTES = 1_024_000
MAX_BATCH_RECORDS = 500
MAX_BATCH_BYTES = 4 * 1024 * 1024
_THROTTLED = {"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "Slow down."}
_FAILED = {"ErrorCode": "InternalFailure", "ErrorMessage": "Internal Service Failure"}
_NO_KEY = b""


class DirectPutWriter:
    def __init__(self, service: FirehoseService) -> None:
        self._service = service
        self._turns: dict[tuple[str, int], Iterator[int]] = {}

    def put_record(self, delivery_stream_name: str, record: Mapping[str, Any]) -> dict[str, Any]:
        check.check_request(
            "PutRecord", {"DeliveryStreamName": delivery_stream_name, "Record": record}
        )
        state = self._direct_put_state(delivery_stream_name)
        data = bytes(record["Data"])
        quota = self._service.quotas.stream(state.name)
        if self._service.quotas.enabled and not quota.admit_call(len(data)):
            raise slow_down(state.name, quota)
        [result] = self._write(state, [data])
        if "ErrorCode" in result:
            raise InternalFailureException("Internal Service Failure")
        return {"RecordId": result["RecordId"], "Encrypted": False}

    def put_record_batch(
        self, delivery_stream_name: str, records: Sequence[Mapping[str, Any]]
    ) -> dict[str, Any]:
        if _plainly_valid(records):  # the common case: only the name needs the full check
            check.check_request(
                "DescribeDeliveryStream", {"DeliveryStreamName": delivery_stream_name}
            )
        else:
            check.check_request(
                "PutRecordBatch", {"DeliveryStreamName": delivery_stream_name, "Records": records}
            )
        blobs = [bytes(record["Data"]) for record in records]
        total = sum(len(blob) for blob in blobs)
        if total > MAX_BATCH_BYTES:
            raise InvalidArgumentException(
                f"Records size exceeds 4 MB limit: the request holds {total} bytes of data "
                f"(limit {MAX_BATCH_BYTES})."
            )
        state = self._direct_put_state(delivery_stream_name)
        results = self._admitted(state.name, blobs)
        accepted = [i for i, result in enumerate(results) if result is None]
        written = self._write(state, [blobs[i] for i in accepted])
        for position, result in zip(accepted, written, strict=True):
            results[position] = result
        final = [result or _FAILED for result in results]
        failed = sum(1 for result in final if "ErrorCode" in result)
        return {"FailedPutCount": failed, "Encrypted": False, "RequestResponses": final}

    def _direct_put_state(self, name: str) -> DeliveryStreamState:
        state = self._service.active_state(name)
        if state.stream_type != DIRECT_PUT:
            raise InvalidArgumentException(
                f"This operation is not permitted on {state.stream_type} delivery stream type."
            )
        return state

    def _admitted(self, name: str, blobs: list[bytes]) -> list[dict[str, str] | None]:
        """None for each record the quota admits, the throttling error for the others."""
        quotas = self._service.quotas
        if not quotas.enabled:
            return [None] * len(blobs)
        quota = quotas.stream(name)
        if not quota.admit_request():
            raise slow_down(name, quota)
        return [None if quota.admit_record(len(blob)) else dict(_THROTTLED) for blob in blobs]

    def _write(self, state: DeliveryStreamState, blobs: list[bytes]) -> list[dict[str, str]]:
        """Write the call's records as one Kafka record, in order; a result per record."""
        if not blobs:
            return []
        partition = next(self._turn(state))
        value = blobs[0] if len(blobs) == 1 else pack(blobs)
        [report] = self._service.kafka_writer.write(
            self._service.topic(state.name), [partition], [_NO_KEY], [value]
        )
        if not isinstance(report, Delivered):
            return [dict(_FAILED) for _ in blobs]
        created = state.created_ms
        return [
            {"RecordId": encode_record_id(partition, report.offset, created, index)}
            for index in range(len(blobs))
        ]

    def _turn(self, state: DeliveryStreamState) -> Iterator[int]:
        """Round-robin over the stream's partitions, one partition per call."""
        key = (state.name, state.created_ms)  # a re-created stream starts over
        turns = self._turns.get(key)
        if turns is None:
            turns = self._turns[key] = itertools.cycle(range(state.partitions))
        return turns


def _plainly_valid(records: Sequence[Mapping[str, Any]]) -> bool:
    """1..500 records, each a dict whose Data is bytes of at most 1,000 KiB."""
    if not 1 <= len(records) <= MAX_BATCH_RECORDS:
        return False
    for record in records:
        data = record.get("Data") if type(record) is dict else None
        if type(data) is not bytes or len(data) > MAX_RECORD_BYTES:
            return False
    return True
