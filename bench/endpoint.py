"""Benchmark: boto3 against Cadabra's endpoint, a null server, and kinesalite, in one run.

One boto3 client, 100-byte records:
  * PutRecords records/s (500-record calls, sequential) into a stream wide enough that the
    shard quotas do not bind (32 shards: 32,000 records/s, above what one client reaches here;
    every call's partition keys are new, so its records spread over the shards as a real
    producer's do, instead of the same keys loading the same shards call after call), for
    `--seconds`;
  * PutRecord latency p50/p99 over `--calls` sequential calls, Kafka's acknowledgement included.
The same client runs against a null HTTP server in Node (answers instantly: the client's own
ceiling) and against kinesalite (npm, the reference emulator, installed under .cadabra/bench),
in alternating rounds (`--rounds`, best of each), so that a noisy moment favours none of them.
Ends with one line of JSON holding the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import httpx
from botocore.config import Config
from rich.console import Console
from rich.table import Table

from cadabra.stack.net import free_port_block
from cadabra.stack.testing import configured_or_native_bootstrap

HERE = Path(__file__).resolve().parent
NODE_DIR = HERE.parent / ".cadabra" / "bench" / "node"
KINESALITE = "kinesalite@3.3.3"
SHARDS = 32  # 32,000 records/s of quota: above what one client reaches here
console = Console(stderr=True)


def client(url: str) -> Any:
    return boto3.client(
        "kinesis",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="cadabra",
        aws_secret_access_key="cadabra-secret",  # noqa: S106 - the stack's default
        config=Config(retries={"total_max_attempts": 1}, max_pool_connections=4),
    )


def wait_http(url: str, process: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer in {timeout_s} s")


@contextmanager
def process(argv: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[str]:
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(  # noqa: S603 - our own fixed command lines
            argv, stdout=log, stderr=log, env={**os.environ, **(env or {})}
        )
        try:
            wait_http(url, proc)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def kinesalite_cli() -> Path:
    cli = NODE_DIR / "node_modules" / "kinesalite" / "cli.js"
    if not cli.exists():
        console.print(f"installing {KINESALITE} with npm into {NODE_DIR}")
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        npm = shutil.which("npm") or "npm"
        subprocess.run(  # noqa: S603
            [npm, "install", "--no-audit", "--no-fund", "--prefix", str(NODE_DIR), KINESALITE],
            check=True,
            capture_output=True,
        )
    return cli


def _status(kinesis: Any, name: str) -> str:
    summary = kinesis.describe_stream_summary(StreamName=name)
    return str(summary.get("StreamDescriptionSummary", {}).get("StreamStatus", "ACTIVE"))


def measure(url: str, seconds: float, calls: int) -> dict[str, float]:
    kinesis = client(url)
    name = f"bench-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=name, ShardCount=SHARDS)
    deadline = time.monotonic() + 30
    while _status(kinesis, name) != "ACTIVE" and time.monotonic() < deadline:
        time.sleep(0.1)  # kinesalite creates streams asynchronously
    data = b"o" * 100

    def batch(call: int) -> list[dict[str, Any]]:
        return [{"Data": data, "PartitionKey": f"customer-{call}-{i}"} for i in range(500)]

    for call in range(3):  # warm-up: connections, caches
        kinesis.put_records(StreamName=name, Records=batch(-call))
    sent, failed, start = 0, 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        records = batch(sent)  # a few hundred microseconds, the same for every server
        result = kinesis.put_records(StreamName=name, Records=records)
        sent += len(records)
        failed += result["FailedRecordCount"]
    rps = (sent - failed) / (time.perf_counter() - start)
    latencies = []
    for i in range(calls):
        began = time.perf_counter()
        kinesis.put_record(StreamName=name, Data=b"o" * 100, PartitionKey=f"k{i}")
        latencies.append((time.perf_counter() - began) * 1000)
    latencies.sort()
    kinesis.delete_stream(StreamName=name)
    return {
        "put_records_rps": rps,
        "failed": failed,
        "put_record_p50_ms": latencies[len(latencies) // 2],
        "put_record_p99_ms": latencies[int(len(latencies) * 0.99) - 1],
    }


def best(rounds: list[dict[str, float]]) -> dict[str, float]:
    """Each figure's best round: the most records/s, the lowest latencies; failures of all."""
    pick = {"put_records_rps": max, "failed": sum}
    return {key: pick.get(key, min)(r[key] for r in rounds) for key in rounds[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    node = shutil.which("node") or "node"
    null_port, kinesalite_port, cadabra_port = (free_port_block(1) for _ in range(3))
    kinesalite = [
        node,
        str(kinesalite_cli()),
        "--port",
        str(kinesalite_port),
        "--createStreamMs",
        "0",
        "--deleteStreamMs",
        "0",
        "--shardLimit",
        "200",
    ]
    with (
        configured_or_native_bootstrap() as bootstrap,
        process([node, str(HERE / "null_server.js"), str(null_port)], null_port) as null_url,
        process(kinesalite, kinesalite_port) as kinesalite_url,
        process(
            [sys.executable, "-m", "cadabra.endpoint"],
            cadabra_port,
            {"CADABRA_KAFKA_BOOTSTRAP": bootstrap, "CADABRA_ENDPOINT_PORT": str(cadabra_port)},
        ) as cadabra_url,
    ):
        urls = {"null_server": null_url, "kinesalite": kinesalite_url, "cadabra": cadabra_url}
        runs: dict[str, list[dict[str, float]]] = {server: [] for server in urls}
        for _ in range(args.rounds):  # alternate, so a noisy moment does not favour one server
            for server, url in urls.items():
                runs[server].append(measure(url, args.seconds, args.calls))
    figures = {server: best(rounds) for server, rounds in runs.items()}
    table = Table(title="one boto3 client, 100-byte records")
    columns = ("server", "PutRecords records/s", "failed", "PutRecord p50 ms", "PutRecord p99 ms")
    for column in columns:
        table.add_column(column, justify="right")
    for server, row in figures.items():
        table.add_row(
            server,
            f"{row['put_records_rps']:,.0f}",
            f"{row['failed']:,.0f}",
            f"{row['put_record_p50_ms']:.2f}",
            f"{row['put_record_p99_ms']:.2f}",
        )
    console.print(table)
    ratios = {
        "cadabra_vs_null_server": figures["cadabra"]["put_records_rps"]
        / figures["null_server"]["put_records_rps"],
        "cadabra_vs_kinesalite": figures["cadabra"]["put_records_rps"]
        / figures["kinesalite"]["put_records_rps"],
    }
    console.print(
        f"PutRecords: {ratios['cadabra_vs_null_server']:.2f}x the client's ceiling, "
        f"{ratios['cadabra_vs_kinesalite']:.1f}x kinesalite"
    )
    print(json.dumps({"bench": "endpoint", **figures, **ratios}))


if __name__ == "__main__":
    main()
