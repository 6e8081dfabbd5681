"""GetShardIterator and GetRecords: positions in a shard, and reads under the shard's quotas.

Iterators are opaque, signed and expire after five minutes. GetRecords returns at most `Limit`
records (≤ 10,000) and 10 MiB, a fresh `NextShardIterator`, and `MillisBehindLatest`; once a
closed shard is drained, `NextShardIterator` is absent and `ChildShards` names its children.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cadabra.errors import InvalidArgumentException, ResourceNotFoundException, ValidationException
from cadabra.streams import validation as check
from cadabra.streams.iterators import IteratorCodec, ShardPosition
from cadabra.streams.kafka_reader import FetchedRecord, ReadResult
from cadabra.streams.models import ShardInfo, StreamState
from cadabra.streams.sequence import decode_sequence, encode_sequence, shard_id, shard_index

if TYPE_CHECKING:
    from cadabra.streams.service import StreamsService

__all__ = ["ITERATOR_TYPES", "RecordReader", "record_document"]

ITERATOR_TYPES = (
    "AT_SEQUENCE_NUMBER",
    "AFTER_SEQUENCE_NUMBER",
    "TRIM_HORIZON",
    "LATEST",
    "AT_TIMESTAMP",
)
MAX_GET_RECORDS = 10_000
MAX_GET_RECORDS_BYTES = 10 * 1024 * 1024


def record_document(shard_index: int, record: FetchedRecord) -> dict[str, Any]:
    """A Kinesis record as GetRecords and SubscribeToShard return it."""
    return {
        "SequenceNumber": encode_sequence(shard_index, record.offset),
        "ApproximateArrivalTimestamp": datetime.fromtimestamp(record.timestamp_ms / 1000, UTC),
        "Data": record.value,
        "PartitionKey": record.key.decode(),
        "EncryptionType": "NONE",
    }


class RecordReader:
    def __init__(self, service: StreamsService) -> None:
        self._service = service
        ttl_ms = int(service.settings.iterator_ttl_s * 1000)
        secret = service.settings.iterator_secret.get_secret_value().encode()
        self._codec = IteratorCodec(secret, ttl_ms)

    def get_shard_iterator(
        self,
        shard_id: str,
        shard_iterator_type: str,
        stream_name: str | None = None,
        stream_arn: str | None = None,
        starting_sequence_number: str | None = None,
        timestamp: datetime | float | None = None,
    ) -> dict[str, Any]:
        name = self._service.stream_name(stream_name, stream_arn)
        if shard_iterator_type not in ITERATOR_TYPES:
            raise ValidationException(
                f"1 validation error detected: Value '{shard_iterator_type}' at "
                "'shardIteratorType' failed to satisfy constraint: Member must satisfy enum "
                f"value set: [{', '.join(ITERATOR_TYPES)}]"
            )
        shard = self._shard(self._service.active_state(name), shard_id)
        offset = self._start_offset(
            name, shard, shard_iterator_type, starting_sequence_number, timestamp
        )
        position = ShardPosition(name, shard.index, offset, self._service.clock_ms())
        return {"ShardIterator": self._codec.encode(position)}

    def _shard(self, state: StreamState, requested: str) -> ShardInfo:
        index = shard_index(requested)
        shard = state.shard(index) if index is not None else None
        if shard is None:
            raise ResourceNotFoundException(
                f"Shard {requested} in stream {state.name} under account "
                f"{self._service.aws.account_id} does not exist"
            )
        return shard

    def _start_offset(
        self,
        name: str,
        shard: ShardInfo,
        kind: str,
        sequence: str | None,
        timestamp: datetime | float | None,
    ) -> int:
        topic = self._service.topic(name)
        if kind == "TRIM_HORIZON":
            return shard.starting_offset
        if kind == "LATEST":
            return self._service.kafka_reader.watermarks(topic, shard.index)[1]
        if kind == "AT_TIMESTAMP":
            return self._offset_at(topic, shard, timestamp)
        if sequence is None:
            raise InvalidArgumentException(
                f"Must specify StartingSequenceNumber for {kind} ShardIteratorType."
            )
        decoded = decode_sequence(sequence)
        if decoded.shard_index != shard.index:
            raise InvalidArgumentException(
                f"Invalid StartingSequenceNumber. It encodes {shard_id(decoded.shard_index)}, "
                f"while it was used in a call to a shard with {shard.shard_id}"
            )
        offset = decoded.offset + (1 if kind == "AFTER_SEQUENCE_NUMBER" else 0)
        return max(offset, shard.starting_offset)  # AT the StartingSequenceNumber: record 0

    def _offset_at(self, topic: str, shard: ShardInfo, timestamp: datetime | float | None) -> int:
        if timestamp is None:
            raise InvalidArgumentException(
                "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. "
                "Current request has no timestamp parameter."
            )
        millis = int(
            (timestamp.timestamp() if isinstance(timestamp, datetime) else timestamp) * 1000
        )
        now = self._service.clock_ms()
        if millis > now:
            raise InvalidArgumentException(
                f"The timestampInMillis parameter cannot be greater than the "
                f"currentTimestampInMillis. timestampInMillis: {millis}, "
                f"currentTimestampInMillis: {now}"
            )
        return self._service.kafka_reader.offset_for_time(topic, shard.index, millis)

    def get_records(self, shard_iterator: str, limit: int = MAX_GET_RECORDS) -> dict[str, Any]:
        if limit < 1:
            check.check_range(limit, "limit", 1, MAX_GET_RECORDS)
        if limit > MAX_GET_RECORDS:
            raise InvalidArgumentException(
                f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
                f"constraint: Member must have value less than or equal to {MAX_GET_RECORDS}"
            )
        now = self._service.clock_ms()
        position = self._codec.decode(shard_iterator, now)
        state = self._service.state(position.stream)
        shard = self._shard(state, shard_id(position.shard_index))
        account = self._service.aws.account_id
        self._service.quotas.admit_read(state.name, shard.shard_id, account)
        read = self._read(state.name, shard, position.offset, limit)
        size = sum(len(r.value) + len(r.key) for r in read.records)
        self._service.quotas.charge_read(state.name, shard.shard_id, size)
        return self._response(state, shard, read, now)

    def _read(self, name: str, shard: ShardInfo, offset: int, limit: int) -> ReadResult:
        end = shard.ending_offset
        if end is not None:
            limit = max(0, min(limit, end - offset))
            if limit == 0:
                return ReadResult([], offset, end)
        topic = self._service.topic(name)
        return self._service.kafka_reader.read(
            topic, shard.index, offset, limit, MAX_GET_RECORDS_BYTES
        )

    def _response(
        self, state: StreamState, shard: ShardInfo, read: ReadResult, now: int
    ) -> dict[str, Any]:
        records = [record_document(shard.index, r) for r in read.records]
        caught_up = read.next_offset >= read.high_watermark
        behind = 0 if caught_up or not read.records else now - read.records[-1].timestamp_ms
        response: dict[str, Any] = {"Records": records, "MillisBehindLatest": max(0, behind)}
        if shard.ending_offset is not None and read.next_offset >= shard.ending_offset:
            response["ChildShards"] = self._children(state, shard)
        else:
            position = ShardPosition(state.name, shard.index, read.next_offset, now)
            response["NextShardIterator"] = self._codec.encode(position)
        return response

    def _children(self, state: StreamState, parent: ShardInfo) -> list[dict[str, Any]]:
        children = [s for s in state.shards if parent.index in (s.parent, s.adjacent_parent)]
        return [
            {
                "ShardId": child.shard_id,
                "ParentShards": [
                    shard_id(i) for i in (child.parent, child.adjacent_parent) if i is not None
                ],
                "HashKeyRange": child.to_aws()["HashKeyRange"],
            }
            for child in children
        ]
