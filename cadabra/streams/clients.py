"""Kafka client configuration shared by the streams layer.

librdkafka's own log lines go to the `cadabra.kafka` logger instead of raw stderr, so the CLI's
logging setup decides what a user sees (a broker restarting is a warning, not noise).
"""

from __future__ import annotations

import logging
from typing import Any

from confluent_kafka import Consumer, Message

__all__ = ["STREAMING_CONSUMER", "client_config", "consume_ready"]

_LOGGER = logging.getLogger("cadabra.kafka")
# aiokafka warns of every produce error it retries (e.g. NOT_LEADER while a new topic's leaders
# settle); what it finally fails to write is reported per record, so only its errors are shown.
logging.getLogger("aiokafka.producer.sender").setLevel(logging.ERROR)
# ... and reports, as an error, a topic created a moment ago that its metadata does not show yet.
logging.getLogger("aiokafka.cluster").setLevel(logging.CRITICAL)


def client_config(bootstrap: str, **settings: Any) -> dict[str, Any]:
    return {"bootstrap.servers": bootstrap, "logger": _LOGGER, **settings}


# For consumers that follow a stream as it grows. librdkafka pauses fetching for
# fetch.queue.backoff.ms (1 s by default) whenever its queue passes queued.min.messages: a reader
# busy with what it took (converting a buffer, delivering a message) then waits a second for
# the next records. The queue stays bounded by queued.max.messages.kbytes.
STREAMING_CONSUMER: dict[str, Any] = {
    "queued.min.messages": 1_000_000,
    "fetch.queue.backoff.ms": 10,
}


def consume_ready(consumer: Consumer, max_records: int, timeout_s: float) -> list[Message]:
    """Up to `max_records`, as soon as one is there: `consume` alone waits out its timeout for a
    full batch. What else is fetched already comes along without waiting."""
    first = consumer.poll(timeout_s)
    if first is None:
        return []
    if max_records <= 1:
        return [first]
    return [first, *consumer.consume(max_records - 1, 0)]
