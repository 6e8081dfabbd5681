"""Benchmark: how long a record takes to reach polling KCL consumers sharing one shard.

Every consumer application that polls GetRecords shares the shard's 5 calls/s (AWS's quota, on the
real clock here). One consumer polling with the KCL's default idle time (1,500 ms) sees a record
within about one poll interval; ten consumers on the same shard exceed the 5 calls/s together, are
throttled and retry, and see the ~2 s propagation delay AWS documents for shared-throughput
consumers (the reason enhanced fan-out exists). Records are put every 100 ms with their send time;
each consumer notes when it gets each one (a consumer starting at LATEST misses the records put
before its first iterator). Prints mean/p50/p90 per consumer count and one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from endpoint import client, process
from rich.console import Console
from rich.table import Table

from cadabra.stack.net import free_port_block
from cadabra.stack.testing import configured_or_native_bootstrap
from processors.kcl import KclSettings, Scheduler

console = Console(stderr=True)


class Stopwatch:
    """A record processor noting each record's delay (now minus the send time it carries)."""

    delays: list[float]
    lock = threading.Lock()

    def __init__(self, delays: list[float], ready: threading.Event) -> None:
        self.delays, self.ready = delays, ready

    def initialize(self, shard_id: str, extended_sequence_number: Any) -> None:
        self.ready.set()

    def process_records(self, records: list[Any], checkpointer: Any, millis_behind: int) -> None:
        now = time.time()
        with self.lock:
            self.delays += [now - float(record.data) for record in records]

    def lease_lost(self) -> None:
        """Nothing to release."""

    def shard_ended(self, checkpointer: Any) -> None:
        checkpointer.checkpoint()

    def shutdown_requested(self, checkpointer: Any) -> None:
        """Nothing to flush."""


def measure(url: str, consumers: int, seconds: float, folder: Path) -> list[float]:
    kinesis = client(url)
    stream = f"bench-kcl-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    delays: list[float] = []
    workers: list[tuple[Scheduler, threading.Thread, threading.Event]] = []
    for n in range(consumers):  # each its own application: each reads the whole shard
        ready = threading.Event()
        settings = KclSettings(
            lease_db_path=folder / f"{stream}-{n}.sqlite3",
            shard_consumer_dispatch_poll_ms=100,
        )
        worker = Scheduler(
            f"app-{n}",
            stream,
            lambda ready=ready: Stopwatch(delays, ready),  # type: ignore[misc]
            settings=settings,
            endpoint_url=url,
        )
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        workers.append((worker, thread, ready))
    for _, _, ready in workers:
        if not ready.wait(60):
            raise SystemExit("a consumer did not start")
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        kinesis.put_record(StreamName=stream, Data=repr(time.time()).encode(), PartitionKey="k")
        time.sleep(0.1)  # the offered load: 10 records/s, far under the shard's limits
    time.sleep(5)  # the last records reach the slowest consumers
    for worker, thread, _ in workers:
        worker.shutdown(timeout_s=10)
        thread.join(10)
    kinesis.delete_stream(StreamName=stream)
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    figures: dict[str, Any] = {}
    table = Table(title="polling consumers on one shard (5 GetRecords/s shared)")
    for column in ("consumers", "records seen", "mean s", "p50 s", "p90 s"):
        table.add_column(column, justify="right")
    with configured_or_native_bootstrap() as bootstrap, tempfile.TemporaryDirectory() as folder:
        port = free_port_block(1)
        env = {"CADABRA_KAFKA_BOOTSTRAP": bootstrap, "CADABRA_ENDPOINT_PORT": str(port)}
        with process([sys.executable, "-m", "cadabra.endpoint"], port, env) as url:
            for consumers in (1, 10):
                console.print(f"{consumers} consumer(s), {args.seconds:g} s")
                delays = sorted(measure(url, consumers, args.seconds, Path(folder)))
                mean, p50 = statistics.fmean(delays), statistics.median(delays)
                p90 = delays[int(len(delays) * 0.9)]
                figures[f"consumers_{consumers}"] = {
                    "mean_s": mean, "p50_s": p50, "p90_s": p90, "n": len(delays)
                }  # fmt: skip
                table.add_row(
                    str(consumers), f"{len(delays):,}", f"{mean:.2f}", f"{p50:.2f}", f"{p90:.2f}"
                )
    console.print(table)
    print(json.dumps({"bench": "consumers", **figures}))


if __name__ == "__main__":
    main()
