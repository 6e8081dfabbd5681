"""Kafka client configuration shared by the streams layer.

librdkafka's own log lines go to the `cadabra.kafka` logger instead of raw stderr, so the CLI's
logging setup decides what a user sees (a broker restarting is a warning, not noise).
"""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["client_config"]

_LOGGER = logging.getLogger("cadabra.kafka")


def client_config(bootstrap: str, **settings: Any) -> dict[str, Any]:
    return {"bootstrap.servers": bootstrap, "logger": _LOGGER, **settings}
