"""The event a Lambda function receives from a Kinesis event source mapping.

`{"Records": [...]}`, one entry per record, exactly as AWS builds it: eventSource `aws:kinesis`,
eventName `aws:kinesis:record`, eventVersion `1.0`, eventID `<shardId>:<sequenceNumber>`,
eventSourceARN (the stream's ARN), awsRegion, invokeIdentityArn (the execution role), and a
`kinesis` document (kinesisSchemaVersion `1.0`, partitionKey, sequenceNumber, data in base64,
approximateArrivalTimestamp in epoch *seconds* with millisecond precision). Lambda does not
de-aggregate KPL records: an aggregated record reaches the function as one record.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from processors.lambda_runner.records import StreamRecord

__all__ = ["EventSource", "kinesis_event", "kinesis_event_record"]


@dataclass(frozen=True)
class EventSource:
    """Who sends the event: the stream, its region, and the role the function runs as."""

    stream_arn: str
    region: str
    invoke_identity_arn: str


def kinesis_event_record(record: StreamRecord, source: EventSource) -> dict[str, Any]:
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": record.partition_key,
            "sequenceNumber": record.sequence_number,
            "data": base64.b64encode(record.data).decode("ascii"),
            "approximateArrivalTimestamp": round(record.arrival.timestamp(), 3),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{record.shard_id}:{record.sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": source.invoke_identity_arn,
        "awsRegion": source.region,
        "eventSourceARN": source.stream_arn,
    }


def kinesis_event(records: list[StreamRecord], source: EventSource) -> dict[str, Any]:
    return {"Records": [kinesis_event_record(record, source) for record in records]}
