"""The foundation's demo: one shard of `CadabraOrders` offered three times its write limit.

Producers offer `factor` x the shard's 1,000 records/s for `seconds`, keep every order that was
throttled and resend it with exponential backoff (only the failed entries, as AWS advises), then
drain their backlog. A live table shows, per second, the new orders, the entries the shard
accepted and those it throttled. At the end the shard is read back with GetRecords to show that
every order arrived exactly once.
"""

from __future__ import annotations

import contextlib
import functools
import random
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rich.console import Console
from rich.live import Live
from rich.table import Table

from cadabra.errors import ProvisionedThroughputExceededException, ResourceNotFoundException
from cadabra.quotas import Backoff, retry_call
from cadabra.streams import PutRecordsEntry, StreamsService

__all__ = ["DemoReport", "SecondStats", "run_overload_demo"]

STREAM = "CadabraOrders"
TICK_S = 0.1


@dataclass(slots=True)
class SecondStats:
    second: int
    new: int = 0
    accepted: int = 0
    throttled: int = 0
    backlog: int = 0


@dataclass(slots=True)
class DemoReport:
    seconds: list[SecondStats] = field(default_factory=list)
    generated: int = 0
    stored: int = 0
    duplicates: int = 0

    @property
    def lost(self) -> int:
        return self.generated - (self.stored - self.duplicates)


def run_overload_demo(
    streams: StreamsService,
    orders: Iterator[tuple[str, bytes]],
    *,
    seconds: int = 10,
    factor: float = 3.0,
    console: Console | None = None,
) -> DemoReport:
    console = console or Console()
    _create_stream(streams)
    limit = streams.quotas.limits.write_records_per_s
    per_tick = round(float(limit) * factor * TICK_S)
    report = DemoReport()
    live = Live(
        _table(report, limit, factor), console=console, refresh_per_second=4, transient=True
    )
    with live:
        _produce(
            streams,
            orders,
            per_tick,
            seconds,
            report,
            lambda: live.update(_table(report, limit, factor)),
        )
    console.print(_table(report, limit, factor, last=None))
    report.stored, report.duplicates = _read_back(streams)
    return report


def _create_stream(streams: StreamsService) -> None:
    # A fresh stream each run, so the read-back counts this run's orders only.
    with contextlib.suppress(ResourceNotFoundException):
        streams.delete_stream(stream_name=STREAM)
    streams.create_stream(STREAM, 1)


def _produce(
    streams: StreamsService,
    orders: Iterator[tuple[str, bytes]],
    per_tick: int,
    seconds: int,
    report: DemoReport,
    refresh: Callable[[], None],
) -> None:
    backlog: deque[PutRecordsEntry] = deque()
    backoff, rng, retries = Backoff(base_s=0.02, cap_s=0.5), random.Random(7), 0  # noqa: S311
    start = time.monotonic()
    ticks_due = 0
    while ticks_due < seconds / TICK_S or backlog:
        elapsed = time.monotonic() - start
        current = _current(report, int(elapsed))
        while ticks_due < min(seconds / TICK_S, elapsed / TICK_S + 1):
            for _ in range(per_tick):
                key, data = next(orders)
                backlog.append(PutRecordsEntry(data, key))
            current.new += per_tick
            report.generated += per_tick
            ticks_due += 1
        batch = [backlog.popleft() for _ in range(min(500, len(backlog)))]
        result = streams.put_records(batch, stream_name=STREAM) if batch else None
        failed = [
            e
            for e, r in zip(batch, result["Records"] if result else [], strict=True)
            if "ErrorCode" in r
        ]
        backlog.extendleft(reversed(failed))
        current.accepted += len(batch) - len(failed)
        current.throttled += len(failed)
        current.backlog = len(backlog)
        refresh()
        retries = retries + 1 if failed else 0
        if failed or not batch:
            time.sleep(backoff.delay_s(retries, rng) if failed else TICK_S / 4)


def _current(report: DemoReport, second: int) -> SecondStats:
    while len(report.seconds) <= second:
        report.seconds.append(SecondStats(len(report.seconds)))
    return report.seconds[second]


def _read_back(streams: StreamsService) -> tuple[int, int]:
    """(records stored, duplicates) in the shard, read with GetRecords under the read quota."""
    iterator = streams.get_shard_iterator(
        "shardId-000000000000", "TRIM_HORIZON", stream_name=STREAM
    )["ShardIterator"]
    seen: set[bytes] = set()
    stored = 0
    backoff = Backoff(base_s=0.2, cap_s=1.0, max_attempts=None)
    while True:
        page = retry_call(
            functools.partial(streams.get_records, iterator),
            retryable=(ProvisionedThroughputExceededException,),
            backoff=backoff,
        )
        stored += len(page["Records"])
        seen.update(r["Data"] for r in page["Records"])
        iterator = page["NextShardIterator"]
        if page["MillisBehindLatest"] == 0 and not page["Records"]:
            return stored, stored - len(seen)


def _table(report: DemoReport, limit: object, factor: float, last: int | None = 12) -> Table:
    table = Table(title=f"{STREAM}, 1 shard ({limit} records/s), offered {factor:g}x with retries")
    for column in ("second", "new orders", "accepted", "throttled", "backlog"):
        table.add_column(column, justify="right")
    for row in report.seconds[-last if last else 0 :]:
        table.add_row(
            str(row.second),
            f"{row.new:,}",
            f"[green]{row.accepted:,}",
            f"[red]{row.throttled:,}",
            f"{row.backlog:,}",
        )
    return table
