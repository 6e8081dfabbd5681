"""Kinesis Data Streams on Kafka: the control plane and the entry point of the Python API.

`StreamsService` is what the HTTP endpoint (and tests, and the demo) call. Requests take AWS's
parameters in snake_case; responses are AWS's response documents (PascalCase keys, as boto3
returns them), so the endpoint serialises them unchanged. Stream states live in the shard map
(a compacted Kafka topic); data lives in one topic per stream, one partition per shard.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from cadabra.config import AwsSettings, KafkaSettings, QuotaSettings, StreamsSettings
from cadabra.errors import (
    InvalidArgumentException,
    LimitExceededException,
    ResourceInUseException,
    ResourceNotFoundException,
    ValidationException,
)
from cadabra.quotas import QuotaRegistry
from cadabra.streams import validation as check
from cadabra.streams.consumers import ConsumerRegistry
from cadabra.streams.fan_out import FanOut
from cadabra.streams.hashing import even_ranges
from cadabra.streams.inflight import WriteBarrier
from cadabra.streams.kafka_metadata import RefreshingKafkaReader
from cadabra.streams.kafka_writer import KafkaWriter, PendingWrite
from cadabra.streams.listing import Lister
from cadabra.streams.models import ShardInfo, StreamState, stream_arn
from cadabra.streams.reads import RecordReader
from cadabra.streams.resharding import Resharder
from cadabra.streams.shard_map import ShardMapStore
from cadabra.streams.tags import Tagger
from cadabra.streams.topics import TopicAdmin
from cadabra.streams.writes import PendingPut, PutRecordsEntry, RecordWriter

__all__ = ["StreamsService"]

MIN_RETENTION_HOURS = 24
MAX_RETENTION_HOURS = 8760
ON_DEMAND_SHARDS = 4


def _wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class StreamsService:
    def __init__(
        self,
        kafka: KafkaSettings | None = None,
        streams: StreamsSettings | None = None,
        quotas: QuotaRegistry | None = None,
        aws: AwsSettings | None = None,
        clock_ms: Callable[[], int] = _wall_clock_ms,
    ) -> None:
        self.kafka = kafka or KafkaSettings()
        self.settings = streams or StreamsSettings()
        self.aws = aws or AwsSettings()
        self.quotas = quotas or QuotaRegistry(QuotaSettings())
        self.clock_ms = clock_ms
        self._lock = threading.RLock()
        self.admin = TopicAdmin(self.kafka.bootstrap, self.kafka.replication_factor)
        self.shard_map = ShardMapStore(
            self.kafka.bootstrap, self.settings.shard_map_topic, self.admin
        )
        # Both learn of partitions added by resharding (see kafka_metadata.py).
        self.kafka_writer = KafkaWriter(self.kafka.bootstrap)
        self.kafka_reader = RefreshingKafkaReader(self.kafka.bootstrap)
        self.writer = RecordWriter(self)
        self.reader = RecordReader(self)
        # Resharding waits out the writes in flight when it closes a shard (resharding.py).
        self.write_barrier = WriteBarrier()
        self.put_record = self.write_barrier.track(self.writer.put_record)
        self.put_records = self.write_barrier.track(self.writer.put_records)
        self.get_shard_iterator = self.reader.get_shard_iterator
        self.get_records = self.reader.get_records
        self._delegate_operations()

    def _delegate_operations(self) -> None:
        """The operations other modules implement, as methods of the service."""
        self.lister = Lister(self)
        self.describe_limits = self.lister.describe_limits
        self.tagger = Tagger(self)
        self.add_tags_to_stream = self.tagger.add_tags_to_stream
        self.list_tags_for_stream = self.tagger.list_tags_for_stream
        self.remove_tags_from_stream = self.tagger.remove_tags_from_stream
        self.tag_resource = self.tagger.tag_resource
        self.list_tags_for_resource = self.tagger.list_tags_for_resource
        self.untag_resource = self.tagger.untag_resource
        self.resharder = Resharder(self)
        self.split_shard = self.resharder.split_shard
        self.merge_shards = self.resharder.merge_shards
        self.update_shard_count = self.resharder.update_shard_count
        self.consumers = ConsumerRegistry(self)
        self.register_stream_consumer = self.consumers.register_stream_consumer
        self.describe_stream_consumer = self.consumers.describe_stream_consumer
        self.list_stream_consumers = self.consumers.list_stream_consumers
        self.deregister_stream_consumer = self.consumers.deregister_stream_consumer
        self.fan_out = FanOut(self)
        self.subscribe_to_shard = self.fan_out.subscribe_to_shard

    def begin_put_records(
        self,
        records: Sequence[PutRecordsEntry],
        stream_name: str | None = None,
        stream_arn: str | None = None,
        *,
        single: bool = False,
        on_done: Callable[[], None],
    ) -> PendingPut:
        """PutRecords (or, with `single`, PutRecord's checks) without waiting for Kafka.

        For callers that must not block (the endpoint's event loop): `on_done` runs on the Kafka
        writer's thread once every record has its report; then `response()` is the answer. The
        call counts as in flight for resharding's write barrier until then.
        """
        epoch = self.write_barrier.enter()

        def done(_write: PendingWrite) -> None:
            self.write_barrier.leave(epoch)
            on_done()

        try:
            return self.writer.begin(records, stream_name, stream_arn, single=single, on_done=done)
        except BaseException:
            self.write_barrier.leave(epoch)
            raise

    def knows(self, name: str) -> bool:
        """Whether the stream's state is at hand without asking Kafka (nothing would block)."""
        return self.shard_map.get(name) is not None

    # -- lookups shared by the data plane -------------------------------------------------

    def topic(self, name: str) -> str:
        return f"{self.settings.topic_prefix}{name}"

    def arn(self, name: str) -> str:
        return stream_arn(self.aws.region, self.aws.account_id, name)

    def not_found(self, name: str) -> ResourceNotFoundException:
        return ResourceNotFoundException(
            f"Stream {name} under account {self.aws.account_id} not found."
        )

    def stream_name(self, stream_name: str | None, stream_arn: str | None) -> str:
        """StreamName or StreamARN, as every Kinesis operation accepts."""
        if stream_name:
            check.check_stream_name(stream_name)
            return stream_name
        if stream_arn:
            prefix = self.arn("")
            if not stream_arn.startswith(prefix):
                raise InvalidArgumentException(f"StreamARN {stream_arn} is not of this account")
            return stream_arn[len(prefix) :]
        raise InvalidArgumentException("Either StreamName or StreamARN must be provided.")

    def state(self, name: str, *, refresh: bool = True) -> StreamState:
        state = self.shard_map.get(name)
        if state is None and refresh:
            self.shard_map.refresh()
            state = self.shard_map.get(name)
        if state is None:
            raise self.not_found(name)
        return state

    def active_state(self, name: str) -> StreamState:
        state = self.state(name)
        if state.status not in ("ACTIVE", "UPDATING"):
            # Seen CREATING (or DELETING) here while another process changed it: read again.
            self.shard_map.refresh()
            state = self.state(name)
        if state.status not in ("ACTIVE", "UPDATING"):
            raise self.not_found(name)
        return state

    # -- streams --------------------------------------------------------------------------

    def create_stream(
        self,
        stream_name: str,
        shard_count: int | None = None,
        stream_mode: str = "PROVISIONED",
        max_record_size_kib: int | None = None,
        tags: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        check.check_stream_name(stream_name)
        shards = self._initial_shard_count(shard_count, stream_mode)
        size_kib = max_record_size_kib or self.settings.max_record_size_kib
        check.check_range(size_kib, "maxRecordSizeInKiB", 1024, 10240)
        with self._lock:
            self.shard_map.refresh()
            if self.shard_map.get(stream_name) is not None:
                raise ResourceInUseException(
                    f"Stream {stream_name} under account {self.aws.account_id} already exists."
                )
            state = StreamState(
                name=stream_name,
                status="CREATING",
                created_ms=self.clock_ms(),
                retention_hours=self.settings.default_retention_hours,
                max_record_size_kib=size_kib,
                stream_mode=stream_mode,
                shards=[
                    ShardInfo(i, start, end) for i, (start, end) in enumerate(even_ranges(shards))
                ],
                tags=dict(tags or {}),
            )
            self.shard_map.put(state)
            self.admin.create_stream_topic(self.topic(stream_name), shards, state.retention_hours)
            state.status = "ACTIVE"
            self.shard_map.put(state)
        return {}

    def _initial_shard_count(self, shard_count: int | None, stream_mode: str) -> int:
        if stream_mode not in ("PROVISIONED", "ON_DEMAND"):
            raise ValidationException(
                f"1 validation error detected: Value '{stream_mode}' at "
                "'streamModeDetails.streamMode' failed to satisfy constraint: Member must "
                "satisfy enum value set: [PROVISIONED, ON_DEMAND]"
            )
        if shard_count is None:
            if stream_mode == "ON_DEMAND":
                return ON_DEMAND_SHARDS
            raise InvalidArgumentException("ShardCount is required for a PROVISIONED stream.")
        check.check_range(shard_count, "shardCount", 1, 100_000)
        self.shard_map.refresh()
        open_now = sum(
            len(state.open_shards)
            for name in self.shard_map.names()
            if (state := self.shard_map.get(name)) is not None
        )
        if open_now + shard_count > self.settings.shard_limit:
            raise LimitExceededException(
                f"This request would exceed the shard limit for the account "
                f"{self.aws.account_id} in {self.aws.region}. Current limit of shards is "
                f"{self.settings.shard_limit}. Number of shards that would have resulted from "
                f"this request is {open_now + shard_count}."
            )
        return shard_count

    def delete_stream(
        self, stream_name: str | None = None, stream_arn: str | None = None
    ) -> dict[str, Any]:
        name = self.stream_name(stream_name, stream_arn)
        with self._lock:
            state = self.state(name)
            state.status = "DELETING"
            self.shard_map.put(state)
            self.admin.delete(self.topic(name))
            self.shard_map.delete(name)
            self.quotas.forget(name)
        return {}

    def describe_stream(
        self,
        stream_name: str | None = None,
        stream_arn: str | None = None,
        limit: int = 100,
        exclusive_start_shard_id: str | None = None,
    ) -> dict[str, Any]:
        check.check_range(limit, "limit", 1, 10_000)
        state = self.state(self.stream_name(stream_name, stream_arn))
        shards = [s for s in state.shards if s.shard_id > (exclusive_start_shard_id or "")]
        description = self._summary(state)
        del description["OpenShardCount"], description["ConsumerCount"]
        description["Shards"] = [shard.to_aws() for shard in shards[:limit]]
        description["HasMoreShards"] = len(shards) > limit
        return {"StreamDescription": description}

    def describe_stream_summary(
        self, stream_name: str | None = None, stream_arn: str | None = None
    ) -> dict[str, Any]:
        state = self.state(self.stream_name(stream_name, stream_arn))
        return {"StreamDescriptionSummary": self._summary(state)}

    def _summary(self, state: StreamState) -> dict[str, Any]:
        return {
            "StreamName": state.name,
            "StreamARN": self.arn(state.name),
            "StreamStatus": state.status,
            "StreamModeDetails": {"StreamMode": state.stream_mode},
            "RetentionPeriodHours": state.retention_hours,
            "StreamCreationTimestamp": state.created_at,
            "EnhancedMonitoring": [{"ShardLevelMetrics": []}],
            "EncryptionType": "NONE",
            "OpenShardCount": len(state.open_shards),
            "ConsumerCount": len(state.consumers),
            "MaxRecordSizeInKiB": state.max_record_size_kib,
        }

    def list_streams(
        self,
        limit: int = 100,
        exclusive_start_stream_name: str | None = None,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        return self.lister.list_streams(limit, exclusive_start_stream_name, next_token)

    def list_shards(
        self,
        stream_name: str | None = None,
        stream_arn: str | None = None,
        max_results: int = 1000,
        exclusive_start_shard_id: str | None = None,
        next_token: str | None = None,
        shard_filter: dict[str, Any] | None = None,
        stream_creation_timestamp: datetime | float | None = None,
    ) -> dict[str, Any]:
        return self.lister.list_shards(
            stream_name,
            stream_arn,
            max_results,
            exclusive_start_shard_id,
            next_token,
            shard_filter,
            stream_creation_timestamp,
        )

    # -- retention and record size ----------------------------------------------------------

    def increase_stream_retention_period(
        self,
        retention_period_hours: int,
        stream_name: str | None = None,
        stream_arn: str | None = None,
    ) -> dict[str, Any]:
        return self._set_retention(stream_name, stream_arn, retention_period_hours, increase=True)

    def decrease_stream_retention_period(
        self,
        retention_period_hours: int,
        stream_name: str | None = None,
        stream_arn: str | None = None,
    ) -> dict[str, Any]:
        return self._set_retention(stream_name, stream_arn, retention_period_hours, increase=False)

    def _set_retention(
        self, stream_name: str | None, stream_arn: str | None, hours: int, *, increase: bool
    ) -> dict[str, Any]:
        name = self.stream_name(stream_name, stream_arn)
        _check_retention_bounds(hours)
        with self._lock:
            state = self.active_state(name)
            current = state.retention_hours
            if increase and hours < current:
                raise InvalidArgumentException(
                    f"Requested retention period ({hours} hours) for stream {name} can not be "
                    f"shorter than existing retention period ({current} hours). Use "
                    "DecreaseRetentionPeriod API."
                )
            if not increase and hours > current:
                raise InvalidArgumentException(
                    f"Requested retention period ({hours} hours) for stream {name} can not be "
                    f"longer than existing retention period ({current} hours). Use "
                    "IncreaseRetentionPeriod API."
                )
            self.admin.set_retention(self.topic(name), hours)
            state.retention_hours = hours
            self.shard_map.put(state)
        return {}

    def update_max_record_size(
        self,
        max_record_size_kib: int,
        stream_name: str | None = None,
        stream_arn: str | None = None,
    ) -> dict[str, Any]:
        check.check_range(max_record_size_kib, "maxRecordSizeInKiB", 1024, 10240)
        name = self.stream_name(stream_name, stream_arn)
        with self._lock:
            state = self.active_state(name)
            state.max_record_size_kib = max_record_size_kib
            self.shard_map.put(state)
        return {}

    def close(self) -> None:
        self.kafka_writer.close()
        self.kafka_reader.close()
        self.shard_map.close()


def _check_retention_bounds(hours: int) -> None:
    if hours < MIN_RETENTION_HOURS:
        raise InvalidArgumentException(
            f"Minimum allowed retention period is {MIN_RETENTION_HOURS} hours. Requested "
            f"retention period ({hours} hours) is too short."
        )
    if hours > MAX_RETENTION_HOURS:
        raise InvalidArgumentException(
            f"Maximum allowed retention period is {MAX_RETENTION_HOURS} hours. Requested "
            f"retention period ({hours} hours) is too long."
        )
