"""ListShards' ShardFilter: which shards of a stream a listing shows.

AWS's six types (ListShards API reference):

- FROM_TRIM_HORIZON (the default): every shard still within the retention period;
- AT_TRIM_HORIZON: the shards that were open at the trim horizon;
- AT_LATEST: the open shards only;
- AFTER_SHARD_ID: the shards after `ShardId` (like ExclusiveStartShardId);
- AT_TIMESTAMP: the shards open at `Timestamp` (created at or before it, closed at or after it);
- FROM_TIMESTAMP: the open shards and those closed at or after `Timestamp` (a timestamp before
  the trim horizon counts as the trim horizon).

No listing shows an EXPIRED shard: a closed shard whose close is older than the retention period.
The trim horizon is the stream's creation or now minus the retention period, whichever is later.
A shard created with its stream has no creation time of its own and counts as created with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cadabra.errors import InvalidArgumentException, ValidationException
from cadabra.streams.models import ShardInfo, StreamState

__all__ = ["FILTER_TYPES", "filter_shards", "normalize_filter", "to_ms"]

FILTER_TYPES = (
    "AFTER_SHARD_ID",
    "AT_TRIM_HORIZON",
    "FROM_TRIM_HORIZON",
    "AT_LATEST",
    "AT_TIMESTAMP",
    "FROM_TIMESTAMP",
)


def normalize_filter(shard_filter: Mapping[str, Any] | None) -> dict[str, Any]:
    """The filter as plain JSON (timestamp in epoch ms), checked as AWS checks it."""
    if shard_filter is None:
        return {"Type": "FROM_TRIM_HORIZON"}
    kind = shard_filter.get("Type")
    if kind not in FILTER_TYPES:
        raise ValidationException(
            f"1 validation error detected: Value '{kind}' at 'shardFilter.type' failed to "
            f"satisfy constraint: Member must satisfy enum value set: [{', '.join(FILTER_TYPES)}]"
        )
    normal: dict[str, Any] = {"Type": kind}
    if kind == "AFTER_SHARD_ID":
        if not shard_filter.get("ShardId"):
            raise InvalidArgumentException(
                "ShardId must be specified in a ShardFilter of type AFTER_SHARD_ID."
            )
        normal["ShardId"] = str(shard_filter["ShardId"])
    if kind in ("AT_TIMESTAMP", "FROM_TIMESTAMP"):
        timestamp = shard_filter.get("Timestamp")
        if timestamp is None:
            raise InvalidArgumentException(
                f"Timestamp must be specified in a ShardFilter of type {kind}."
            )
        normal["Timestamp"] = to_ms(timestamp)
    return normal


def to_ms(timestamp: datetime | float | int) -> int:
    """An AWS timestamp (a datetime or epoch seconds) as epoch milliseconds."""
    seconds = timestamp.timestamp() if isinstance(timestamp, datetime) else float(timestamp)
    return int(seconds * 1000)


def filter_shards(state: StreamState, normal: Mapping[str, Any], now_ms: int) -> list[ShardInfo]:
    """The shards a listing with this (normalized) filter shows, in shard-id order."""
    retention_ms = state.retention_hours * 3_600_000
    horizon = max(state.created_ms, now_ms - retention_ms)
    live = [s for s in state.shards if s.closed_ms is None or s.closed_ms + retention_ms >= now_ms]
    kind = normal["Type"]
    if kind == "AT_LATEST":
        return [s for s in live if s.is_open]
    if kind == "AFTER_SHARD_ID":
        return [s for s in live if s.shard_id > normal["ShardId"]]
    if kind == "AT_TRIM_HORIZON":
        return _open_at(state, live, horizon)
    if kind == "AT_TIMESTAMP":
        return _open_at(state, live, max(normal["Timestamp"], state.created_ms))
    if kind == "FROM_TIMESTAMP":
        since = max(normal["Timestamp"], horizon)
        return [s for s in live if s.closed_ms is None or s.closed_ms >= since]
    return live


def _open_at(state: StreamState, shards: list[ShardInfo], at_ms: int) -> list[ShardInfo]:
    def created(shard: ShardInfo) -> int:
        return state.created_ms if shard.created_ms is None else shard.created_ms

    return [
        s for s in shards if created(s) <= at_ms and (s.closed_ms is None or s.closed_ms >= at_ms)
    ]
