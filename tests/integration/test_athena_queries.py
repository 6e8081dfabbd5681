"""The named queries of sql/queries/ over the catalog of sql/catalog/, on the real S3 server.

Course-like rows from `producers.loggen` are written the way the pipeline delivers them: raw CSV
lines (Excel dialect, `\\r\\n`, plain and gzip objects) under `purchase-logs/` and Parquet
converted from the agent's CSVTOJSON records (Country keeps its `\\r`) under `orders/`, both in
Firehose's `YYYY/MM/dd/HH/` layout. Every named query's result must equal the same aggregate
computed in Python from the source rows. Each test relocates the catalog under its own prefix.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from cadabra.athena import AthenaSettings, Engine
from cadabra.athena.catalog import Catalog
from cadabra.athena.commands import register, run_query
from cadabra.config import AwsSettings, S3Settings
from cadabra.demo.pipeline import ORDER_FIELDS
from cadabra.stack.testing import StackEndpoints
from producers.loggen import SyntheticSource

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SQL = Path(__file__).resolve().parents[2] / "sql"
QUERIES = SQL / "queries"
_SOURCE = SyntheticSource(seed=7)
# Every 97th row: ~5,600 rows spread over the data's whole year (2010-12 .. 2011-12).
FIELDS: list[list[str]] = [_SOURCE.row(index) for index in range(0, len(_SOURCE), 97)] + [
    # A description with a comma and quotes: quoted in the CSV, as csv.writer does.
    [
        "C562001",
        "23084",
        'RABBIT NIGHT LIGHT, "PINK"',
        "-2",
        "2/13/2011 14:05",
        "2.08",
        "",
        "France",
    ]
]
_ARROW = {"string": pa.string(), "int": pa.int32(), "double": pa.float64()}


@dataclass(frozen=True)
class Line:
    invoiceno: str
    stockcode: str
    description: str
    quantity: int
    when: datetime
    unitprice: float
    country: str

    @classmethod
    def of(cls, fields: list[str]) -> Line:
        when = datetime.strptime(fields[4], "%m/%d/%Y %H:%M")  # noqa: DTZ007 - naive, as in the CSV
        return cls(
            fields[0], fields[1], fields[2], int(fields[3]), when, float(fields[5]), fields[7]
        )

    @property
    def partition(self) -> tuple[str, str, str, str]:
        """Where the test delivers the line: its invoice month (day 01, hour 00)."""
        return (f"{self.when:%Y}", f"{self.when:%m}", "01", "00")


LINES = [Line.of(fields) for fields in FIELDS]


@pytest.fixture(scope="module")
def engine(stack: StackEndpoints) -> Iterator[Engine]:
    s3 = S3Settings(endpoint_url=stack.s3_endpoint_url, bucket=stack.bucket)
    aws = AwsSettings.model_validate(
        {
            "AWS_ACCESS_KEY_ID": stack.access_key,
            "AWS_SECRET_ACCESS_KEY": stack.secret_key,
            "AWS_DEFAULT_REGION": stack.region,
        }
    )
    with Engine(AthenaSettings(), s3, aws) as engine:
        yield engine


def _catalog_dir(target: Path, bucket: str, root: str) -> Path:
    """sql/catalog with every s3://cadabra/ location moved to s3://<bucket>/<root>/."""
    target.mkdir(parents=True)
    for path in (SQL / "catalog").glob("*.sql"):
        text = path.read_text().replace("s3://cadabra/", f"s3://{bucket}/{root}/")
        (target / path.name).write_text(text)
    return target


def _csv_lines(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)  # the log generator's Excel dialect: \r\n, minimal quoting
    return out.getvalue().encode()


def _parquet(rows: list[list[str]], catalog: Catalog) -> bytes:
    """The agent's CSVTOJSON records (Country keeps the line's \\r), converted with the table's
    schema as Firehose's OpenX JSON SerDe + Parquet serializer would."""
    table = catalog.table("cadabra", "orders")
    records = [dict(zip(ORDER_FIELDS, [*row[:7], row[7] + "\r"], strict=True)) for row in rows]
    lowered = [{key.lower(): value for key, value in record.items()} for record in records]
    converters = {"string": str, "int": int, "double": float}
    by_column = {  # the agent's `Customer` key is the table's `customer` column
        c.name: [converters[c.type](record[c.name]) for record in lowered] for c in table.columns
    }
    schema = pa.schema([(c.name, _ARROW[c.type]) for c in table.columns])
    buffer = io.BytesIO()
    pq.write_table(pa.table(by_column, schema=schema), buffer, compression="snappy")
    return buffer.getvalue()


def _deliver(s3: S3Client, bucket: str, root: str, catalog: Catalog) -> None:
    """Two objects per partition and table, named as Firehose names them."""
    parts: dict[tuple[str, ...], list[list[str]]] = defaultdict(list)
    for fields, line in zip(FIELDS, LINES, strict=True):
        parts[line.partition].append(fields)
    for partition, rows in parts.items():
        folder = "/".join(partition)
        name = f"PurchaseLogs-1-{'-'.join(partition)}-00-00-{uuid.uuid4()}"
        first, second = rows[: len(rows) // 2], rows[len(rows) // 2 :]
        put = s3.put_object
        put(Bucket=bucket, Key=f"{root}/purchase-logs/{folder}/{name}", Body=_csv_lines(first))
        put(
            Bucket=bucket,
            Key=f"{root}/purchase-logs/{folder}/{name}-b.gz",
            Body=gzip.compress(_csv_lines(second)),
        )
        for index, chunk in enumerate((first, second)):
            key = f"{root}/orders/{folder}/Orders-1-{'-'.join(partition)}-00-00-{index}"
            put(Bucket=bucket, Key=key, Body=_parquet(chunk, catalog))


@pytest.fixture(scope="module")
def delivered(
    stack: StackEndpoints, s3: S3Client, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A catalog folder whose tables hold LINES; returns the folder."""
    root = f"athena-queries/{uuid.uuid4().hex}"
    catalog_dir = _catalog_dir(tmp_path_factory.mktemp("catalog") / "sql", stack.bucket, root)
    _deliver(s3, stack.bucket, root, Catalog.load(catalog_dir))
    return catalog_dir


def _run(engine: Engine, catalog_dir: Path, name: str, **params: str) -> list[tuple[Any, ...]]:
    result, title = run_query(name, params, catalog_dir, QUERIES, engine)
    assert title == name
    return result.rows


def _france_descriptions(year: int, month: int) -> list[tuple[str, int]]:
    counts = Counter(
        line.description
        for line in LINES
        if line.country == "France" and (line.when.year, line.when.month) == (year, month)
    )
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def test_france_descriptions_counts_a_months_french_lines(engine: Engine, delivered: Path) -> None:
    expected = _france_descriptions(2011, 2)
    assert ('RABBIT NIGHT LIGHT, "PINK"', 1) in expected
    assert len(expected) > 3
    assert _run(engine, delivered, "france_descriptions", year="2011", month="02") == expected
    assert _run(engine, delivered, "france_descriptions", year="2011", month="2") == expected
    # Without parameters: the latest month that holds deliveries.
    latest = max((line.when.year, line.when.month) for line in LINES)
    assert _run(engine, delivered, "france_descriptions") == _france_descriptions(*latest)


def test_orders_by_country_day_counts_invoices_lines_and_revenue(
    engine: Engine, delivered: Path
) -> None:
    groups: dict[tuple[str, date], list[Line]] = defaultdict(list)
    for line in LINES:
        groups[(line.country, line.when.date())].append(line)
    expected = [
        (
            country,
            day,
            len({x.invoiceno for x in lines}),
            len(lines),
            sum(x.quantity * x.unitprice for x in lines),
        )
        for (country, day), lines in sorted(groups.items(), key=lambda item: item[0][::-1])
    ]
    rows = _run(engine, delivered, "orders_by_country_day")
    assert [row[:4] for row in rows] == [row[:4] for row in expected]
    assert [row[4] for row in rows] == pytest.approx([row[4] for row in expected], abs=0.006)
    assert {row[0] for row in rows} >= {"United Kingdom", "France", "Germany"}


def _top_products(limit: int) -> list[tuple[str, str | None, int, int]]:
    groups: dict[str, list[Line]] = defaultdict(list)
    for line in LINES:
        groups[line.stockcode].append(line)
    totals = [
        (
            code,
            max((x.description for x in lines if x.description), default=None),
            sum(x.quantity for x in lines),
            len({x.invoiceno for x in lines}),
        )
        for code, lines in groups.items()
    ]
    return sorted(totals, key=lambda row: (-row[2], row[0]))[:limit]


def test_top_products_ranks_net_quantities(engine: Engine, delivered: Path) -> None:
    assert _run(engine, delivered, "top_products") == _top_products(10)
    assert _run(engine, delivered, "top_products", limit="3") == _top_products(3)


def test_purchase_logs_by_hour_counts_each_delivery_partition(
    engine: Engine, delivered: Path
) -> None:
    groups: dict[tuple[str, ...], list[Line]] = defaultdict(list)
    for line in LINES:
        groups[line.partition].append(line)
    rows = _run(engine, delivered, "purchase_logs_by_hour")
    assert [row[:5] for row in rows] == [
        (*partition, len(lines)) for partition, lines in sorted(groups.items())
    ]
    revenue = [sum(x.quantity * x.unitprice for x in groups[p]) for p in sorted(groups)]
    assert [row[5] for row in rows] == pytest.approx(revenue, abs=0.006)


def test_the_tables_hold_every_source_row_with_partitions_from_keys(
    engine: Engine, delivered: Path
) -> None:
    sql = "SELECT count(*), count(DISTINCT year || month), sum(quantity) FROM cadabra.{}"
    expected = (
        len(LINES),
        len({line.partition for line in LINES}),
        sum(line.quantity for line in LINES),
    )
    for table in ("orders", "purchase_logs"):
        result, _ = run_query(sql.format(table), {}, delivered, QUERIES, engine)
        assert result.rows == [expected]
    result, _ = run_query(
        "SELECT DISTINCT country FROM cadabra.orders WHERE country LIKE 'France%'",
        {},
        delivered,
        QUERIES,
        engine,
    )
    assert result.rows == [("France\r",)]  # as the agent's CSVTOJSON leaves it


def test_empty_locations_give_empty_results_not_errors(engine: Engine, tmp_path: Path) -> None:
    catalog_dir = _catalog_dir(tmp_path / "sql", engine.s3.bucket, f"empty/{uuid.uuid4().hex}")
    for name in ("france_descriptions", "orders_by_country_day", "top_products"):
        assert _run(engine, catalog_dir, name) == []
    result, _ = run_query("SELECT * FROM cadabra.orders", {}, catalog_dir, QUERIES, engine)
    assert result.columns[-4:] == ["year", "month", "day", "hour"]


def test_the_cli_prints_a_named_querys_result_as_json(
    stack: StackEndpoints, delivered: Path
) -> None:
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:
        """Keeps `query` a subcommand."""

    args = [
        "query",
        "top_products",
        "--param",
        "limit=5",
        "--format",
        "json",
        "--catalog-dir",
        str(delivered),
        "--queries-dir",
        str(QUERIES),
    ]
    result = CliRunner().invoke(app, args, env=stack.env())
    assert result.exit_code == 0, result.output
    assert [tuple(row.values()) for row in json.loads(result.stdout)] == _top_products(5)


def test_hive_style_and_json_tables(
    engine: Engine, s3: S3Client, stack: StackEndpoints, tmp_path: Path
) -> None:
    root = f"athena-hive/{uuid.uuid4().hex}"
    (tmp_path / "t.sql").write_text(
        "CREATE DATABASE shop;\n"
        "CREATE EXTERNAL TABLE shop.hive (n int) PARTITIONED BY (year string, month int)\n"
        f"STORED AS PARQUET LOCATION 's3://{stack.bucket}/{root}/hive/';\n"
        "CREATE EXTERNAL TABLE shop.events (name string, qty int, price decimal(10,2))\n"
        "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'\n"
        f"LOCATION 's3://{stack.bucket}/{root}/events/';\n"
    )
    for month in (1, 2):
        buffer = io.BytesIO()
        pq.write_table(pa.table({"n": pa.array([month, 10 * month], pa.int32())}), buffer)
        key = f"{root}/hive/year=2011/month={month:02d}/part-0.parquet"
        s3.put_object(Bucket=stack.bucket, Key=key, Body=buffer.getvalue())
    events = b'{"name": "a", "qty": "6", "price": "2.55"}\n{"name": "b", "qty": 2, "price": 1}\n'
    s3.put_object(Bucket=stack.bucket, Key=f"{root}/events/2011/x.gz", Body=gzip.compress(events))
    sql = "SELECT year, month, sum(n) FROM shop.hive WHERE month = 2 GROUP BY ALL"
    assert run_query(sql, {}, tmp_path, QUERIES, engine)[0].rows == [("2011", 2, 22)]
    sql = "SELECT name, qty, price FROM shop.events ORDER BY name"
    rows = run_query(sql, {}, tmp_path, QUERIES, engine)[0].rows
    assert [(name, qty, str(price)) for name, qty, price in rows] == [
        ("a", 6, "2.55"),
        ("b", 2, "1.00"),
    ]
