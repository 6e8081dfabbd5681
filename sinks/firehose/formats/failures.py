"""The `format-conversion-failed` documents Firehose writes for records that did not convert.

AWS ("Handling errors for data format conversion") writes, one JSON line per failed record
under the ErrorOutputPrefix's `format-conversion-failed` type:
`attemptsMade`, `arrivalTimestamp`, `lastErrorCode`, `lastErrorMessage`,
`attemptEndingTimestamp`, `rawData` (base64), `sequenceNumber` and `subSequenceNumber` (records
from a Kinesis data stream source only), and `dataCatalogTable` (the conversion's
SchemaConfiguration: `catalogId`, `databaseName`, `tableName`, `region`, `versionId`, plus the
`roleArn` seen in delivered documents and the `catalogArn` the documentation lists).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping
from typing import Any

__all__ = ["data_catalog_table", "failure_document", "failure_lines"]


def failure_document(
    raw: bytes,
    arrival_ms: int,
    error_code: str,
    message: str,
    attempts: int = 1,
    now_ms: int | None = None,
    *,
    sequence_number: str | None = None,
    subsequence_number: int | None = None,
    catalog_table: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One record's document, in AWS's member order."""
    document: dict[str, Any] = {
        "attemptsMade": attempts,
        "arrivalTimestamp": arrival_ms,
        "lastErrorCode": error_code,
        "lastErrorMessage": message,
        "attemptEndingTimestamp": int(time.time() * 1000) if now_ms is None else now_ms,
        "rawData": base64.b64encode(raw).decode("ascii"),
    }
    if sequence_number is not None:
        document["sequenceNumber"] = sequence_number
        document["subSequenceNumber"] = subsequence_number or 0
    if catalog_table is not None:
        document["dataCatalogTable"] = dict(catalog_table)
    return document


def data_catalog_table(
    schema_configuration: Mapping[str, Any], account_id: str, region: str
) -> dict[str, Any]:
    """`dataCatalogTable` from a SchemaConfiguration; CatalogId/Region default to the stream's."""
    catalog_id = schema_configuration.get("CatalogId") or account_id
    table_region = schema_configuration.get("Region") or region
    table: dict[str, Any] = {
        "catalogId": catalog_id,
        "databaseName": schema_configuration.get("DatabaseName", ""),
        "tableName": schema_configuration.get("TableName", ""),
        "region": table_region,
        "versionId": schema_configuration.get("VersionId") or "LATEST",
        "catalogArn": f"arn:aws:glue:{table_region}:{catalog_id}:catalog",
    }
    if schema_configuration.get("RoleARN"):
        table["roleArn"] = schema_configuration["RoleARN"]
    return table


def failure_lines(documents: list[dict[str, Any]]) -> bytes:
    """The error object's body: one compact JSON document a line."""
    return b"".join(json.dumps(d, separators=(",", ":")).encode() + b"\n" for d in documents)
