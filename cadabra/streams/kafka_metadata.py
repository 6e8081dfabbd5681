"""The Kafka reader, taught that a stream's topic gains partitions when it reshards.

librdkafka clients cache topic metadata (refreshed every 5 minutes by default). A producer asked
to write to a partition added since fails at once with "Local: Unknown partition", and a consumer
asked for its watermarks fails the same way, for as long as the cache is stale. Resharding adds
the children's partitions and then refreshes the writer's metadata before any write is routed to
them (`KafkaWriter.refresh_metadata`); the reader refreshes its pooled consumers whenever a
partition is unknown to them (a pooled consumer may have been busy while resharding ran, and
another process's reader learns of new partitions only this way).
"""

from __future__ import annotations

from confluent_kafka import KafkaError, KafkaException

from cadabra.streams.kafka_reader import KafkaReader

__all__ = ["RefreshingKafkaReader"]

_TIMEOUT_S = 30.0
# A consumer taken from the pool by another thread during a refresh may still be stale once.
_ATTEMPTS = 3


def _unknown_partition(exc: KafkaException) -> bool:
    error = exc.args[0] if exc.args else None
    return isinstance(error, KafkaError) and error.code() == KafkaError._UNKNOWN_PARTITION


class RefreshingKafkaReader(KafkaReader):
    def refresh_metadata(self, topic: str) -> None:
        """Refresh the topic's metadata in every pooled consumer."""
        for consumer in list(self._pool.queue):
            consumer.list_topics(topic, timeout=_TIMEOUT_S)

    def watermarks(self, topic: str, partition: int) -> tuple[int, int]:
        for _ in range(_ATTEMPTS - 1):
            try:
                return super().watermarks(topic, partition)
            except KafkaException as exc:
                if not _unknown_partition(exc):
                    raise
                self.refresh_metadata(topic)
        return super().watermarks(topic, partition)

    def offset_for_time(self, topic: str, partition: int, timestamp_ms: int) -> int:
        for _ in range(_ATTEMPTS - 1):
            try:
                return super().offset_for_time(topic, partition, timestamp_ms)
            except KafkaException as exc:
                if not _unknown_partition(exc):
                    raise
                self.refresh_metadata(topic)
        return super().offset_for_time(topic, partition, timestamp_ms)
