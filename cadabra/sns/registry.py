"""The SNS topic registry, persisted in Kafka: a compacted topic keyed by topic name.

CreateTopic, SetTopicAttributes, Subscribe and Unsubscribe write the topic's whole document
(attributes and subscriptions) to `__cadabra_sns`, so every process of a stack (the endpoint, the
notifier) sees the same topics and subscriptions. A deleted topic is a tombstone.
"""

from __future__ import annotations

from cadabra.sns.models import TopicState
from cadabra.streams.compacted import CompactedStore
from cadabra.streams.topics import TopicAdmin

__all__ = ["TopicRegistry"]


class TopicRegistry(CompactedStore[TopicState]):
    def __init__(self, bootstrap: str, topic: str, admin: TopicAdmin) -> None:
        super().__init__(bootstrap, topic, admin, TopicState.from_json, "cadabra-sns-registry")
