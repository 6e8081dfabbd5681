"""A delivery stream's source: Direct PUT, or a Kinesis data stream of the same Cadabra stack.

`KinesisStreamAsSource` needs `KinesisStreamSourceConfiguration` (KinesisStreamARN, RoleARN); the
stream must exist in this account and region of Cadabra's Kinesis layer, or CreateDeliveryStream
fails with `InvalidArgumentException`. Firehose starts reading it at LATEST when the delivery
stream is created (`DeliveryStartTimestamp`); reading it is the delivery side's job. `DirectPut`
takes an optional `DirectPutSourceConfiguration` (ThroughputHintInMBs), kept and described.
MSK and database sources are not supported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cadabra.config import AwsSettings, KafkaSettings
from cadabra.errors import InvalidArgumentException, ResourceNotFoundException
from cadabra.firehose.models import DIRECT_PUT, KINESIS_SOURCE, DeliveryStreamState
from cadabra.streams import StreamsService

__all__ = ["SourceChecker", "describe_source"]

_KINESIS_ARN = re.compile(
    r"arn:[^:]+:kinesis:(?P<region>[^:]+):(?P<account>\d{12}):stream/(?P<name>[a-zA-Z0-9_.-]+)"
)


class SourceChecker:
    """Checks sources against the Kinesis layer (a StreamsService, made on first need)."""

    def __init__(
        self, kafka: KafkaSettings, aws: AwsSettings, streams: StreamsService | None
    ) -> None:
        self._kafka = kafka
        self._aws = aws
        self._streams = streams
        self._owns_streams = False

    @property
    def streams(self) -> StreamsService:
        if self._streams is None:
            self._streams = StreamsService(self._kafka, aws=self._aws)
            self._owns_streams = True
        return self._streams

    def check(
        self,
        stream_type: str,
        kinesis: Mapping[str, Any] | None,
        direct_put: Mapping[str, Any] | None,
    ) -> dict[str, Any] | None:
        """The source configuration to keep; InvalidArgumentException if it does not fit."""
        if stream_type not in (DIRECT_PUT, KINESIS_SOURCE):
            raise InvalidArgumentException(
                f"DeliveryStreamType {stream_type} is not supported by Cadabra "
                f"(supported: {DIRECT_PUT}, {KINESIS_SOURCE})."
            )
        if stream_type == DIRECT_PUT:
            if kinesis is not None:
                raise InvalidArgumentException(
                    "KinesisSourceStreamConfig is only applicable for KinesisStreamAsSource "
                    "stream type"
                )
            return dict(direct_put) if direct_put is not None else None
        if direct_put is not None:
            raise InvalidArgumentException(
                "DirectPutSourceConfiguration is only applicable for DirectPut stream type"
            )
        if kinesis is None:
            raise InvalidArgumentException(
                "KinesisStreamSourceConfiguration is required for KinesisStreamAsSource stream type"
            )
        self._check_stream_exists(kinesis["KinesisStreamARN"])
        return dict(kinesis)

    def _check_stream_exists(self, arn: str) -> None:
        match = _KINESIS_ARN.fullmatch(arn)
        elsewhere = match is None or (match["region"], match["account"]) != (
            self._aws.region,
            self._aws.account_id,
        )
        try:
            if match is None or elsewhere:
                raise ResourceNotFoundException(arn)
            self.streams.state(match["name"])
        except ResourceNotFoundException:
            raise InvalidArgumentException(
                f"Source Kinesis stream {arn} not found under account {self._aws.account_id} "
                f"in {self._aws.region}."
            ) from None

    def close(self) -> None:
        if self._owns_streams and self._streams is not None:
            self._streams.close()


def describe_source(state: DeliveryStreamState) -> dict[str, Any] | None:
    """The SourceDescription of DescribeDeliveryStream (None for plain Direct PUT)."""
    if state.source is None:
        return None
    if state.stream_type == KINESIS_SOURCE:
        return {
            "KinesisStreamSourceDescription": {
                "KinesisStreamARN": state.source["KinesisStreamARN"],
                "RoleARN": state.source["RoleARN"],
                "DeliveryStartTimestamp": state.created_at,
            }
        }
    return {"DirectPutSourceDescription": dict(state.source)}
