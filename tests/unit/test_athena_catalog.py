"""The Glue catalog of `sql/catalog/`: tables, their layout under S3, lookups and relocation."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from cadabra.athena.catalog import Catalog, Column
from cadabra.athena.catalog_errors import DdlError, EntityNotFoundException
from cadabra.athena.hive_types import duckdb_type
from cadabra.athena.layout import template_regex
from cadabra.athena.views import view_sql

CATALOG = Path(__file__).resolve().parents[2] / "sql" / "catalog"
COURSE_COLUMNS = [
    ("invoiceno", "string"),
    ("stockcode", "string"),
    ("description", "string"),
    ("quantity", "int"),
    ("invoicedate", "string"),
    ("unitprice", "double"),
]
PROJECTION = """TBLPROPERTIES ('projection.enabled' = 'true',
  'projection.dt.type' = 'date', 'projection.dt.format' = 'yyyy/MM/dd/HH',
  'projection.dt.range' = '2020/01/01/00,NOW', 'projection.dt.interval.unit' = 'HOURS',
  'projection.region.type' = 'enum', 'projection.region.values' = 'eu,us',
  'storage.location.template' = 's3://logs/raw/${region}/${dt}/')"""


def _catalog(tmp_path: Path, ddl: str) -> Catalog:
    (tmp_path / "t.sql").write_text("CREATE DATABASE db;\n" + ddl)
    return Catalog.load(tmp_path)


def test_the_shipped_tables_are_what_firehose_and_athena_need() -> None:
    catalog = Catalog.load(CATALOG)
    orders = catalog.table("cadabra", "orders")
    assert (orders.database, orders.name, orders.format, orders.layout) == (
        "cadabra",
        "orders",
        "parquet",
        "template",
    )
    assert [(c.name, c.type) for c in orders.columns] == [
        *COURSE_COLUMNS,
        ("customer", "string"),
        ("country", "string"),
    ]
    assert [c.name for c in orders.partition_columns] == ["year", "month", "day", "hour"]
    assert (orders.location, orders.bucket, orders.prefix) == (
        "s3://cadabra/orders/",
        "cadabra",
        "orders/",
    )
    assert orders.glob == "s3://cadabra/orders/*/*/*/*/*"
    logs = catalog.table("CADABRA", "Purchase_Logs")
    assert (logs.format, logs.layout, logs.prefix) == ("csv", "template", "purchase-logs/")
    assert [(c.name, c.type) for c in logs.columns][:6] == COURSE_COLUMNS
    assert "OpenCSVSerde" in (logs.serde or "")
    assert [t.qualified_name for t in catalog] == ["cadabra.orders", "cadabra.purchase_logs"]


def test_the_template_regex_takes_partitions_from_firehose_keys() -> None:
    orders = Catalog.load(CATALOG).table("cadabra", "orders")
    pattern, names = template_regex(orders.properties)
    key = "s3://cadabra/orders/2026/11/05/13/Orders-1-2026-11-05-13-00-01-7c1f.parquet"
    match = re.match(pattern, key)
    assert match is not None
    assert dict(zip(names, match.groups(), strict=True)) == {
        "year": "2026",
        "month": "11",
        "day": "05",
        "hour": "13",
    }
    assert re.match(pattern, "s3://cadabra/orders/2026/11/05/x") is None


def test_a_projected_date_spans_as_many_folders_as_its_format(tmp_path: Path) -> None:
    table = _catalog(
        tmp_path,
        "CREATE EXTERNAL TABLE db.logs (line string) PARTITIONED BY (dt string, region string) "
        f"LOCATION 's3://logs/raw/' {PROJECTION};",
    ).table("db", "logs")
    assert table.glob == "s3://logs/raw/*/*/*/*/*/*"
    pattern, names = template_regex(table.properties)
    match = re.match(pattern, "s3://logs/raw/eu/2026/11/05/13/object")
    assert match is not None
    assert dict(zip(names, match.groups(), strict=True)) == {
        "region": "eu",
        "dt": "2026/11/05/13",
    }


def test_hive_style_and_unpartitioned_layouts(tmp_path: Path) -> None:
    catalog = _catalog(
        tmp_path,
        "CREATE EXTERNAL TABLE db.h (a int) PARTITIONED BY (year string, month string) "
        "STORED AS PARQUET LOCATION 's3://b/h';\n"
        "CREATE EXTERNAL TABLE db.flat (a int) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' "
        "LOCATION 's3://b/flat/';",
    )
    hive = catalog.table("db", "h")
    assert (hive.layout, hive.glob) == ("hive", "s3://b/h/year=*/month=*/*")
    assert "hive_partitioning = true" in view_sql(hive)
    flat = catalog.table("db", "flat")
    assert (flat.layout, flat.format, flat.glob) == ("none", "csv", "s3://b/flat/**")


def test_an_unknown_table_or_database_is_entity_not_found() -> None:
    catalog = Catalog.load(CATALOG)
    with pytest.raises(EntityNotFoundException, match="Table nope not found in database cadabra"):
        catalog.table("cadabra", "nope")
    with pytest.raises(EntityNotFoundException, match="Database shop not found") as caught:
        catalog.table("shop", "orders")
    assert (caught.value.code, caught.value.database, caught.value.table) == (
        "EntityNotFoundException",
        "shop",
        "orders",
    )


@pytest.mark.parametrize(
    ("ddl", "expected"),
    [
        (
            "CREATE EXTERNAL TABLE nowhere.t (a int) LOCATION 's3://b/';",
            "database nowhere does not exist",
        ),
        (
            "CREATE EXTERNAL TABLE db.t (a int) PARTITIONED BY (y string) LOCATION 's3://b/' "
            "TBLPROPERTIES ('projection.enabled'='true', 'storage.location.template'='s3://b/${y}/');",
            "missing projection configuration: y",
        ),
        (
            "CREATE EXTERNAL TABLE db.t (a int) PARTITIONED BY (y string, m string) "
            "LOCATION 's3://b/' TBLPROPERTIES ('projection.enabled'='true', "
            "'projection.y.type'='integer', 'projection.m.type'='integer', "
            "'storage.location.template'='s3://b/${y}/');",
            "must contain templates for all partition columns",
        ),
        (
            "CREATE EXTERNAL TABLE db.t (a int) PARTITIONED BY (y string) LOCATION 's3://b/' "
            "TBLPROPERTIES ('storage.location.template'='s3://b/${y}/');",
            "only used with 'projection.enabled'='true'",
        ),
        (
            "CREATE EXTERNAL TABLE db.t (a int) PARTITIONED BY (a string) LOCATION 's3://b/';",
            "partition columns repeat data columns: a",
        ),
        (
            "CREATE EXTERNAL TABLE db.t (a int) STORED AS AVRO LOCATION 's3://b/';",
            "STORED AS AVRO is not supported",
        ),
    ],
)
def test_a_table_athena_would_refuse_is_a_ddl_error(
    tmp_path: Path, ddl: str, expected: str
) -> None:
    with pytest.raises(DdlError, match=re.escape(expected)) as caught:
        _catalog(tmp_path, ddl)
    assert caught.value.line == 2
    assert caught.value.path == tmp_path / "t.sql"


def test_formats_follow_stored_as_input_format_or_serde(tmp_path: Path) -> None:
    catalog = _catalog(
        tmp_path,
        "CREATE EXTERNAL TABLE db.j (a int) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'"
        " LOCATION 's3://b/j/';\n"
        "CREATE EXTERNAL TABLE db.p (a int) ROW FORMAT SERDE "
        "'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' STORED AS INPUTFORMAT "
        "'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat' OUTPUTFORMAT 'x' "
        "LOCATION 's3://b/p/';\n"
        "CREATE EXTERNAL TABLE db.o (a int) STORED AS ORC LOCATION 's3://b/o/';",
    )
    assert [t.format for t in catalog] == ["json", "orc", "parquet"]


def test_a_catalog_relocates_locations_and_templates() -> None:
    moved = Catalog.load(CATALOG).relocated("test-bucket", "/run/42/")
    orders = moved.table("cadabra", "orders")
    assert orders.location == "s3://test-bucket/run/42/orders/"
    assert orders.template == "s3://test-bucket/run/42/orders/${year}/${month}/${day}/${hour}/"
    assert orders.glob == "s3://test-bucket/run/42/orders/*/*/*/*/*"


def test_a_missing_catalog_folder_is_an_empty_catalog(tmp_path: Path) -> None:
    assert len(Catalog.load(tmp_path / "absent")) == 0


@pytest.mark.parametrize(
    ("hive", "duck"),
    [
        ("string", "VARCHAR"),
        ("varchar(20)", "VARCHAR"),
        ("int", "INTEGER"),
        ("decimal(10,2)", "DECIMAL(10,2)"),
        ("decimal", "DECIMAL(10,0)"),
        ("array<string>", "VARCHAR[]"),
        ("map<string,bigint>", "MAP(VARCHAR, BIGINT)"),
        ("struct<a:int,b:array<double>>", 'STRUCT("a" INTEGER, "b" DOUBLE[])'),
    ],
)
def test_hive_types_map_to_duckdb_types(hive: str, duck: str) -> None:
    assert duckdb_type(hive) == duck
    assert Column("c", hive).duckdb_type == duck


def test_an_empty_location_is_an_empty_view_with_the_declared_columns() -> None:
    connection = duckdb.connect()
    connection.execute("CREATE SCHEMA cadabra")
    orders = Catalog.load(CATALOG).table("cadabra", "orders")
    connection.execute(view_sql(orders, has_objects=False))
    result = connection.execute("SELECT * FROM cadabra.orders")
    assert result.fetchall() == []
    described = connection.execute("DESCRIBE cadabra.orders").fetchall()
    assert [(row[0], row[1]) for row in described][3:6] == [
        ("quantity", "INTEGER"),
        ("invoicedate", "VARCHAR"),
        ("unitprice", "DOUBLE"),
    ]
    assert [row[0] for row in described][-4:] == ["year", "month", "day", "hour"]
