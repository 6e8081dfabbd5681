"""The Kinesis Agent's own `agent.json`: global keys and `flows[]`, with AWS's defaults and ranges.

Reproduces `AgentConfiguration` and `FileFlow`/`KinesisFileFlow`/`FirehoseFileFlow` of
awslabs/amazon-kinesis-agent: numbers may be given as JSON numbers or numeric strings, booleans as
`true`/`"true"`, and keys the agent does not know are ignored (the AWS agent reads its
configuration as a map and never looks at other keys; Cadabra logs them at WARNING so a typo is
visible). A bad value raises `AgentConfigError` naming the key, e.g.
`'flows[1].maxBufferSizeRecords' value 501 is outside of valid range [1..500]`.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from producers.agent.errors import AgentConfigError
from producers.agent.values import ConfigReader

__all__ = [
    "FIREHOSE_MAX_RECORD_BYTES",
    "KINESIS_MAX_RECORD_BYTES",
    "AgentConfig",
    "FlowConfig",
    "load_config",
    "parse_config",
]

logger = logging.getLogger(__name__)

MIB = 1024 * 1024
KINESIS_MAX_RECORD_BYTES = MIB  # data + partition key (KinesisConstants.MAX_RECORD_SIZE_BYTES)
FIREHOSE_MAX_RECORD_BYTES = 1000 * 1024  # FirehoseConstants.MAX_RECORD_SIZE_BYTES
KINESIS_MAX_BUFFER_BYTES = 5 * MIB  # one PutRecords request
FIREHOSE_MAX_BUFFER_BYTES = 4 * MIB  # one PutRecordBatch request
MAX_BUFFER_RECORDS = 500

GLOBAL_KEYS = frozenset(
    {
        "awsAccessKeyId", "awsSecretAccessKey", "assumeRoleARN", "assumeRoleExternalId",
        "assumeRoleDurationSeconds", "kinesis.endpoint", "kinesis.region", "firehose.endpoint",
        "firehose.region", "cloudwatch.endpoint", "sts.endpoint", "cloudwatch.emitMetrics",
        "cloudwatch.namespace", "cloudwatch.tagInstance", "cloudwatch.metricsBufferTimeMillis",
        "cloudwatch.metricsQueueSize", "log.emitMetrics", "log.emitInternalMetrics",
        "log.statusReportingPeriodSeconds", "checkpointFile", "checkpointTimeToLiveDays",
        "maxSendingThreads", "maxSendingThreadsPerCore", "sendingThreadsKeepAliveMillis",
        "sendingThreadsMaxQueueSize", "shutdownTimeoutMillis", "maxConnections",
        "connectionTimeoutMillis", "connectionTTLMillis", "socketTimeoutMillis",
        "useTcpKeepAlive", "useHttpGzip", "userDefinedCredentialsProvider.classname",
        "userDefinedCredentialsProvider.location", "flows",
    }
)  # fmt: skip
FLOW_KEYS = frozenset(
    {
        "filePattern", "kinesisStream", "deliveryStream", "partitionKeyOption", "initialPosition",
        "maxBufferAgeMillis", "maxBufferSizeRecords", "maxBufferSizeBytes",
        "minTimeBetweenFilePollsMillis", "maxTimeBetweenFileTrackerRefreshMillis",
        "multiLineStartPattern", "skipHeaderLines", "truncatedRecordTerminator",
        "retryInitialBackoffMillis", "retryMaxBackoffMillis", "publishQueueCapacity",
        "waitOnFullPublishQueueMillis", "waitOnEmptyPublishQueueMillis",
        "waitOnFullRetryQueueMillis",
        "fileFooterPattern", "aggregatedRecordSizeBytes", "dataProcessingOptions",
        "log.emitInternalMetrics",
    }
)  # fmt: skip

Destination = Literal["kinesis", "firehose"]


@dataclass(frozen=True)
class FlowConfig:
    """One `flows[]` entry: files matched by `filePattern` shipped to one stream."""

    index: int
    file_pattern: str
    destination_type: Destination
    destination: str
    partition_key_option: Literal["RANDOM", "DETERMINISTIC"] = "RANDOM"
    initial_position: Literal["START_OF_FILE", "END_OF_FILE"] = "END_OF_FILE"
    max_buffer_age_ms: int = 60_000
    max_buffer_size_records: int = MAX_BUFFER_RECORDS
    max_buffer_size_bytes: int = KINESIS_MAX_BUFFER_BYTES
    min_time_between_file_polls_ms: int = 100
    max_time_between_file_tracker_refresh_ms: int = 10_000
    multi_line_start_pattern: re.Pattern[str] | None = None
    skip_header_lines: int = 0
    truncated_record_terminator: bytes = b"\n"
    retry_initial_backoff_ms: int = 100
    retry_max_backoff_ms: int = 10_000
    publish_queue_capacity: int = 100
    file_footer_pattern: re.Pattern[str] | None = None
    aggregated_record_size_bytes: int = 0
    data_processing_options: tuple[Mapping[str, Any], ...] = ()

    @property
    def id(self) -> str:
        """The AWS agent's flow id, also the checkpoint key: `kinesis:<stream>:<pattern>`."""
        prefix = "kinesis" if self.destination_type == "kinesis" else "fh"
        return f"{prefix}:{self.destination}:{self.file_pattern}"

    @property
    def where(self) -> str:
        return f"flows[{self.index}]"

    @property
    def max_record_bytes(self) -> int:
        """Largest record the destination takes (KDS counts the partition key in it)."""
        if self.destination_type == "kinesis":
            return KINESIS_MAX_RECORD_BYTES
        return FIREHOSE_MAX_RECORD_BYTES


@dataclass(frozen=True)
class AgentConfig:
    """The whole `agent.json`."""

    flows: tuple[FlowConfig, ...]
    aws_access_key_id: str | None = None
    aws_secret_access_key: str | None = None
    kinesis_endpoint: str | None = None
    kinesis_region: str | None = None
    firehose_endpoint: str | None = None
    firehose_region: str | None = None
    cloudwatch_emit_metrics: bool = True
    cloudwatch_namespace: str = "AWSKinesisAgent"
    log_emit_metrics: bool = False
    log_status_reporting_period_s: int = 30
    checkpoint_file: Path = Path("/var/run/aws-kinesis-agent/checkpoints")
    checkpoint_ttl_days: int = 7
    max_sending_threads: int = field(default_factory=lambda: max(2, 12 * (os.cpu_count() or 1)))
    shutdown_timeout_ms: int = 10_000


def load_config(path: Path) -> AgentConfig:
    """Read and validate an agent.json file (JSON with comments, as Jackson's ALLOW_COMMENTS)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AgentConfigError(f"Failed when reading configuration file: {path}: {exc}") from exc
    try:
        raw = json.loads(_strip_comments(text))
    except json.JSONDecodeError as exc:
        raise AgentConfigError(f"Failed when reading configuration file: {path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise AgentConfigError(f"Configuration file {path} must hold a JSON object")
    return parse_config(raw)


def parse_config(raw: Mapping[str, Any]) -> AgentConfig:
    """Validate an agent.json document already decoded from JSON."""
    _warn_unknown(raw, GLOBAL_KEYS, "")
    read = ConfigReader(raw, "")
    flows_raw = raw.get("flows")
    if not isinstance(flows_raw, list) or not flows_raw:
        raise AgentConfigError("flows: There are no flows configured in configuration file.")
    flows = tuple(_parse_flow(i, entry) for i, entry in enumerate(flows_raw))
    cores = os.cpu_count() or 1
    per_core = read.integer("maxSendingThreadsPerCore", 12, low=1)
    return AgentConfig(
        flows=flows,
        aws_access_key_id=read.optional_string("awsAccessKeyId"),
        aws_secret_access_key=read.optional_string("awsSecretAccessKey"),
        kinesis_endpoint=read.optional_string("kinesis.endpoint"),
        kinesis_region=read.optional_string("kinesis.region"),
        firehose_endpoint=read.optional_string("firehose.endpoint"),
        firehose_region=read.optional_string("firehose.region"),
        cloudwatch_emit_metrics=read.boolean("cloudwatch.emitMetrics", True),
        cloudwatch_namespace=read.string("cloudwatch.namespace", "AWSKinesisAgent"),
        log_emit_metrics=read.boolean("log.emitMetrics", False),
        log_status_reporting_period_s=read.integer("log.statusReportingPeriodSeconds", 30, low=1),
        checkpoint_file=Path(
            read.string("checkpointFile", "/var/run/aws-kinesis-agent/checkpoints")
        ),
        checkpoint_ttl_days=read.integer("checkpointTimeToLiveDays", 7, low=1),
        max_sending_threads=read.integer("maxSendingThreads", max(2, per_core * cores), low=1),
        shutdown_timeout_ms=read.integer("shutdownTimeoutMillis", 10_000, low=0),
    )


def _parse_flow(index: int, raw: object) -> FlowConfig:
    where = f"flows[{index}]"
    if not isinstance(raw, dict):
        raise AgentConfigError(f"{where}: a flow must be a JSON object")
    _warn_unknown(raw, FLOW_KEYS, f"{where}.")
    read = ConfigReader(raw, f"{where}.")
    kind, destination = _destination(raw, where)
    kinesis = kind == "kinesis"
    max_record = KINESIS_MAX_RECORD_BYTES if kinesis else FIREHOSE_MAX_RECORD_BYTES
    max_bytes = KINESIS_MAX_BUFFER_BYTES if kinesis else FIREHOSE_MAX_BUFFER_BYTES
    terminator = read.string("truncatedRecordTerminator", "\n").encode()
    if not terminator or len(terminator) >= max_record:
        raise AgentConfigError(
            f"{where}.truncatedRecordTerminator: Record terminator not specified or exceeds the "
            "maximum record size"
        )
    if not kinesis and "partitionKeyOption" in raw:
        logger.warning("%s.partitionKeyOption applies to kinesisStream flows only", where)
    return FlowConfig(
        index=index,
        file_pattern=read.required_string("filePattern"),
        destination_type=kind,
        destination=destination,
        partition_key_option=read.choice(  # type: ignore[arg-type]
            "partitionKeyOption", "RANDOM", ("RANDOM", "DETERMINISTIC")
        ),
        initial_position=read.choice(  # type: ignore[arg-type]
            "initialPosition", "END_OF_FILE", ("START_OF_FILE", "END_OF_FILE")
        ),
        max_buffer_age_ms=read.integer("maxBufferAgeMillis", 60_000, low=1_000, high=900_000),
        max_buffer_size_records=read.integer(
            "maxBufferSizeRecords", MAX_BUFFER_RECORDS, low=1, high=MAX_BUFFER_RECORDS
        ),
        max_buffer_size_bytes=read.integer("maxBufferSizeBytes", max_bytes, low=1, high=max_bytes),
        min_time_between_file_polls_ms=read.integer("minTimeBetweenFilePollsMillis", 100, low=1),
        max_time_between_file_tracker_refresh_ms=read.integer(
            "maxTimeBetweenFileTrackerRefreshMillis", 10_000, low=1
        ),
        multi_line_start_pattern=read.pattern("multiLineStartPattern"),
        skip_header_lines=read.integer("skipHeaderLines", 0, low=0),
        truncated_record_terminator=terminator,
        retry_initial_backoff_ms=read.integer("retryInitialBackoffMillis", 100, low=0),
        retry_max_backoff_ms=read.integer("retryMaxBackoffMillis", 10_000, low=0),
        publish_queue_capacity=read.integer("publishQueueCapacity", 100, low=1),
        file_footer_pattern=read.pattern("fileFooterPattern"),
        aggregated_record_size_bytes=_aggregated_size(read, kinesis),
        data_processing_options=read.objects("dataProcessingOptions"),
    )


def _destination(raw: Mapping[str, Any], where: str) -> tuple[Destination, str]:
    stream, delivery = raw.get("kinesisStream"), raw.get("deliveryStream")
    if stream is not None and delivery is not None:
        raise AgentConfigError(
            f"{where}: give kinesisStream or deliveryStream, not both (a flow has one destination)"
        )
    if stream is None and delivery is None:
        raise AgentConfigError(
            f"{where}: Required configuration value missing: kinesisStream or deliveryStream"
        )
    kind: Destination = "kinesis" if stream is not None else "firehose"
    key = "kinesisStream" if kind == "kinesis" else "deliveryStream"
    name = stream if stream is not None else delivery
    if not isinstance(name, str) or not name:
        raise AgentConfigError(f"{where}.{key}: must be a non-empty string")
    return kind, name


def _aggregated_size(read: ConfigReader, kinesis: bool) -> int:
    size = read.integer("aggregatedRecordSizeBytes", 0, low=0, high=FIREHOSE_MAX_RECORD_BYTES)
    if size and kinesis:
        logger.warning(
            "%saggregatedRecordSizeBytes applies to deliveryStream flows only", read.where
        )
        return 0
    return size


def _warn_unknown(raw: Mapping[str, Any], known: frozenset[str], where: str) -> None:
    for key in sorted(set(raw) - known):
        logger.warning("%s%s is not a Kinesis Agent setting; ignored", where, key)


def _strip_comments(text: str) -> str:
    """Drop // and /* */ comments outside strings (Jackson's ALLOW_COMMENTS)."""
    out: list[str] = []
    i, n, in_string = 0, len(text), False
    while i < n:
        char = text[i]
        if in_string:
            out.append(char)
            if char == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
            out.append(char)
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        else:
            out.append(char)
        i += 1
    return "".join(out)
