"""Kinesis records as a Lambda event source mapping holds them between GetRecords and the function.

`StreamRecord` is one record of one shard (GetRecords' Record, with its shard); `ShardRead` is
what one poll of a shard returned, and whether the shard is closed and fully read (GetRecords
answered without NextShardIterator, naming the ChildShards).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["ShardRead", "StreamRecord", "lowest_sequence"]


@dataclass(frozen=True)
class StreamRecord:
    shard_id: str
    sequence_number: str
    partition_key: str
    data: bytes
    arrival: datetime

    @classmethod
    def from_aws(cls, shard_id: str, record: Any) -> StreamRecord:
        """A record of a GetRecords response, as boto3 returns it."""
        arrival = record["ApproximateArrivalTimestamp"]
        if not isinstance(arrival, datetime):
            arrival = datetime.fromtimestamp(float(arrival), UTC)
        return cls(
            shard_id=shard_id,
            sequence_number=record["SequenceNumber"],
            partition_key=record["PartitionKey"],
            data=bytes(record["Data"]),
            arrival=arrival,
        )

    @property
    def sequence(self) -> int:
        """The sequence number as an integer: Kinesis orders a shard's records by it."""
        return int(self.sequence_number)


@dataclass(frozen=True)
class ShardRead:
    records: list[StreamRecord] = field(default_factory=list)
    # The shard is closed and everything in it was returned (NextShardIterator is null).
    ended: bool = False
    throttled: bool = False


def lowest_sequence(records: list[StreamRecord]) -> StreamRecord:
    return min(records, key=lambda record: record.sequence)
