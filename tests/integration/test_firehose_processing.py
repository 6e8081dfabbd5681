"""Firehose's processing through a real worker, Kafka and S3: the course's Apache-log-to-JSON
transformation with processing-failed documents, and JSON → Parquet conversion with the catalog's
schema (read back by pyarrow and by DuckDB's view of the table) with format-conversion-failed
documents for the records that do not fit."""

# S608: SQL over the test's own catalog view.

from __future__ import annotations

import base64
import io
import json
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cadabra.athena import AthenaSettings, Engine
from cadabra.athena.catalog import Catalog
from cadabra.athena.sql_dirs import sql_dir
from cadabra.firehose import FirehoseService
from cadabra.stack.testing import StackEndpoints
from sinks.firehose import worker as worker_module
from sinks.firehose.service import DeliveryContext
from sinks.firehose.testing import objects_under, wait_for
from sinks.firehose.worker import PIECE_BYTES

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

LOG_TRANSFORM = "arn:aws:lambda:us-east-1:000000000000:function:LogTransform"
ACCESS = '192.168.1.{n} - frank [10/Oct/2000:13:55:36 -0700] "GET /item/{n} HTTP/1.0" 200 {n}\n'


def _put(firehose_api: FirehoseService, name: str, blobs: list[bytes]) -> None:
    answer = firehose_api.put_record_batch(name, [{"Data": blob} for blob in blobs])
    assert answer["FailedPutCount"] == 0


def _split(objects: dict[str, bytes], name: str) -> tuple[list[bytes], list[dict[str, Any]]]:
    """Data object bodies under `<name>/`, and the error documents under `errors/`."""
    data = [body for key, body in objects.items() if key.startswith(f"{name}/")]
    errors = [
        json.loads(line)
        for key, body in objects.items()
        if key.startswith(f"errors/{name}/")
        for line in body.splitlines()
    ]
    return data, errors


def test_apache_log_transform_delivers_json_and_processing_failed_documents(
    firehose_api: FirehoseService, make_delivery: Any, run_worker: Any, s3: S3Client, stack: Any
) -> None:
    name = make_delivery(
        BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 1},
        ErrorOutputPrefix="errors/!{firehose:error-output-type}/",
        ProcessingConfiguration={
            "Enabled": True,
            "Processors": [
                {
                    "Type": "Lambda",
                    "Parameters": [{"ParameterName": "LambdaArn", "ParameterValue": LOG_TRANSFORM}],
                }
            ],
        },
    )
    firehose_api.update_destination(
        name,
        "1",
        "destinationId-000000000001",
        extended_s3_destination_update={
            "ErrorOutputPrefix": f"errors/{name}/!{{firehose:error-output-type}}/"
        },
    )
    lines = [ACCESS.format(n=n).encode() for n in range(1, 6)] + [b"not an access log line\n"]
    with run_worker(name):
        _put(firehose_api, name, lines)
        wait_for(lambda: _has_data_and_errors(s3, stack.bucket, name), what="data and errors")
    data, errors = _split(objects_under(s3, stack.bucket, ""), name)
    documents = [json.loads(line) for body in data for line in body.splitlines()]
    assert [d["host"] for d in documents] == [f"192.168.1.{n}" for n in range(1, 6)]
    assert documents[0]["verb"] == "GET" and documents[0]["response"] == 200
    assert documents[0]["@timestamp_utc"] == "2000-10-10T20:55:36.000Z"
    [failed] = errors
    assert failed["errorCode"] == "Lambda.ProcessingFailedStatus"
    assert base64.b64decode(failed["rawData"]) == b"not an access log line\n"
    assert failed["attemptsMade"] >= 1 and failed["lambdaARN"] == LOG_TRANSFORM


def _has_data_and_errors(s3: S3Client, bucket: str, name: str) -> bool:
    data, errors = _split(objects_under(s3, bucket, ""), name)
    return bool(data) and bool(errors)


def _order(n: int, quantity: str = "6") -> bytes:
    row = {
        "InvoiceNo": f"5363{n:02d}",
        "StockCode": "85123A",
        "Description": "WHITE HANGING HEART T-LIGHT HOLDER",
        "Quantity": quantity,
        "InvoiceDate": "12/1/2010 8:26",
        "UnitPrice": "2.55",
        "Customer": "17850",
        "Country": "United Kingdom\r",
    }
    return json.dumps(row).encode() + b"\n"


@pytest.mark.parametrize("piece_bytes", [PIECE_BYTES, 2048], ids=["whole", "pieces"])
def test_json_to_parquet_with_the_catalog_schema_and_conversion_failures(
    piece_bytes: int,
    monkeypatch: pytest.MonkeyPatch,
    delivery: DeliveryContext,
    firehose_api: FirehoseService,
    make_delivery: Any,
    run_worker: Any,
    s3: S3Client,
    stack: StackEndpoints,
) -> None:
    name = make_delivery(
        BufferingHints={"SizeInMBs": 64, "IntervalInSeconds": 1},
        ErrorOutputPrefix="errors/!{firehose:error-output-type}/",
        DataFormatConversionConfiguration={
            "SchemaConfiguration": {
                "DatabaseName": "cadabra",
                "TableName": "orders",
                "RoleARN": "arn:aws:iam::000000000000:role/firehose-delivery",
            },
            "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {}}},
            "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {}}},
        },
    )
    firehose_api.update_destination(
        name,
        "1",
        "destinationId-000000000001",
        extended_s3_destination_update={
            "Prefix": f"{name}/orders/",
            "ErrorOutputPrefix": f"errors/{name}/!{{firehose:error-output-type}}/",
        },
    )
    # Small pieces: the buffer is converted ahead in pieces while it fills, and the failure's
    # index must still name its record.
    monkeypatch.setattr(worker_module, "PIECE_BYTES", piece_bytes)
    if piece_bytes < PIECE_BYTES:
        delivery.settings.poll_records = 10  # many chunks, so several pieces
    records = [_order(n) for n in range(20)] + [_order(99, quantity="six")]
    records += [_order(n) for n in range(20, 40)]
    with run_worker(name):
        _put(firehose_api, name, records)
        wait_for(lambda: _has_data_and_errors(s3, stack.bucket, name), what="data and errors")
    data, errors = _split(objects_under(s3, stack.bucket, ""), name)
    [parquet] = data
    table = pq.read_table(io.BytesIO(parquet))
    assert table.schema.field("quantity").type == pa.int32()
    assert table.schema.field("unitprice").type == pa.float64()
    assert table.column_names[:3] == ["invoiceno", "stockcode", "description"]
    assert table.num_rows == 40 and table.column("customer")[0].as_py() == "17850"
    assert pq.ParquetFile(io.BytesIO(parquet)).metadata.row_group(0).column(0).compression == (
        "SNAPPY"
    )
    [failed] = errors
    assert failed["lastErrorCode"] == "DataFormatConversion.MalformedData"
    assert base64.b64decode(failed["rawData"]) == _order(99, quantity="six")
    assert failed["dataCatalogTable"]["tableName"] == "orders"
    _query_through_the_catalog(stack, name)


def _query_through_the_catalog(stack: StackEndpoints, name: str) -> None:
    """DuckDB's view of cadabra.orders, moved under the test's prefix, reads the same rows."""
    _, s3_settings, aws = stack.settings()
    catalog = Catalog.load(sql_dir("catalog")).relocated(stack.bucket, name)
    with Engine(AthenaSettings(), s3_settings, aws) as engine:
        engine.register_catalog(catalog)
        _, rows = engine.query(
            "SELECT count(*), sum(quantity), min(rtrim(country, E'\\r')), min(year) "
            "FROM cadabra.orders"
        )
    [(count, quantity, country, year)] = rows
    assert (count, quantity, country) == (40, 240, "United Kingdom")
    assert len(year) == 4
