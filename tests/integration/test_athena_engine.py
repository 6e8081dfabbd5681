"""The Athena role's DuckDB engine against the real S3 server: Parquet and gzip JSON lines written
with boto3, read back with SQL; errors carry DuckDB's message; httpfs comes from the package."""

# S608: the SQL is built from the engine's own FROM items and test prefixes; S106: a wrong key.
# ruff: noqa: S608, S106

from __future__ import annotations

import gzip
import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cadabra.athena import AthenaSettings, Engine, ExtensionError, QueryError
from cadabra.athena.extension import HTTPFS_PACKAGE
from cadabra.config import AwsSettings, S3Settings
from cadabra.stack.testing import StackEndpoints

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ORDERS: list[dict[str, Any]] = [
    {"order_id": i, "region": ("eu", "us", "ap")[i % 3], "amount": 10 * i + 1} for i in range(30)
]


def _settings(
    stack: StackEndpoints, secret_key: str | None = None
) -> tuple[S3Settings, AwsSettings]:
    s3 = S3Settings(endpoint_url=stack.s3_endpoint_url, bucket=stack.bucket)
    aws = AwsSettings.model_validate(
        {
            "AWS_ACCESS_KEY_ID": stack.access_key,
            "AWS_SECRET_ACCESS_KEY": secret_key or stack.secret_key,
            "AWS_DEFAULT_REGION": stack.region,
        }
    )
    return s3, aws


@pytest.fixture
def engine(stack: StackEndpoints) -> Iterator[Engine]:
    s3, aws = _settings(stack)
    with Engine(AthenaSettings(), s3, aws) as engine:
        yield engine


@pytest.fixture
def prefix() -> str:
    return f"athena-test/{uuid.uuid4().hex}"


def _put_parquet(s3: S3Client, bucket: str, key: str, rows: list[dict[str, object]]) -> None:
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), buffer)
    s3.put_object(Bucket=bucket, Key=key, Body=buffer.getvalue())


def _put_json_lines_gz(s3: S3Client, bucket: str, key: str, rows: list[dict[str, object]]) -> None:
    body = "".join(json.dumps(row) + "\n" for row in rows).encode()
    s3.put_object(Bucket=bucket, Key=key, Body=gzip.compress(body))


def _expected_by_region() -> list[tuple[str, int, int]]:
    regions = sorted({row["region"] for row in ORDERS})
    return [
        (
            region,
            sum(1 for row in ORDERS if row["region"] == region),
            sum(row["amount"] for row in ORDERS if row["region"] == region),
        )
        for region in regions
    ]


def test_parquet_objects_under_a_prefix_are_queried(
    engine: Engine, s3: S3Client, stack: StackEndpoints, prefix: str
) -> None:
    # Two objects: the glob reads their union, as Athena reads every object of a LOCATION.
    _put_parquet(s3, stack.bucket, f"{prefix}/part-0.parquet", ORDERS[:12])
    _put_parquet(s3, stack.bucket, f"{prefix}/part-1.parquet", ORDERS[12:])
    source = engine.parquet(prefix)

    columns, rows = engine.query(f"SELECT count(*) AS n, sum(amount) AS total FROM {source}")
    assert columns == ["n", "total"]
    assert rows == [(len(ORDERS), sum(row["amount"] for row in ORDERS))]

    grouped = engine.query(
        f"SELECT region, count(*), sum(amount) FROM {source} GROUP BY region ORDER BY region"
    )
    assert grouped.rows == _expected_by_region()


def test_gzip_json_lines_are_queried(
    engine: Engine, s3: S3Client, stack: StackEndpoints, prefix: str
) -> None:
    _put_json_lines_gz(s3, stack.bucket, f"{prefix}/batch-0.gz", ORDERS[:20])
    _put_json_lines_gz(s3, stack.bucket, f"{prefix}/batch-1.gz", ORDERS[20:])
    source = engine.json_lines(prefix)

    assert engine.query(f"SELECT count(*) FROM {source}").rows == [(len(ORDERS),)]
    grouped = engine.query(
        f"SELECT region, count(*), sum(amount) FROM {source} GROUP BY ALL ORDER BY region"
    )
    assert grouped.rows == _expected_by_region()
    where = engine.query(f"SELECT order_id FROM {source} WHERE amount > ? ORDER BY 1", [251])
    assert where.rows == [(row["order_id"],) for row in ORDERS if row["amount"] > 251]


def test_a_missing_object_is_a_query_error_naming_it(engine: Engine, prefix: str) -> None:
    uri = f"s3://{engine.s3.bucket}/{prefix}/missing.parquet"
    with pytest.raises(QueryError) as caught:
        engine.query(f"SELECT count(*) FROM read_parquet('{uri}')")
    assert uri in caught.value.message
    assert "404" in caught.value.message
    assert "missing.parquet" in caught.value.sql


def test_an_empty_prefix_is_a_query_error_naming_the_pattern(engine: Engine, prefix: str) -> None:
    with pytest.raises(QueryError, match="No files found") as caught:
        engine.query(f"SELECT * FROM {engine.parquet(prefix)}")
    assert f"{prefix}/*.parquet" in caught.value.message


def test_bad_sql_is_a_query_error_with_duckdbs_message(engine: Engine) -> None:
    with pytest.raises(QueryError, match="syntax error") as caught:
        engine.query("SELEC 1")
    assert caught.value.code == "InvalidRequestException"
    assert caught.value.http_status == 400


def test_a_wrong_secret_key_is_refused_by_the_s3_server(
    stack: StackEndpoints, s3: S3Client, prefix: str
) -> None:
    _put_parquet(s3, stack.bucket, f"{prefix}/part-0.parquet", ORDERS)
    s3_settings, aws = _settings(stack, secret_key="not-the-secret")
    with Engine(AthenaSettings(), s3_settings, aws) as wrong, pytest.raises(QueryError) as caught:
        wrong.query(f"SELECT count(*) FROM {wrong.parquet(prefix, 'part-0.parquet')}")
    assert "403" in caught.value.message


def test_httpfs_is_loaded_from_the_package_with_autoinstall_off(engine: Engine) -> None:
    assert HTTPFS_PACKAGE in engine.extension_path.parts
    assert engine.extension_path.is_file()
    loaded = engine.query(
        "SELECT loaded FROM duckdb_extensions() WHERE extension_name = 'httpfs'"
    ).rows
    assert loaded == [(True,)]
    settings = engine.query(
        "SELECT current_setting('autoinstall_known_extensions'), "
        "current_setting('autoload_known_extensions')"
    ).rows
    assert settings == [(False, False)]


def test_a_missing_extension_file_is_an_error_not_a_download(
    stack: StackEndpoints, tmp_path: Path
) -> None:
    s3, aws = _settings(stack)
    missing = tmp_path / "httpfs.duckdb_extension"
    with pytest.raises(ExtensionError, match="not found"):
        Engine(AthenaSettings(httpfs_extension=missing), s3, aws)
