"""Amazon Data Firehose (API 2015-08-04) on Kafka: the control plane and the Python API's entry.

`FirehoseService` is what the HTTP endpoint (and tests, and the delivery sink) call. Requests
take AWS's parameters in snake_case, nested structures as AWS's documents (PascalCase keys);
responses are AWS's response documents, as boto3 returns them (timestamps timezone-aware).

Delivery streams live in a compacted Kafka topic (the registry). Creation is synchronous:
CREATING, then ACTIVE once a Direct PUT stream's topic exists (CREATING_FAILED, with a
FailureDescription, if it cannot be created). Supported: sources DirectPut and
KinesisStreamAsSource (the Kinesis stream must exist in Cadabra); destinations ExtendedS3 and S3.
Quota: 5,000 delivery streams (`LimitExceededException`). Control-plane calls are not throttled.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cadabra.config import AwsSettings, FirehoseSettings, KafkaSettings
from cadabra.errors import (
    LimitExceededException,
    ResourceInUseException,
    ResourceNotFoundException,
)
from cadabra.firehose import validation as check
from cadabra.firehose.destination import (
    DESTINATION_ID,
    check_destination,
    describe_destination,
    one_destination,
)
from cadabra.firehose.models import DIRECT_PUT, DeliveryStreamState, delivery_stream_arn
from cadabra.firehose.registry import DeliveryStreamRegistry
from cadabra.firehose.sources import SourceChecker, describe_source
from cadabra.firehose.tags import DeliveryStreamTags, tag_dict
from cadabra.firehose.throughput import DirectPutQuotas
from cadabra.firehose.updates import DestinationUpdates
from cadabra.firehose.writes import DirectPutWriter
from cadabra.quotas import Clock
from cadabra.streams import StreamsService
from cadabra.streams.kafka_writer import KafkaWriter
from cadabra.streams.topics import TopicAdmin

__all__ = ["FirehoseService"]

Document = dict[str, Any]


def _wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class FirehoseService:
    def __init__(
        self,
        kafka: KafkaSettings | None = None,
        settings: FirehoseSettings | None = None,
        aws: AwsSettings | None = None,
        streams: StreamsService | None = None,
        clock: Clock | None = None,
        clock_ms: Callable[[], int] = _wall_clock_ms,
    ) -> None:
        self.kafka = kafka or KafkaSettings()
        self.settings = settings or FirehoseSettings()
        self.aws = aws or AwsSettings()
        self.quotas = DirectPutQuotas(self.settings, clock)
        self.clock_ms = clock_ms
        self.lock = threading.RLock()
        self.admin = TopicAdmin(self.kafka.bootstrap, self.kafka.replication_factor)
        self.registry = DeliveryStreamRegistry(
            self.kafka.bootstrap, self.settings.state_topic, self.admin
        )
        self.kafka_writer = KafkaWriter(self.kafka.bootstrap)
        self.sources = SourceChecker(self.kafka, self.aws, streams)
        self.writer = DirectPutWriter(self)
        self.put_record = self.writer.put_record
        self.put_record_batch = self.writer.put_record_batch
        self.tags = DeliveryStreamTags(self)
        self.tag_delivery_stream = self.tags.tag_delivery_stream
        self.untag_delivery_stream = self.tags.untag_delivery_stream
        self.list_tags_for_delivery_stream = self.tags.list_tags_for_delivery_stream
        self.update_destination = DestinationUpdates(self).update_destination

    # -- lookups shared by the data plane ----------------------------------------------------

    def topic(self, name: str) -> str:
        return f"{self.settings.topic_prefix}{name}"

    def arn(self, name: str) -> str:
        return delivery_stream_arn(self.aws.region, self.aws.account_id, name)

    def state(self, name: str) -> DeliveryStreamState:
        state = self.registry.get(name, refresh=True)
        if state is None:
            raise ResourceNotFoundException(
                f"Firehose {name} under account {self.aws.account_id} not found."
            )
        return state

    def active_state(self, name: str) -> DeliveryStreamState:
        state = self.state(name)
        if state.status != "ACTIVE":
            raise ResourceInUseException(
                f"Firehose {name} under account {self.aws.account_id} is {state.status}, "
                "not ACTIVE."
            )
        return state

    # -- delivery streams --------------------------------------------------------------------

    def create_delivery_stream(
        self,
        delivery_stream_name: str,
        delivery_stream_type: str | None = None,
        kinesis_stream_source_configuration: Mapping[str, Any] | None = None,
        direct_put_source_configuration: Mapping[str, Any] | None = None,
        extended_s3_destination_configuration: Mapping[str, Any] | None = None,
        s3_destination_configuration: Mapping[str, Any] | None = None,
        tags: Sequence[Mapping[str, Any]] | None = None,
    ) -> Document:
        stream_type = delivery_stream_type or DIRECT_PUT
        check.check_request(
            "CreateDeliveryStream",
            {
                "DeliveryStreamName": delivery_stream_name,
                "DeliveryStreamType": stream_type,
                "KinesisStreamSourceConfiguration": kinesis_stream_source_configuration,
                "DirectPutSourceConfiguration": direct_put_source_configuration,
                "ExtendedS3DestinationConfiguration": extended_s3_destination_configuration,
                "S3DestinationConfiguration": s3_destination_configuration,
                "Tags": tags,
            },
        )
        source = self.sources.check(
            stream_type, kinesis_stream_source_configuration, direct_put_source_configuration
        )
        destination = one_destination(
            extended_s3_destination_configuration, s3_destination_configuration
        )
        check_destination(destination)
        now = self.clock_ms()
        state = DeliveryStreamState(
            name=delivery_stream_name,
            status="CREATING",
            stream_type=stream_type,
            created_ms=now,
            updated_ms=now,
            destination=destination,
            partitions=self.settings.topic_partitions,
            source=source,
            tags=tag_dict(tags or []),
        )
        with self.lock:
            self._check_new(delivery_stream_name)
            self.registry.put(state)
            self._activate(state)
        return {"DeliveryStreamARN": self.arn(delivery_stream_name)}

    def _check_new(self, name: str) -> None:
        self.registry.refresh()
        if self.registry.get(name) is not None:
            raise ResourceInUseException(
                f"Firehose {name} under accountId {self.aws.account_id} already exists"
            )
        limit = self.settings.delivery_stream_limit
        if len(self.registry.names()) >= limit:
            raise LimitExceededException(
                f"You have already consumed your firehose quota of {limit} hoses."
            )

    def _activate(self, state: DeliveryStreamState) -> None:
        try:
            if state.stream_type == DIRECT_PUT:
                self.admin.create_stream_topic(
                    self.topic(state.name), state.partitions, self.settings.retention_hours
                )
        except Exception as exc:  # the stream stays, as on AWS, until it is deleted
            state.status = "CREATING_FAILED"
            state.failure = {"Type": "UNKNOWN_ERROR", "Details": str(exc)[:1000]}
        else:
            state.status = "ACTIVE"
        self.registry.put(state)

    def describe_delivery_stream(
        self,
        delivery_stream_name: str,
        limit: int | None = None,
        exclusive_start_destination_id: str | None = None,
    ) -> Document:
        check.check_request(
            "DescribeDeliveryStream",
            {
                "DeliveryStreamName": delivery_stream_name,
                "Limit": limit,
                "ExclusiveStartDestinationId": exclusive_start_destination_id,
            },
        )
        state = self.state(delivery_stream_name)
        after = exclusive_start_destination_id or ""
        destinations = [describe_destination(state.destination)] if after < DESTINATION_ID else []
        description: Document = {
            "DeliveryStreamName": state.name,
            "DeliveryStreamARN": self.arn(state.name),
            "DeliveryStreamStatus": state.status,
            "DeliveryStreamEncryptionConfiguration": {"Status": "DISABLED"},
            "DeliveryStreamType": state.stream_type,
            "VersionId": state.version_id,
            "CreateTimestamp": state.created_at,
            "LastUpdateTimestamp": state.updated_at,
            "Destinations": destinations[: limit or len(destinations)],
            "HasMoreDestinations": False,
        }
        if state.failure is not None:
            description["FailureDescription"] = dict(state.failure)
        source = describe_source(state)
        if source is not None:
            description["Source"] = source
        return {"DeliveryStreamDescription": description}

    def list_delivery_streams(
        self,
        limit: int | None = None,
        delivery_stream_type: str | None = None,
        exclusive_start_delivery_stream_name: str | None = None,
    ) -> Document:
        check.check_request(
            "ListDeliveryStreams",
            {
                "Limit": limit,
                "DeliveryStreamType": delivery_stream_type,
                "ExclusiveStartDeliveryStreamName": exclusive_start_delivery_stream_name,
            },
        )
        self.registry.refresh()
        after = exclusive_start_delivery_stream_name or ""
        names = [
            name
            for name in self.registry.names()
            if name > after
            and (state := self.registry.get(name)) is not None
            and delivery_stream_type in (None, state.stream_type)
        ]
        page = limit or 10
        return {"DeliveryStreamNames": names[:page], "HasMoreDeliveryStreams": len(names) > page}

    def delete_delivery_stream(
        self, delivery_stream_name: str, allow_force_delete: bool | None = None
    ) -> Document:
        check.check_request(
            "DeleteDeliveryStream",
            {"DeliveryStreamName": delivery_stream_name, "AllowForceDelete": allow_force_delete},
        )
        with self.lock:
            state = copy.deepcopy(self.state(delivery_stream_name))
            state.status = "DELETING"
            self.registry.put(state)
            if state.stream_type == DIRECT_PUT:
                self.admin.delete(self.topic(state.name))
            self.registry.delete(state.name)
            self.quotas.forget(state.name)
        return {}

    def close(self) -> None:
        self.kafka_writer.close()
        self.registry.close()
        self.sources.close()
