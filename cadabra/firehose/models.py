"""A delivery stream's state, as kept in Cadabra's Firehose registry, and its AWS ARN.

One JSON document per delivery stream (key = name) in a compacted Kafka topic. The destination
is kept as the caller configured it (see `destination.py` for the defaults applied on reading);
`version` is AWS's `VersionId`, 1 at creation and +1 on every UpdateDestination. A Direct PUT
stream's records live in its own topic (`firehose.<name>`), one partition by default; a stream
whose source is a Kinesis data stream has no topic of its own.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "DIRECT_PUT",
    "KINESIS_SOURCE",
    "DeliveryStreamState",
    "delivery_stream_arn",
    "epoch_ms_to_datetime",
]

DIRECT_PUT = "DirectPut"
KINESIS_SOURCE = "KinesisStreamAsSource"


def delivery_stream_arn(region: str, account_id: str, name: str) -> str:
    return f"arn:aws:firehose:{region}:{account_id}:deliverystream/{name}"


def epoch_ms_to_datetime(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)


@dataclass(slots=True)
class DeliveryStreamState:
    name: str
    status: str
    stream_type: str
    created_ms: int
    updated_ms: int
    destination: dict[str, Any]
    version: int = 1
    partitions: int = 1
    # KinesisStreamSourceConfiguration or DirectPutSourceConfiguration, as given.
    source: dict[str, Any] | None = None
    tags: dict[str, str | None] = field(default_factory=dict)
    failure: dict[str, str] | None = None

    @property
    def created_at(self) -> datetime:
        return epoch_ms_to_datetime(self.created_ms)

    @property
    def updated_at(self) -> datetime:
        return epoch_ms_to_datetime(self.updated_ms)

    @property
    def version_id(self) -> str:
        return str(self.version)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> DeliveryStreamState:
        return cls(**json.loads(raw))
