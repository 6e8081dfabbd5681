"""Kafka client configuration shared by the streams layer.

librdkafka's own log lines go to the `cadabra.kafka` logger instead of raw stderr, so the CLI's
logging setup decides what a user sees (a broker restarting is a warning, not noise).
"""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["client_config"]

_LOGGER = logging.getLogger("cadabra.kafka")
# aiokafka warns of every produce error it retries (e.g. NOT_LEADER while a new topic's leaders
# settle); what it finally fails to write is reported per record, so only its errors are shown.
logging.getLogger("aiokafka.producer.sender").setLevel(logging.ERROR)
# ... and reports, as an error, a topic created a moment ago that its metadata does not show yet.
logging.getLogger("aiokafka.cluster").setLevel(logging.CRITICAL)


def client_config(bootstrap: str, **settings: Any) -> dict[str, Any]:
    return {"bootstrap.servers": bootstrap, "logger": _LOGGER, **settings}
