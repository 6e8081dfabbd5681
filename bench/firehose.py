"""Benchmark: Firehose delivery as Parquet and Athena's named queries, next to their baselines.

1. Delivery: MB/s of JSON records (the agent's CSVTOJSON orders, ~200 bytes) read from a Direct PUT
   delivery stream's Kafka topic, converted to Parquet (Snappy) with the catalog's `cadabra.orders`
   schema and stored in S3 by the delivery worker, against a baseline that only parses the same
   JSON lines with `pyarrow.json.read_json` and writes Parquet (Snappy) with pyarrow to the same S3
   server, in objects of the same 64 MiB. The worker's time runs from its first read to its last
   stored object (its consumer group's join is left out, as the baseline has none).
2. Queries: latency of every named query (engine, catalog registration and query, as one
   `cadabra query` does) over 1,000,000 rows in S3, against the same queries over the same objects
   in a local folder. Median of 3 runs each.

Ends with one line of JSON holding the figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

# With bench/ on the path, `import producers` would find bench/producers.py: drop it first.
HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]

import argparse
import csv
import dataclasses
import gzip
import io
import json
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from cadabra.athena import AthenaSettings, Engine
from cadabra.athena.catalog import Catalog
from cadabra.athena.layout import TEMPLATE
from cadabra.athena.named import load_named_queries
from cadabra.athena.sql_dirs import sql_dir
from cadabra.config import FirehoseSettings
from cadabra.demo.pipeline import ORDER_FIELDS
from cadabra.firehose import FirehoseService
from cadabra.firehose.testing import s3_destination
from cadabra.stack.testing import StackEndpoints, provide_stack
from producers.loggen import SyntheticSource
from sinks.firehose.service import MANUAL_TAG, DeliveryContext
from sinks.firehose.settings import DeliverySettings

console = Console(stderr=True)
OBJECT_BYTES = 64 * 1024 * 1024
CONVERSION = {
    "SchemaConfiguration": {
        "DatabaseName": "cadabra",
        "TableName": "orders",
        "RoleARN": "arn:aws:iam::000000000000:role/firehose-delivery",
    },
    "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {}}},
    "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {"Compression": "SNAPPY"}}},
}


def course_rows(seed: int) -> Iterator[list[str]]:
    """The course's rows without end: the log generator wraps around at the last row too."""
    source = SyntheticSource(seed=seed)
    while True:
        yield from source.rows()


def order_records(count: int) -> list[bytes]:
    """The agent's CSVTOJSON records of `count` course rows (Country keeps its "\\r")."""
    rows = course_rows(11)
    records = []
    for _ in range(count):
        row = next(rows)
        row[-1] += "\r"
        records.append(json.dumps(dict(zip(ORDER_FIELDS, row, strict=True))).encode() + b"\n")
    return records


# -- 1. delivery -----------------------------------------------------------------------------


def load_stream(firehose: FirehoseService, stack: StackEndpoints, records: list[bytes]) -> str:
    name = f"bench-{uuid.uuid4().hex[:8]}"
    firehose.create_delivery_stream(
        name,
        extended_s3_destination_configuration=s3_destination(
            stack.bucket,
            Prefix=f"bench/{name}/",
            ErrorOutputPrefix=f"bench/{name}-errors/!{{firehose:error-output-type}}/",
            BufferingHints={"SizeInMBs": 64, "IntervalInSeconds": 900},
            DataFormatConversionConfiguration=CONVERSION,
        ),
        tags=[{"Key": MANUAL_TAG, "Value": "manual"}],
    )
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("loading the delivery stream", total=len(records))
        for start in range(0, len(records), 500):
            batch = [{"Data": record} for record in records[start : start + 500]]
            answer = firehose.put_record_batch(name, batch)
            if answer["FailedPutCount"]:
                raise SystemExit(f"loading failed: {answer['RequestResponses'][:3]}")
            progress.advance(task, len(batch))
    return name


def worker_rate(stack: StackEndpoints, name: str, count: int, total_bytes: int) -> float:
    kafka, s3, aws = stack.settings()
    context = DeliveryContext(kafka=kafka, settings=DeliverySettings(), s3=s3, aws=aws)
    state = context.lookup(name)
    if state is None:
        raise SystemExit(f"delivery stream {name} vanished")
    worker = context.worker(state)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    incoming = context.metrics.incoming_records.labels(name)
    while incoming._value.get() < count:
        time.sleep(0.05)  # polling the worker's counter, the measured work runs meanwhile
    stop.set()  # the graceful stop stores the last, partial buffer
    thread.join()
    ended = time.monotonic()
    rows = context.metrics.records.labels(name)._value.get()
    context.close()
    if rows != count or worker.first_read_s is None:
        raise SystemExit(f"{rows} of {count} rows delivered")
    return total_bytes / (ended - worker.first_read_s) / 1e6


def baseline_rate(stack: StackEndpoints, records: list[bytes], total_bytes: int) -> float:
    """pyarrow.json.read_json + pq.write_table (Snappy) + PutObject, per 64 MiB of JSON."""
    s3 = stack.s3_client()
    prefix = f"bench/baseline-{uuid.uuid4().hex[:8]}/"
    started = time.monotonic()
    chunk: list[bytes] = []
    size, number = 0, 0
    for record in [*records, None]:
        if record is not None and size + len(record) <= OBJECT_BYTES:
            chunk.append(record)
            size += len(record)
            continue
        table = pa_json.read_json(io.BytesIO(b"".join(chunk)))
        out = io.BytesIO()
        pq.write_table(table, out, compression="snappy")
        s3.put_object(Bucket=stack.bucket, Key=f"{prefix}{number}.parquet", Body=out.getvalue())
        number += 1
        chunk, size = ([record], len(record)) if record is not None else ([], 0)
    return total_bytes / (time.monotonic() - started) / 1e6


# -- 2. queries ------------------------------------------------------------------------------


def write_tables(stack: StackEndpoints, rows: int, local: Path, root: str) -> None:
    """1,000,000 rows of orders (Parquet) and purchase logs (gzip CSV) in S3 and in `local`."""
    s3 = stack.s3_client()
    source = course_rows(5)
    parts = 8
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("writing 2 tables x 8 objects", total=parts)
        for part in range(parts):
            block = [next(source) for _ in range(rows // parts)]
            hour = f"2026/11/29/{10 + part % 2:02d}"
            name = f"bench-1-2026-11-29-{10 + part % 2:02d}-00-00-{uuid.uuid4()}"
            objects = {
                f"orders/{hour}/{name}": _parquet(block),
                f"purchase-logs/{hour}/{name}.gz": _csv_gz(block),
            }
            for key, body in objects.items():
                s3.put_object(Bucket=stack.bucket, Key=f"{root}/{key}", Body=body)
                path = local / key
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(body)
            progress.advance(task)


def _parquet(block: list[list[str]]) -> bytes:
    columns = list(zip(*block, strict=True))
    table = pa.table(
        {
            "invoiceno": pa.array(columns[0]),
            "stockcode": pa.array(columns[1]),
            "description": pa.array(columns[2]),
            "quantity": pa.array([int(q) for q in columns[3]], pa.int32()),
            "invoicedate": pa.array(columns[4]),
            "unitprice": pa.array([float(p) for p in columns[5]]),
            "customer": pa.array(columns[6]),
            "country": pa.array([c + "\r" for c in columns[7]]),
        }
    )
    out = io.BytesIO()
    pq.write_table(table, out, compression="snappy")
    return out.getvalue()


def _csv_gz(block: list[list[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows(block)
    return gzip.compress(text.getvalue().encode(), mtime=0)


def local_catalog(catalog: Catalog, folder: Path) -> Catalog:
    """The catalog with every table's location (and template) in a local folder."""
    moved = Catalog(list(catalog.databases.values()))
    for table in catalog:
        old = f"s3://{table.bucket}/"
        properties = dict(table.properties)
        if table.template is not None:
            properties[TEMPLATE] = f"{folder}/" + table.template[len(old) :]
        location = f"{folder}/" + table.location[len(old) :]
        moved.add(dataclasses.replace(table, location=location, properties=properties))
    return moved


def query_latency(
    stack: StackEndpoints, catalog: Catalog, sql: str, params: dict[str, str]
) -> float:
    """One `cadabra query`: engine, catalog registration, query; median seconds of 3 runs."""
    _, s3, aws = stack.settings()
    times = []
    for _ in range(3):
        started = time.monotonic()
        with Engine(AthenaSettings(), s3, aws) as engine:
            engine.register_catalog(catalog)
            engine.query(sql, params or None)
        times.append(time.monotonic() - started)
    return statistics.median(times)


def queries(stack: StackEndpoints, rows: int) -> dict[str, dict[str, float]]:
    root = f"bench-athena-{uuid.uuid4().hex[:8]}"
    found: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        write_tables(stack, rows, Path(folder), root)
        catalog = Catalog.load(sql_dir("catalog"))
        on_s3 = catalog.relocated(stack.bucket, root)
        local = local_catalog(catalog, Path(folder))
        for name, query in load_named_queries(sql_dir("queries")).items():
            params = {"year": "2026", "month": "11"} if "year" in query.parameters else {}
            bound = query.bind(params)
            s3_s = query_latency(stack, on_s3, query.sql, bound)
            local_s = query_latency(stack, local, query.sql, bound)
            found[name] = {"s3_s": s3_s, "local_s": local_s, "ratio": s3_s / local_s}
            console.print(f"{name}: S3 {s3_s * 1000:.0f} ms, local {local_s * 1000:.0f} ms")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--records", type=int, default=300_000, help="delivery: JSON records")
    parser.add_argument("--rows", type=int, default=1_000_000, help="queries: rows per table")
    args = parser.parse_args()
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as home, provide_stack(Path(home)) as stack:
        records = order_records(args.records)
        total = sum(len(r) for r in records)
        kafka, _, aws = stack.settings()
        firehose = FirehoseService(kafka, FirehoseSettings(quota_enabled=False), aws=aws)
        try:
            name = load_stream(firehose, stack, records)
            console.print(f"delivery: {args.records:,} JSON records, {total / 1e6:.1f} MB")
            figures["worker_parquet_mb_per_s"] = worker_rate(stack, name, args.records, total)
            figures["pyarrow_baseline_mb_per_s"] = baseline_rate(stack, records, total)
            firehose.delete_delivery_stream(name)
        finally:
            firehose.close()
        figures["worker_vs_baseline"] = (
            figures["worker_parquet_mb_per_s"] / figures["pyarrow_baseline_mb_per_s"]
        )
        figures["queries"] = queries(stack, args.rows)
    figures["worst_query_s3_vs_local"] = max(q["ratio"] for q in figures["queries"].values())
    show(figures)
    print(json.dumps({"bench": "firehose", **figures}))


def show(figures: dict[str, Any]) -> None:
    table = Table(title="Firehose delivery and Athena queries next to their baselines")
    for column in ("measure", "Cadabra", "baseline", "ratio"):
        table.add_column(column, justify="right")
    table.add_row(
        "JSON -> Parquet (Snappy) -> S3, MB/s",
        f"{figures['worker_parquet_mb_per_s']:.1f}",
        f"{figures['pyarrow_baseline_mb_per_s']:.1f} (pyarrow)",
        f"{figures['worker_vs_baseline']:.2f}x",
    )
    for name, query in figures["queries"].items():
        table.add_row(
            f"query {name}, ms",
            f"{query['s3_s'] * 1000:.0f} (S3)",
            f"{query['local_s'] * 1000:.0f} (local)",
            f"{query['ratio']:.2f}x",
        )
    console.print(table)


if __name__ == "__main__":
    sys.exit(main())
