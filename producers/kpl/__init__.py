"""A KPL-style producer: the Kinesis Producer Library's aggregation, collection and retries.

`KinesisProducer.add_user_record` returns a future; records are aggregated per shard in the KPL's
wire format (`cadabra.aggregation`), collected into PutRecords calls, rate-limited per shard and
retried until RecordTtl. Configuration: `KplSettings` (env `CADABRA_KPL_*`, the KPL's defaults).
"""

from __future__ import annotations

from producers.kpl.errors import (
    KplError,
    ProducerClosedError,
    UserRecordFailedException,
    UserRecordRejected,
)
from producers.kpl.producer import KinesisProducer
from producers.kpl.results import Attempt, UserRecordResult
from producers.kpl.settings import KplSettings, kinesis_client

__all__ = [
    "Attempt",
    "KinesisProducer",
    "KplError",
    "KplSettings",
    "ProducerClosedError",
    "UserRecordFailedException",
    "UserRecordRejected",
    "UserRecordResult",
    "kinesis_client",
]
