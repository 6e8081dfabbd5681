"""What one version of a delivery stream's configuration means for delivery.

Built from the delivery stream's state (its S3 destination with AWS's defaults filled in): the
bucket, prefixes, time zone, file extension, compression, buffering hints, and the optional
transformation (a Lambda-contract function) and record format conversion (schema from the
catalog). A new `VersionId` (UpdateDestination) gives a new plan.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cadabra.athena.catalog import Catalog
from cadabra.errors import DeliveryError
from cadabra.firehose.destination import converting, effective, partitioning
from cadabra.firehose.models import KINESIS_SOURCE, DeliveryStreamState
from sinks.firehose.buffer import BufferingHints
from sinks.firehose.keys import file_extension
from sinks.firehose.store import bucket_of

if TYPE_CHECKING:
    from sinks.firehose.formats import Converter
    from sinks.firehose.transform import Transformer

__all__ = ["DeliveryPlan"]

logger = logging.getLogger(__name__)

CONTENT_TYPES = {"parquet": "application/vnd.apache.parquet", "orc": "application/octet-stream"}


@dataclass(frozen=True, slots=True)
class DeliveryPlan:
    name: str
    version: int
    created_ms: int
    bucket: str
    prefix: str | None
    error_prefix: str | None
    time_zone: str | None
    extension: str
    compression: str
    hints: BufferingHints
    transformer: Transformer | None
    converter: Converter | None
    # `dataCatalogTable` of format-conversion-failed documents.
    catalog_table: dict[str, Any] | None = None

    @classmethod
    def from_state(
        cls, state: DeliveryStreamState, arn: str, region: str, catalog_dir: Path
    ) -> DeliveryPlan:
        """The plan; the catalog in `catalog_dir` gives format conversion its schema."""
        config = effective(state.destination)
        _check_supported(state.name, config)
        converter = _converter(config, catalog_dir) if converting(config) else None
        compression = config["CompressionFormat"]
        return cls(
            name=state.name,
            version=state.version,
            created_ms=state.created_ms,
            bucket=bucket_of(config["BucketARN"]),
            prefix=config.get("Prefix"),
            error_prefix=config.get("ErrorOutputPrefix"),
            time_zone=config.get("CustomTimeZone"),
            extension=file_extension(config.get("FileExtension"), compression),
            compression=compression,
            hints=BufferingHints.from_configuration(config["BufferingHints"]),
            transformer=_transformer(state, config, arn, region),
            converter=converter,
            catalog_table=_catalog_table(config, arn, region) if converter else None,
        )

    @property
    def content_type(self) -> str:
        if self.converter is not None:
            return CONTENT_TYPES.get(self.converter.format_name, "application/octet-stream")
        return "application/octet-stream"


def _check_supported(name: str, config: dict[str, Any]) -> None:
    if partitioning(config):
        raise DeliveryError(
            f"{name}: dynamic partitioning (DynamicPartitioningConfiguration) is accepted by the "
            "API but not delivered by Cadabra."
        )
    if config.get("S3BackupMode") == "Enabled":
        logger.warning("%s: S3BackupMode Enabled is not delivered by Cadabra (ignored)", name)


def _transformer(
    state: DeliveryStreamState, config: dict[str, Any], arn: str, region: str
) -> Transformer | None:
    processing = config.get("ProcessingConfiguration")
    if not processing or not processing.get("Enabled", False):
        return None
    from sinks.firehose.transform import Transformer

    source_arn = None
    if state.stream_type == KINESIS_SOURCE and state.source is not None:
        source_arn = state.source["KinesisStreamARN"]
    return Transformer.from_configuration(processing, arn, region, source_arn)


def _converter(config: dict[str, Any], catalog_dir: Any) -> Converter:

    from sinks.firehose.formats import Converter

    conversion = config["DataFormatConversionConfiguration"]
    schema = conversion["SchemaConfiguration"]
    table = Catalog.load(catalog_dir).table(schema["DatabaseName"], schema["TableName"])
    return Converter(columns=[(c.name, c.type) for c in table.columns], conversion=conversion)


def _catalog_table(config: dict[str, Any], arn: str, region: str) -> dict[str, Any]:
    from sinks.firehose.formats import data_catalog_table

    account = arn.split(":")[4]
    schema = config["DataFormatConversionConfiguration"]["SchemaConfiguration"]
    return data_catalog_table(schema, account, region)
