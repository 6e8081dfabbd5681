"""On-failure destinations of a Kinesis event source mapping (DestinationConfig.OnFailure).

When Lambda discards a batch (retries exhausted, records too old) it sends an *invocation record*:
requestContext (requestId, functionArn, condition, approximateInvokeCount), responseContext
(statusCode, executedVersion, functionError), version "1.0", timestamp, and KinesisBatchInfo
(shardId, start/endSequenceNumber, approximateArrivalOfFirst/LastRecord, batchSize, streamArn).
The records themselves are not included: they stay in the stream until retention.
AWS sends it to SQS, SNS, S3 or Kafka; Cadabra offers a JSON-lines file and a Kinesis stream.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError

from processors.lambda_runner.errors import InvalidParameterValueException
from processors.lambda_runner.retries import Discard

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

__all__ = [
    "FileDestination",
    "KinesisDestination",
    "OnFailureDestination",
    "destination_from",
    "invocation_record",
]

logger = logging.getLogger(__name__)
_PUT_ATTEMPTS = 10


class OnFailureDestination(Protocol):
    def send(self, record: dict[str, Any]) -> None: ...


def _iso_ms(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def invocation_record(
    discard: Discard, *, function_arn: str, stream_arn: str, now: datetime | None = None
) -> dict[str, Any]:
    """The document Lambda sends for a discarded Kinesis batch."""
    first, last = discard.records[0], discard.records[-1]
    response: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
    response["functionError"] = "Unhandled" if discard.error is not None else None
    return {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": discard.condition,
            "approximateInvokeCount": discard.invocations,
        },
        "responseContext": response,
        "version": "1.0",
        "timestamp": _iso_ms(now or datetime.now(UTC)),
        "KinesisBatchInfo": {
            "shardId": first.shard_id,
            "startSequenceNumber": first.sequence_number,
            "endSequenceNumber": last.sequence_number,
            "approximateArrivalOfFirstRecord": _iso_ms(first.arrival),
            "approximateArrivalOfLastRecord": _iso_ms(last.arrival),
            "batchSize": len(discard.records),
            "streamArn": stream_arn,
        },
    }


class FileDestination:
    """Appends each invocation record as one JSON line, synced to disk before returning."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def send(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, separators=(",", ":")) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(line)
            out.flush()
            os.fsync(out.fileno())

    def read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line]


class KinesisDestination:
    """PutRecord of each invocation record (JSON) into a Kinesis stream, keyed by shard id."""

    def __init__(self, client: KinesisClient, stream_name: str, backoff_s: float = 0.1) -> None:
        self.client = client
        self.stream_name = stream_name
        self.backoff_s = backoff_s

    def send(self, record: dict[str, Any]) -> None:
        data = json.dumps(record, separators=(",", ":")).encode()
        key = record["KinesisBatchInfo"]["shardId"]
        for attempt in range(_PUT_ATTEMPTS):
            try:
                self.client.put_record(StreamName=self.stream_name, Data=data, PartitionKey=key)
                return
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if code != "ProvisionedThroughputExceededException" or attempt + 1 == _PUT_ATTEMPTS:
                    raise
                time.sleep(self.backoff_s * 2**attempt)


def destination_from(spec: str, client: KinesisClient | None = None) -> OnFailureDestination:
    """A destination from its setting: `file:PATH`, a path, `kinesis:STREAM` or a stream ARN."""
    if spec.startswith("kinesis:") or spec.startswith("arn:"):
        name = _stream_name(spec)
        if client is None:
            raise InvalidParameterValueException("A Kinesis on-failure destination needs a client")
        return KinesisDestination(client, name)
    if spec.startswith("file:"):
        spec = spec.removeprefix("file:").removeprefix("//")
    if not spec:
        raise InvalidParameterValueException("DestinationConfig.OnFailure.Destination is empty")
    return FileDestination(Path(spec))


def _stream_name(spec: str) -> str:
    if spec.startswith("kinesis:"):
        name = spec.removeprefix("kinesis:")
    else:
        parts = spec.split(":", 5)
        resource = parts[5] if len(parts) == 6 else ""
        if parts[2:3] != ["kinesis"] or not resource.startswith("stream/"):
            raise InvalidParameterValueException(
                f"DestinationConfig.OnFailure.Destination {spec} is not a file or a Kinesis stream"
            )
        name = resource.removeprefix("stream/")
    if not name:
        raise InvalidParameterValueException(f"No stream name in destination {spec}")
    return name
