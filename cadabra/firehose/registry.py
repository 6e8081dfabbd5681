"""The delivery-stream registry, persisted in Kafka: a compacted topic keyed by stream name.

Firehose's control plane (CreateDeliveryStream, UpdateDestination, tags, deletion) writes one JSON
document per delivery stream to `__cadabra_firehose`, so every process of a stack (the endpoint,
the delivery sink) sees the same streams, versions and destinations. A write is acknowledged by the
broker (acks=all) before the local view changes; a deleted stream is a tombstone. Reads are
incremental: each refresh consumes only what was appended since the last one.
"""

from __future__ import annotations

from cadabra.firehose.models import DeliveryStreamState
from cadabra.streams.compacted import CompactedStore
from cadabra.streams.topics import TopicAdmin

__all__ = ["DeliveryStreamRegistry"]


class DeliveryStreamRegistry(CompactedStore[DeliveryStreamState]):
    def __init__(self, bootstrap: str, topic: str, admin: TopicAdmin) -> None:
        super().__init__(
            bootstrap, topic, admin, DeliveryStreamState.from_json, "cadabra-firehose-registry"
        )
