"""Amazon Data Firehose on Kafka: delivery streams whose records are durable in Kafka topics."""

from __future__ import annotations

from cadabra.firehose.models import DeliveryStreamState, delivery_stream_arn
from cadabra.firehose.record_ids import RecordPosition, decode_record_id, encode_record_id
from cadabra.firehose.service import FirehoseService
from cadabra.firehose.writes import MAX_BATCH_BYTES, MAX_BATCH_RECORDS, MAX_RECORD_BYTES

__all__ = [
    "MAX_BATCH_BYTES",
    "MAX_BATCH_RECORDS",
    "MAX_RECORD_BYTES",
    "DeliveryStreamState",
    "FirehoseService",
    "RecordPosition",
    "decode_record_id",
    "delivery_stream_arn",
    "encode_record_id",
]
