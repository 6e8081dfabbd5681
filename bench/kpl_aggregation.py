"""Benchmark part of bench/producers.py: KPL aggregation vs plain PutRecords into ONE shard.

Under AWS's per-shard quotas (1,000 records/s and 1 MiB/s, on the real clock) a producer of
100-byte records is bounded by the records quota when each user record is its own Kinesis record,
and by the byte quota when the KPL aggregates them (one aggregate = one record). `measure_kpl`
keeps the producer saturated (at most `max_outstanding` unresolved user records), then reads the
shard back and counts user records per second of broker arrival time (ApproximateArrivalTimestamp)
over `seconds`, after a warm-up that spends the initial full buckets.

Run alone: `python bench/kpl_part.py` starts an endpoint in-process (quotas on, real clock) on
the configured broker (or a native stack) and prints both figures and their ratio as JSON.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cadabra.aggregation import deaggregate
from producers.kpl import KinesisProducer, KplSettings, kinesis_client


def measure_kpl(
    endpoint_url: str,
    *,
    aggregation: bool,
    seconds: float = 10.0,
    warmup_s: float = 2.0,
    record_size: int = 100,
    keys: int = 1000,
    max_outstanding: int = 5_000,
) -> dict[str, Any]:
    """User records/s stored into a fresh one-shard stream, after `warmup_s`, over `seconds`."""
    settings = KplSettings(endpoint_url=endpoint_url, aggregation_enabled=aggregation)
    client = kinesis_client(settings)
    stream = f"bench-kpl-{uuid.uuid4().hex[:8]}"
    client.create_stream(StreamName=stream, ShardCount=1)
    client.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 1})
    payload = b"o" * record_size
    producer = KinesisProducer(settings, client=client)
    start = time.monotonic()
    end = start + warmup_s + seconds + 1
    try:
        i = 0
        while time.monotonic() < end:
            if producer.outstanding_records_count >= max_outstanding:
                time.sleep(0.001)
                continue
            for _ in range(500):
                producer.add_user_record(stream, f"customer-{i % keys}", payload)
                i += 1
        producer.close()
        arrivals = _user_record_arrivals(client, stream)
    finally:
        client.delete_stream(StreamName=stream, EnforceConsumerDeletion=True)
    window_start = arrivals[0] + warmup_s
    in_window = [t for t in arrivals if window_start <= t < window_start + seconds]
    return {
        "aggregation": aggregation,
        "record_size": record_size,
        "seconds": seconds,
        "user_records_per_s": round(len(in_window) / seconds),
        "stored_total": len(arrivals),
    }


def _user_record_arrivals(client: Any, stream: str) -> list[float]:
    """The broker arrival time (epoch s) of every user record in the stream's only shard."""
    shard_id = client.list_shards(StreamName=stream)["Shards"][0]["ShardId"]
    iterator = client.get_shard_iterator(
        StreamName=stream, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    arrivals: list[float] = []
    while True:
        try:
            page = client.get_records(ShardIterator=iterator)
        except client.exceptions.ProvisionedThroughputExceededException:
            time.sleep(0.2)  # the read quota (5 calls/s, 2 MiB/s); retry the same iterator
            continue
        for record in page["Records"]:
            count = len(deaggregate(record["Data"], record["PartitionKey"]))
            arrivals += [record["ApproximateArrivalTimestamp"].timestamp()] * count
        if not page["Records"] and page.get("MillisBehindLatest", 0) == 0:
            return sorted(arrivals)
        iterator = page["NextShardIterator"]


@contextmanager
def endpoint_with_aws_quotas() -> Iterator[str]:
    """An in-process endpoint with AWS's default quotas on the real clock."""
    from cadabra.config import KafkaSettings, QuotaSettings
    from cadabra.endpoint.app import EndpointApp
    from cadabra.endpoint.server import KINESIS_PREFIX, kinesis_service
    from cadabra.endpoint.testing import serve_in_thread
    from cadabra.quotas import QuotaRegistry
    from cadabra.stack.net import free_port_block
    from cadabra.stack.testing import configured_or_native_bootstrap
    from cadabra.streams import StreamsService

    with configured_or_native_bootstrap() as bootstrap:
        service = StreamsService(KafkaSettings(bootstrap=bootstrap))
        service.quotas = QuotaRegistry(QuotaSettings())
        app = EndpointApp({KINESIS_PREFIX: kinesis_service(service)})
        try:
            with serve_in_thread(app, free_port_block(1)) as url:
                yield url
        finally:
            app.close()
            service.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--record-size", type=int, default=100)
    parser.add_argument("--keys", type=int, default=1000, help="distinct partition keys")
    parser.add_argument("--endpoint-url", default=None, help="an endpoint with quotas on")
    args = parser.parse_args()

    def run(url: str) -> dict[str, Any]:
        plain = measure_kpl(url, aggregation=False, seconds=args.seconds,
                            record_size=args.record_size, keys=args.keys)  # fmt: skip
        aggregated = measure_kpl(url, aggregation=True, seconds=args.seconds,
                                 record_size=args.record_size, keys=args.keys)  # fmt: skip
        ratio = aggregated["user_records_per_s"] / max(plain["user_records_per_s"], 1)
        return {"plain": plain, "aggregated": aggregated, "ratio": round(ratio, 2)}

    if args.endpoint_url:
        print(json.dumps(run(args.endpoint_url)))
    else:
        with endpoint_with_aws_quotas() as url:
            print(json.dumps(run(url)))


if __name__ == "__main__":
    main()
