"""The shard map, persisted in Kafka itself: one document per stream in a compacted topic.

Every process of a stack sees the same streams, shards, hash-key ranges and states (see
`compacted.CompactedStore` for how the topic is written and read).
"""

from __future__ import annotations

from cadabra.streams.compacted import CompactedStore
from cadabra.streams.models import StreamState
from cadabra.streams.topics import TopicAdmin

__all__ = ["ShardMapStore"]


class ShardMapStore(CompactedStore[StreamState]):
    def __init__(self, bootstrap: str, topic: str, admin: TopicAdmin) -> None:
        super().__init__(bootstrap, topic, admin, StreamState.from_json, "cadabra-shard-map")
