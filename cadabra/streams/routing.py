"""Routing a record to the open shard whose hash-key range holds its hash key."""

from __future__ import annotations

import bisect

from cadabra.errors import InternalFailureException
from cadabra.streams.hashing import hash_key
from cadabra.streams.models import ShardInfo, StreamState

__all__ = ["Router"]


class Router:
    """Open shards sorted by starting hash key; lookups are a binary search."""

    def __init__(self, state: StreamState) -> None:
        self.state = state
        self._shards = sorted(state.open_shards, key=lambda shard: shard.starting_hash_key)
        self._starts = [shard.starting_hash_key for shard in self._shards]

    def route(self, partition_key: str, explicit_hash_key: int | None) -> ShardInfo:
        key = hash_key(partition_key) if explicit_hash_key is None else explicit_hash_key
        position = bisect.bisect_right(self._starts, key) - 1
        shard = self._shards[position] if position >= 0 else None
        if shard is None or not shard.owns(key):
            raise InternalFailureException(
                f"No open shard of stream {self.state.name} owns hash key {key}"
            )
        return shard
