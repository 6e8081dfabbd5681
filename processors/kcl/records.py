"""Records as a record processor sees them (the KCL's KinesisClientRecord), KPL deaggregation.

Each Kinesis record is deaggregated with `cadabra.aggregation`: a KPL aggregate becomes its user
records, each with the outer sequence number and a sub-sequence number 0..n-1; any other record is
one user record with sub-sequence number 0. As in the KCL's AggregatorUtil, the user records of
an aggregate are dropped when any lies outside the shard's hash-key range (after resharding, the
KPL re-sends such an aggregate to the right shard). On resume, records at or before the
checkpoint (sequence and sub-sequence number) are skipped, so a checkpoint in the middle of an
aggregate replays only its remaining user records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cadabra.aggregation import deaggregate, in_hash_range, is_aggregated
from processors.kcl.sequence import ExtendedSequenceNumber

__all__ = ["KinesisClientRecord", "deaggregate_records"]


@dataclass(frozen=True, slots=True)
class KinesisClientRecord:
    sequence_number: str
    sub_sequence_number: int
    partition_key: str
    explicit_hash_key: str | None
    data: bytes
    approximate_arrival_timestamp: datetime | None
    aggregated: bool

    @property
    def extended_sequence_number(self) -> ExtendedSequenceNumber:
        return ExtendedSequenceNumber(self.sequence_number, self.sub_sequence_number)


def _user_records(record: dict[str, Any], start: int, end: int) -> list[KinesisClientRecord]:
    data: bytes = record["Data"]
    key: str = record["PartitionKey"]
    explicit = record.get("ExplicitHashKey")
    aggregated = is_aggregated(data)
    users = deaggregate(data, key, explicit) if aggregated else []
    if aggregated:
        users = in_hash_range(users, start, end, whole_aggregate=True)
        return [
            KinesisClientRecord(
                record["SequenceNumber"],
                user.sub_sequence_number,
                user.partition_key,
                user.explicit_hash_key,
                user.data,
                record.get("ApproximateArrivalTimestamp"),
                aggregated=True,
            )
            for user in users
        ]
    return [
        KinesisClientRecord(
            record["SequenceNumber"],
            0,
            key,
            explicit,
            data,
            record.get("ApproximateArrivalTimestamp"),
            aggregated=False,
        )
    ]


def deaggregate_records(
    records: Iterable[dict[str, Any]],
    starting_hash_key: int,
    ending_hash_key: int,
    after: ExtendedSequenceNumber | None = None,
) -> list[KinesisClientRecord]:
    """GetRecords/SubscribeToShard records as user records, those after `after` only."""
    users = [
        user
        for record in records
        for user in _user_records(record, starting_hash_key, ending_hash_key)
    ]
    if after is None or after.is_start:
        return users
    return [user for user in users if user.extended_sequence_number > after]
