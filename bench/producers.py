"""Benchmark: the producers next to their plain baselines, in one run.

1. Kinesis Agent: lines/s from a log file to a stream (4 shards, quotas lifted) through Cadabra's
   endpoint, against a plain loop that reads the same file and sends PutRecords of 500 lines with
   one boto3 client (what the agent would be without tailing, checkpoints and its journal).
2. KPL: user records/s of 100-byte records into ONE shard under AWS's quotas (1,000 records/s,
   1 MiB/s on the real clock), aggregated vs plain PutRecords (bench/kpl_aggregation.py).

Ends with one line of JSON holding the figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This script is bench/producers.py: with bench/ on the path, `import producers` would find it
# instead of the producers package. So the package is imported first, then the bench's helpers.
HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]

import argparse
import json
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.table import Table

from cadabra.stack.net import free_port_block
from cadabra.stack.testing import configured_or_native_bootstrap
from producers.agent.agent import Agent
from producers.agent.config import parse_config
from producers.agent.settings import AgentSettings
from producers.loggen.generator import LogGenerator
from producers.loggen.settings import LogGenSettings

sys.path.append(str(HERE))
from endpoint import client as kinesis  # bench/endpoint.py
from endpoint import process
from kpl_aggregation import endpoint_with_aws_quotas, measure_kpl  # bench/kpl_aggregation.py

console = Console(stderr=True)
SHARDS = 4


@contextmanager
def endpoint_without_quotas(bootstrap: str) -> Iterator[str]:
    """`cadabra endpoint` in a process of its own, quotas lifted (the producers are measured)."""
    port = free_port_block(1)
    env = {
        "CADABRA_KAFKA_BOOTSTRAP": bootstrap,
        "CADABRA_ENDPOINT_PORT": str(port),
        "CADABRA_QUOTA_ENABLED": "false",
    }
    with process([sys.executable, "-m", "cadabra.endpoint"], port, env) as url:
        yield url


def new_stream(client: Any) -> str:
    name = f"bench-agent-{uuid.uuid4().hex[:8]}"
    client.create_stream(StreamName=name, ShardCount=SHARDS)
    return name


def write_log(folder: Path, lines: int) -> Path:
    settings = LogGenSettings(log_dir=folder, state_file=folder / "LastLine.txt")
    return LogGenerator.from_settings(settings).run(lines)


def agent_rate(url: str, log: Path, lines: int, client: Any) -> float:
    stream = new_stream(client)
    config = parse_config(
        {
            "checkpointFile": str(log.parent / f"checkpoints-{stream}"),
            "flows": [
                {
                    "filePattern": str(log.parent / "*.log"),
                    "kinesisStream": stream,
                    "initialPosition": "START_OF_FILE",
                    "maxBufferAgeMillis": 1000,
                }
            ],
        }
    )
    agent = Agent(config, AgentSettings(endpoint_url=url))
    began = time.perf_counter()
    try:
        if not agent.run_until(lambda: agent.metrics.records_sent >= lines, timeout_s=600):
            raise SystemExit(f"the agent sent {agent.metrics.records_sent} of {lines} lines")
        elapsed = time.perf_counter() - began
    finally:
        agent.stop()
    client.delete_stream(StreamName=stream)
    return lines / elapsed


def plain_rate(log: Path, client: Any) -> float:
    """Read the file, PutRecords 500 lines a call, resend failed entries: the baseline."""
    stream = new_stream(client)
    began = time.perf_counter()
    lines = log.read_bytes().splitlines(keepends=True)
    for start in range(0, len(lines), 500):
        pending = [
            {"Data": line, "PartitionKey": str(random.random() * 1_000_000)}  # RANDOM, as the agent
            for line in lines[start : start + 500]
        ]
        while pending:
            result = client.put_records(StreamName=stream, Records=pending)
            pending = [
                r for r, o in zip(pending, result["Records"], strict=True) if "ErrorCode" in o
            ]
    elapsed = time.perf_counter() - began
    client.delete_stream(StreamName=stream)
    return len(lines) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--lines", type=int, default=100_000, help="agent: lines in the log")
    parser.add_argument("--seconds", type=float, default=8.0, help="KPL: measured window")
    args = parser.parse_args()
    figures: dict[str, Any] = {}
    with configured_or_native_bootstrap() as bootstrap, tempfile.TemporaryDirectory() as folder:
        log = write_log(Path(folder), args.lines)
        with endpoint_without_quotas(bootstrap) as url:
            client = kinesis(url)
            console.print(f"agent: {args.lines:,} lines from {log.name} to {SHARDS} shards")
            figures["agent_lines_per_s"] = agent_rate(url, log, args.lines, client)
            figures["plain_put_records_lines_per_s"] = plain_rate(log, client)
    figures["agent_vs_plain"] = (
        figures["agent_lines_per_s"] / figures["plain_put_records_lines_per_s"]
    )
    console.print("KPL: 100-byte records into one shard under AWS quotas (real clock)")
    with endpoint_with_aws_quotas() as url:
        plain = measure_kpl(url, aggregation=False, seconds=args.seconds)
        aggregated = measure_kpl(url, aggregation=True, seconds=args.seconds)
    figures["kpl_plain_records_per_s"] = plain["user_records_per_s"]
    figures["kpl_aggregated_records_per_s"] = aggregated["user_records_per_s"]
    figures["kpl_vs_plain"] = aggregated["user_records_per_s"] / max(plain["user_records_per_s"], 1)
    table = Table(title="producers next to their baselines")
    for column in ("measure", "producer", "baseline", "ratio"):
        table.add_column(column, justify="right")
    table.add_row(
        "agent lines/s (quotas lifted)",
        f"{figures['agent_lines_per_s']:,.0f}",
        f"{figures['plain_put_records_lines_per_s']:,.0f} (PutRecords loop)",
        f"{figures['agent_vs_plain']:.2f}x",
    )
    table.add_row(
        "KPL user records/s (1 shard, AWS quotas)",
        f"{figures['kpl_aggregated_records_per_s']:,.0f}",
        f"{figures['kpl_plain_records_per_s']:,.0f} (plain PutRecords)",
        f"{figures['kpl_vs_plain']:.1f}x",
    )
    console.print(table)
    print(json.dumps({"bench": "producers", **figures}))


if __name__ == "__main__":
    main()
