"""Firehose record format conversion (JSON -> Apache Parquet or ORC), AWS's
`DataFormatConversionConfiguration` of an Extended S3 destination.

`Converter` reads records with the OpenX or Hive JSON SerDe's rules against a Glue table's
columns and writes one Parquet or ORC file per batch; `failure_document` shapes the
`format-conversion-failed` output of the records that did not convert.
"""

from __future__ import annotations

from sinks.firehose.formats.converter import ConversionResult, Converter
from sinks.firehose.formats.errors import (
    MALFORMED_DATA,
    PARSE_ERROR,
    FormatConversionError,
    RecordConversionError,
)
from sinks.firehose.formats.failures import data_catalog_table, failure_document, failure_lines
from sinks.firehose.formats.hive_types import HiveType, parse_hive_type

__all__ = [
    "MALFORMED_DATA",
    "PARSE_ERROR",
    "ConversionResult",
    "Converter",
    "FormatConversionError",
    "HiveType",
    "RecordConversionError",
    "data_catalog_table",
    "failure_document",
    "failure_lines",
    "parse_hive_type",
]
