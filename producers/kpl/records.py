"""The producer's units of work: a pending user record and a Kinesis record made of them.

A `KinesisRecord` is what one PutRecords entry carries: a lone user record sent raw (its own
partition key and explicit hash key), or an aggregate of several with the KPL's outer keys:
PartitionKey "a" and ExplicitHashKey = the first user record's hash key, so the blob lands on
the shard owning that key. `ShardBuffer` fills aggregates for one predicted shard
(AggregationMaxCount, AggregationMaxSize; bigger records bypass aggregation) and queues the sealed
Kinesis records for the rate limiter.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from cadabra.aggregation import AggregateBuilder, UserRecord
from producers.kpl.results import Attempt, UserRecordResult

__all__ = ["AGGREGATE_PARTITION_KEY", "KinesisRecord", "PendingRecord", "ShardBuffer"]

AGGREGATE_PARTITION_KEY = "a"


@dataclass(eq=False, slots=True)
class PendingRecord:
    """A user record on its way, with its future and timing (monotonic seconds)."""

    stream: str
    record: UserRecord
    hash_key: int
    future: Future[UserRecordResult]
    expires: float  # arrival + RecordTtl
    deadline: float  # by when it should be sent
    last_try: float  # arrival, then the start of the previous attempt
    attempts: list[Attempt] = field(default_factory=list)
    finished: bool = False  # resolved (its future may also have been cancelled by the caller)

    @property
    def size(self) -> int:
        """Bytes Kinesis counts: data + partition key."""
        return len(self.record.data) + len(self.record.partition_key.encode())


@dataclass(eq=False, slots=True)
class KinesisRecord:
    """One PutRecords entry and the user records in it."""

    stream: str
    shard_id: str  # predicted
    members: list[PendingRecord]
    data: bytes
    partition_key: str
    explicit_hash_key: str | None
    deadline: float

    @property
    def aggregated(self) -> bool:
        return len(self.members) > 1

    @property
    def size(self) -> int:
        return len(self.data) + len(self.partition_key.encode())

    @property
    def expires(self) -> float:
        return min(member.expires for member in self.members)

    def entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"Data": self.data, "PartitionKey": self.partition_key}
        if self.explicit_hash_key is not None:
            entry["ExplicitHashKey"] = self.explicit_hash_key
        return entry


def _seal(stream: str, shard_id: str, members: list[PendingRecord], blob: bytes) -> KinesisRecord:
    deadline = min(member.deadline for member in members)
    if len(members) == 1:
        user = members[0].record
        return KinesisRecord(
            stream, shard_id, members, user.data, user.partition_key, user.explicit_hash_key,
            deadline,
        )  # fmt: skip
    return KinesisRecord(
        stream, shard_id, members, blob, AGGREGATE_PARTITION_KEY, str(members[0].hash_key),
        deadline,
    )  # fmt: skip


class ShardBuffer:
    """The aggregate being filled for one predicted shard, and the Kinesis records sealed."""

    def __init__(
        self, stream: str, shard_id: str, *, enabled: bool, max_count: int, max_size: int
    ) -> None:
        self.stream, self.shard_id = stream, shard_id
        self._enabled, self._max_count, self._max_size = enabled, max_count, max_size
        self._builder = AggregateBuilder()
        self._members: list[PendingRecord] = []
        self.ready: deque[KinesisRecord] = deque()

    @property
    def deadline(self) -> float | None:
        """When the open aggregate must be sealed (None if there is none)."""
        return min((m.deadline for m in self._members), default=None)

    def add(self, pending: PendingRecord) -> None:
        if not self._enabled or len(pending.record.data) > self._max_size:
            self.ready.append(_seal(self.stream, self.shard_id, [pending], b""))
            return
        if self._members and (
            len(self._members) >= self._max_count
            or self._builder.size_with(pending.record) > self._max_size
        ):
            self.seal()
        self._builder.add(pending.record)
        self._members.append(pending)

    def seal(self) -> None:
        if not self._members:
            return
        blob = self._builder.to_bytes() if len(self._members) > 1 else b""
        self.ready.append(_seal(self.stream, self.shard_id, self._members, blob))
        self._builder, self._members = AggregateBuilder(), []
