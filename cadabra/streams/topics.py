"""Kafka topics behind streams: one topic per stream, one partition per shard.

Stream topics keep the broker's LogAppendTime (Kinesis's ApproximateArrivalTimestamp), Kinesis's
retention as `retention.ms`, room for 10 MiB records, and min.insync.replicas=2 when replicated
three ways (Kinesis's synchronous replication across three AZs).
"""

from __future__ import annotations

import time

from confluent_kafka import KafkaException
from confluent_kafka.admin import (  # type: ignore[attr-defined]  # re-exported, not in __all__
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    NewPartitions,
    NewTopic,
)

from cadabra.streams.clients import client_config
from cadabra.streams.kafka_writer import MAX_MESSAGE_BYTES

__all__ = ["TopicAdmin"]

_TIMEOUT_S = 30.0


class TopicAdmin:
    def __init__(self, bootstrap: str, replication_factor: int | None) -> None:
        self._admin = AdminClient(client_config(bootstrap))
        self._replication_factor = replication_factor

    def replication_factor(self) -> int:
        if self._replication_factor is not None:
            return self._replication_factor
        brokers = self._admin.list_topics(timeout=_TIMEOUT_S).brokers
        return max(1, min(3, len(brokers)))

    def create(self, topic: str, partitions: int, config: dict[str, str]) -> None:
        replicas = self.replication_factor()
        topic_config = {
            "min.insync.replicas": "2" if replicas >= 3 else "1",
            "max.message.bytes": str(MAX_MESSAGE_BYTES),
            **config,
        }
        new = NewTopic(topic, partitions, replicas, config=topic_config)
        self._admin.create_topics([new], operation_timeout=_TIMEOUT_S)[topic].result(_TIMEOUT_S)
        self.wait_for_leaders(topic, partitions)

    def wait_for_leaders(self, topic: str, partitions: int) -> None:
        """Block until every partition has a leader, so the first read or write finds one."""
        deadline = time.monotonic() + _TIMEOUT_S
        while time.monotonic() < deadline:
            metadata = self._admin.list_topics(topic, timeout=_TIMEOUT_S).topics.get(topic)
            found = metadata.partitions if metadata is not None and metadata.error is None else {}
            ready = [p for p in found.values() if p.error is None and p.leader >= 0]
            if len(ready) >= partitions:
                return
            time.sleep(0.05)  # metadata propagates within milliseconds; poll with a deadline
        raise TimeoutError(f"partitions of topic {topic} have no leader after {_TIMEOUT_S} s")

    def create_stream_topic(self, topic: str, partitions: int, retention_hours: int) -> None:
        self.create(
            topic,
            partitions,
            {
                "message.timestamp.type": "LogAppendTime",
                "retention.ms": str(retention_hours * 3_600_000),
                "cleanup.policy": "delete",
            },
        )

    def add_partitions(self, topic: str, total: int) -> None:
        future = self._admin.create_partitions([NewPartitions(topic, total)])[topic]
        future.result(_TIMEOUT_S)
        self.wait_for_leaders(topic, total)

    def set_retention(self, topic: str, retention_hours: int) -> None:
        entry = ConfigEntry(
            "retention.ms",
            str(retention_hours * 3_600_000),
            incremental_operation=AlterConfigOpType.SET,
        )
        resource = ConfigResource(ConfigResource.Type.TOPIC, topic, incremental_configs=[entry])
        for future in self._admin.incremental_alter_configs([resource]).values():
            future.result(_TIMEOUT_S)

    def topic_config(self, topic: str) -> dict[str, str]:
        """The topic's configs. A broker learns a new topic from the metadata log in its own
        time, so one that answers "unknown topic" is asked again until the deadline."""
        resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
        deadline = time.monotonic() + _TIMEOUT_S
        while True:
            try:
                entries = self._admin.describe_configs([resource])[resource].result(_TIMEOUT_S)
            except KafkaException as exc:
                unknown = exc.args[0].code() == exc.args[0].UNKNOWN_TOPIC_OR_PART
                if not unknown or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
                continue
            return {name: entry.value for name, entry in entries.items()}

    def delete(self, topic: str) -> None:
        try:
            self._admin.delete_topics([topic], operation_timeout=_TIMEOUT_S)[topic].result(
                _TIMEOUT_S
            )
        except KafkaException as exc:
            if exc.args[0].code() != exc.args[0].UNKNOWN_TOPIC_OR_PART:
                raise

    def exists(self, topic: str) -> bool:
        return topic in self._admin.list_topics(timeout=_TIMEOUT_S).topics
