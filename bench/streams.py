"""Benchmark: Kinesis PutRecords on Kafka vs a bare confluent-kafka producer, and the quota.

Part 1 writes the same records (same sizes, keys, partitions) three ways, quotas lifted, best
of two alternating rounds each:
  * bare-async: confluent-kafka produce() for everything, one flush at the end (the ceiling);
  * bare-batch: confluent-kafka with a flush after every 500 records, i.e. PutRecords' guarantee
    (a call returns once Kafka acknowledged its records);
  * cadabra: StreamsService.put_records in 500-record calls from `--threads` callers.
Part 2 turns AWS's quotas on and offers 3x a shard's 1,000 records/s to one shard for 10 s,
counting accepted and throttled entries per second, then reads the shard back to check that
exactly the accepted records are there (none lost, none extra).

Prints a table per part and ends with one line of JSON holding the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid

from confluent_kafka import Producer
from rich.console import Console
from rich.table import Table

from cadabra.config import KafkaSettings, QuotaSettings
from cadabra.quotas import QuotaRegistry
from cadabra.stack.testing import configured_or_native_bootstrap
from cadabra.streams import PutRecordsEntry, StreamsService

BATCH = 500
ROUNDS = 2  # best of two alternating rounds per writer
console = Console(stderr=True)


def make_records(count: int, size: int) -> list[PutRecordsEntry]:
    payload = b"o" * size
    return [PutRecordsEntry(payload, f"customer-{i % 5000}") for i in range(count)]


def bench_bare(
    bootstrap: str,
    topic: str,
    records: list[PutRecordsEntry],
    partitions: list[int],
    flush_every: int | None,
) -> float:
    producer = Producer(
        {
            "bootstrap.servers": bootstrap,
            "acks": "all",
            "enable.idempotence": True,
            "linger.ms": 2,
            "batch.size": 1_000_000,
        }
    )
    delivered = 0

    def report(err: object, _msg: object) -> None:
        nonlocal delivered
        if err is None:
            delivered += 1

    start = time.perf_counter()
    for i, (entry, partition) in enumerate(zip(records, partitions, strict=True)):
        producer.produce(
            topic, entry.data, entry.partition_key.encode(), partition=partition, on_delivery=report
        )
        if flush_every and (i + 1) % flush_every == 0:
            producer.flush()
    producer.flush()
    elapsed = time.perf_counter() - start
    if delivered != len(records):
        raise SystemExit(f"bare producer lost {len(records) - delivered} records")
    return len(records) / elapsed


def bench_cadabra(
    service: StreamsService, name: str, records: list[PutRecordsEntry], threads: int
) -> float:
    batches = [records[i : i + BATCH] for i in range(0, len(records), BATCH)]
    failed = 0
    lock = threading.Lock()

    def worker(mine: list[list[PutRecordsEntry]]) -> None:
        nonlocal failed
        for batch in mine:
            result = service.put_records(batch, stream_name=name)
            with lock:
                failed += result["FailedRecordCount"]

    workers = [threading.Thread(target=worker, args=(batches[t::threads],)) for t in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - start
    if failed:
        raise SystemExit(f"{failed} records failed with quotas lifted")
    return len(records) / elapsed


def throughput(
    bootstrap: str, count: int, size: int, shards: int, threads: int
) -> dict[str, float]:
    service = StreamsService(
        KafkaSettings(bootstrap=bootstrap), quotas=QuotaRegistry(QuotaSettings(enabled=False))
    )
    name = f"bench-{uuid.uuid4().hex[:8]}"
    service.create_stream(name, shards)
    try:
        records = make_records(count, size)
        router = service.writer._router(name)
        partitions = [router.route(r.partition_key, None).index for r in records]
        topic = service.topic(name)
        runs: dict[str, list[float]] = {
            "bare_async_rps": [],
            "bare_batch_rps": [],
            "cadabra_rps": [],
        }
        for _ in range(ROUNDS):  # alternate the writers so none is favoured by a warmer broker
            runs["bare_async_rps"].append(bench_bare(bootstrap, topic, records, partitions, None))
            runs["bare_batch_rps"].append(bench_bare(bootstrap, topic, records, partitions, BATCH))
            runs["cadabra_rps"].append(bench_cadabra(service, name, records, threads))
        figures = {writer: max(rates) for writer, rates in runs.items()}
    finally:
        service.delete_stream(stream_name=name)
        service.close()
    figures["ratio_vs_bare_async"] = figures["cadabra_rps"] / figures["bare_async_rps"]
    figures["ratio_vs_bare_batch"] = figures["cadabra_rps"] / figures["bare_batch_rps"]
    return figures


def overload(bootstrap: str, seconds: int, factor: float) -> dict[str, float]:
    """Offer factor x 1,000 records/s to one shard with AWS quotas; count what is accepted."""
    service = StreamsService(
        KafkaSettings(bootstrap=bootstrap), quotas=QuotaRegistry(QuotaSettings())
    )
    name = f"bench-quota-{uuid.uuid4().hex[:8]}"
    service.create_stream(name, 1)
    tick, per_tick = 0.05, int(1000 * factor * 0.05)
    accepted: list[int] = []
    throttled: list[int] = []
    per_second: list[tuple[int, int]] = []
    try:
        start = time.monotonic()
        # One warm-up second drains the bucket's initial one-second burst.
        total_s = seconds + 1
        for second in range(total_s):
            ok = bad = 0
            for t in range(int(1 / tick)):
                due = start + second + (t + 1) * tick
                result = service.put_records(make_records(per_tick, 100), stream_name=name)
                bad += result["FailedRecordCount"]
                ok += per_tick - result["FailedRecordCount"]
                time.sleep(max(0.0, due - time.monotonic()))  # pace the offered load
            per_second.append((ok, bad))
            if second >= 1:
                accepted.append(ok)
                throttled.append(bad)
        low, high = service.kafka_reader.watermarks(service.topic(name), 0)
        stored = high - low
    finally:
        service.delete_stream(stream_name=name)
        service.close()
    table = Table(title=f"one shard offered {factor:g}x its 1,000 records/s (AWS quotas)")
    for col in ("second", "accepted", "throttled"):
        table.add_column(col, justify="right")
    for i, (ok, bad) in enumerate(per_second):
        table.add_row(f"{i}{' (burst)' if i == 0 else ''}", str(ok), str(bad))
    console.print(table)
    total_accepted = sum(ok for ok, _ in per_second)
    return {
        "offered_rps": 1000 * factor,
        "accepted_rps": sum(accepted) / seconds,
        "throttled_rps": sum(throttled) / seconds,
        "accepted_total": total_accepted,
        "stored_total": stored,
        "lost": total_accepted - stored,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--size", type=int, default=100, help="bytes of data per record")
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--overload", type=float, default=3.0)
    args = parser.parse_args()
    with configured_or_native_bootstrap() as bootstrap:
        console.print(
            f"[bold]PutRecords throughput[/] ({args.records:,} records of "
            f"{args.size} B, {args.shards} shards, quotas lifted)"
        )
        put = throughput(bootstrap, args.records, args.size, args.shards, args.threads)
        table = Table(title="records/s, same records, same partitions")
        for col in ("writer", "records/s", "cadabra / writer"):
            table.add_column(col, justify="right")
        table.add_row(
            "bare confluent-kafka, one flush",
            f"{put['bare_async_rps']:,.0f}",
            f"{put['ratio_vs_bare_async']:.2f}",
        )
        table.add_row(
            "bare confluent-kafka, flush per 500",
            f"{put['bare_batch_rps']:,.0f}",
            f"{put['ratio_vs_bare_batch']:.2f}",
        )
        table.add_row(
            f"cadabra PutRecords x{args.threads} threads", f"{put['cadabra_rps']:,.0f}", "1.00"
        )
        console.print(table)
        quota = overload(bootstrap, args.seconds, args.overload)
        console.print(
            f"accepted {quota['accepted_rps']:,.1f} records/s "
            f"({quota['accepted_rps'] / 1000 - 1:+.1%} vs 1,000), throttled "
            f"{quota['throttled_rps']:,.1f}/s, lost {quota['lost']}"
        )
    print(json.dumps({"bench": "streams", "put_records": put, "quota": quota}))
    sys.exit(0 if quota["lost"] == 0 else 1)


if __name__ == "__main__":
    main()
