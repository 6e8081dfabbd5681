"""The stream and shard records kept in the shard map, and their AWS response shapes.

A stream's state is one JSON document in the shard-map topic (key = stream name). Shard i is
Kafka partition i of the stream's topic; a closed shard keeps its partition (readable until
retention) and records the offset where it ended. Resharding closes a shard in two steps: first it
is marked closed (`closed_ms`, no new writes are routed to it), then, once every write routed to
it has been acknowledged, its `ending_offset` is recorded (see `resharding.py`). Registered
enhanced fan-out consumers and the UpdateShardCount history live in the same document.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from cadabra.streams.sequence import encode_sequence, shard_id

__all__ = ["ConsumerInfo", "ShardInfo", "StreamState", "stream_arn"]


def stream_arn(region: str, account_id: str, name: str) -> str:
    return f"arn:aws:kinesis:{region}:{account_id}:stream/{name}"


@dataclass(slots=True)
class ShardInfo:
    index: int
    starting_hash_key: int
    ending_hash_key: int
    parent: int | None = None
    adjacent_parent: int | None = None
    # Kafka offset (exclusive) at which the shard was closed; None while OPEN.
    ending_offset: int | None = None
    starting_offset: int = 0
    # Wall-clock ms of the shard's creation (None: created with its stream) and of its closing.
    created_ms: int | None = None
    closed_ms: int | None = None

    @property
    def shard_id(self) -> str:
        return shard_id(self.index)

    @property
    def is_open(self) -> bool:
        """Writes are routed here: not closed, not even while its ending offset is pending."""
        return self.ending_offset is None and self.closed_ms is None

    def owns(self, hash_key: int) -> bool:
        return self.starting_hash_key <= hash_key <= self.ending_hash_key

    def to_aws(self) -> dict[str, Any]:
        shard: dict[str, Any] = {"ShardId": self.shard_id}
        if self.parent is not None:
            shard["ParentShardId"] = shard_id(self.parent)
        if self.adjacent_parent is not None:
            shard["AdjacentParentShardId"] = shard_id(self.adjacent_parent)
        shard["HashKeyRange"] = {
            "StartingHashKey": str(self.starting_hash_key),
            "EndingHashKey": str(self.ending_hash_key),
        }
        sequence_range = {
            "StartingSequenceNumber": encode_sequence(self.index, self.starting_offset - 1)
        }
        if self.ending_offset is not None:
            last = max(self.ending_offset, self.starting_offset) - 1
            sequence_range["EndingSequenceNumber"] = encode_sequence(self.index, last)
        shard["SequenceNumberRange"] = sequence_range
        return shard


@dataclass(slots=True)
class ConsumerInfo:
    """An enhanced fan-out consumer registered with the stream (RegisterStreamConsumer)."""

    name: str
    created_ms: int
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def created_at(self) -> datetime:
        return datetime.fromtimestamp(self.created_ms / 1000, tz=UTC)


@dataclass(slots=True)
class StreamState:
    name: str
    status: str
    created_ms: int
    retention_hours: int
    max_record_size_kib: int
    stream_mode: str = "PROVISIONED"
    shards: list[ShardInfo] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    consumers: list[ConsumerInfo] = field(default_factory=list)
    # Wall-clock ms of the UpdateShardCount calls of the last 24 hours (10 allowed).
    scaling_ms: list[int] = field(default_factory=list)

    @property
    def open_shards(self) -> list[ShardInfo]:
        return [shard for shard in self.shards if shard.is_open]

    @property
    def created_at(self) -> datetime:
        return datetime.fromtimestamp(self.created_ms / 1000, tz=UTC)

    def shard(self, index: int) -> ShardInfo | None:
        return self.shards[index] if 0 <= index < len(self.shards) else None

    def consumer(self, name: str) -> ConsumerInfo | None:
        return next((c for c in self.consumers if c.name == name), None)

    def copy(self) -> StreamState:
        """A deep copy to change and write back, leaving the map's current view untouched."""
        return StreamState.from_json(self.to_json())

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> StreamState:
        document = json.loads(raw)
        shards = [ShardInfo(**shard) for shard in document.pop("shards")]
        consumers = [ConsumerInfo(**c) for c in document.pop("consumers", [])]
        return cls(shards=shards, consumers=consumers, **document)
