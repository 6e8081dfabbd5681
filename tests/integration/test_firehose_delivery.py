# S603: the tests run gzip(1) and `python -m zipfile` on objects they wrote themselves.
# ruff: noqa: S603
"""Firehose delivery to the real S3 server: buffering by size and by time, AWS's key layout, every
compression format read back with standard tools, Kinesis streams as source (from LATEST, KPL
records de-aggregated), the service following created and deleted streams, and S3 errors."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from cadabra.aggregation import UserRecord, aggregate
from cadabra.errors import DeliveryError
from cadabra.firehose import FirehoseService
from cadabra.firehose.testing import ROLE_ARN, s3_destination
from cadabra.stack.testing import StackEndpoints
from cadabra.streams import StreamsService
from sinks.firehose.compression import decompress
from sinks.firehose.service import DeliveryContext, DeliveryService
from sinks.firehose.testing import keys_under, objects_under, read_object, wait_for

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MIB = 1024 * 1024
NAME_PART = r"(?P<name>[\w.-]+)-1-(?P<time>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)-[0-9a-f-]{36}"
LAYOUT = r"(\d{4})/(\d\d)/(\d\d)/(\d\d)/" + NAME_PART


def _put(firehose_api: FirehoseService, name: str, blobs: list[bytes]) -> None:
    for start in range(0, len(blobs), 500):
        batch = [{"Data": blob} for blob in blobs[start : start + 500]]
        answer = firehose_api.put_record_batch(name, batch)
        assert answer["FailedPutCount"] == 0


def _lines(count: int, width: int = 0, tag: str = "r") -> list[bytes]:
    return [f"{tag}-{i:07d}".ljust(width, ".").encode() + b"\n" for i in range(count)]


def test_size_hint_cuts_objects_and_keeps_the_rest_buffered(
    firehose_api: FirehoseService, make_delivery: Any, run_worker: Any, s3: S3Client, stack: Any
) -> None:
    name = make_delivery(BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 900})
    blobs = _lines(2600, width=999)  # 1,000 bytes each: 2.6 MB
    _put(firehose_api, name, blobs)
    with run_worker(name) as worker:
        wait_for(lambda: worker.metrics.incoming_records.labels(name)._value.get() == 2600)
        # As many whole PutRecordBatch calls (500 KB each) as fit in 1 MiB, twice; the rest
        # waits for its interval.
        wait_for(lambda: _sizes(s3, stack.bucket, name) == [1_000_000, 1_000_000])
    # A graceful stop delivers the rest (interval not reached): nothing is left behind.
    objects = objects_under(s3, stack.bucket, name)
    assert len(objects) == 3
    assert b"".join(sorted(objects.values())) == b"".join(blobs)  # keys end in uuids: sort


def _sizes(s3: S3Client, bucket: str, name: str) -> list[int]:
    return sorted(len(body) for body in objects_under(s3, bucket, name).values())


def test_interval_hint_delivers_a_small_buffer(
    firehose_api: FirehoseService, make_delivery: Any, run_worker: Any, s3: S3Client, stack: Any
) -> None:
    name = make_delivery(BufferingHints={"SizeInMBs": 128, "IntervalInSeconds": 1})
    with run_worker(name):
        _put(firehose_api, name, _lines(10))
        wait_for(
            lambda: list(objects_under(s3, stack.bucket, name).values()) == [b"".join(_lines(10))],
            what="one object of the 10 records",
        )


def test_default_key_layout_is_utc_hour_of_the_oldest_record(
    firehose_api: FirehoseService, make_delivery: Any, run_worker: Any, s3: S3Client, stack: Any
) -> None:
    name = make_delivery(Prefix="", BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 0})
    before = datetime.now(tz=UTC).replace(microsecond=0)
    with run_worker(name):
        _put(firehose_api, name, _lines(3))
        # The wait is for a key of the whole layout: a wrong layout times out, naming it.
        match = wait_for(
            lambda: next(
                (
                    found
                    for k in s3.list_objects_v2(Bucket=stack.bucket).get("Contents", [])
                    if (found := re.fullmatch(LAYOUT, k["Key"])) and f"/{name}-1-" in k["Key"]
                ),
                None,
            ),
            what=f"an object of {name} named {LAYOUT}",
        )
    key = match.string
    assert match["name"] == name
    written = datetime.strptime(match["time"], "%Y-%m-%d-%H-%M-%S").replace(tzinfo=UTC)
    assert before <= written <= datetime.now(tz=UTC)
    assert key.startswith(written.strftime("%Y/%m/%d/%H/"))
    s3.delete_object(Bucket=stack.bucket, Key=key)


def test_custom_prefix_time_zone_and_file_extension(
    firehose_api: FirehoseService, make_delivery: Any, run_worker: Any, s3: S3Client, stack: Any
) -> None:
    name = make_delivery(
        BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 0},
        CompressionFormat="GZIP",
        FileExtension=".json.gz",
        CustomTimeZone="Asia/Tokyo",
        ErrorOutputPrefix="errors/!{firehose:error-output-type}/",
    )
    firehose_api.update_destination(
        name,
        firehose_api.describe_delivery_stream(name)["DeliveryStreamDescription"]["VersionId"],
        "destinationId-000000000001",
        extended_s3_destination_update={
            "Prefix": f"{name}/year=!{{timestamp:yyyy}}/hour=!{{timestamp:HH}}/"
            "!{firehose:random-string}/"
        },
    )
    with run_worker(name):
        _put(firehose_api, name, _lines(5))
        wait_for(lambda: objects_under(s3, stack.bucket, name))
    [key] = keys_under(s3, stack.bucket, name)
    tokyo = datetime.now(tz=UTC).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    pattern = (
        rf"{name}/year=\d{{4}}/hour=(\d\d)/[0-9a-f-]{{11}}/{name}-2-[\d-]{{19}}-[0-9a-f-]{{36}}"
    )
    match = re.fullmatch(pattern + r"\.json\.gz", key)
    assert match is not None, key
    assert abs(int(match[1]) - tokyo.hour) in (0, 1, 23)  # the hour in Tokyo, not in UTC
    assert gzip.decompress(read_object(s3, stack.bucket, key)) == b"".join(_lines(5))


@pytest.mark.parametrize("compression", ["UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY"])
def test_every_compression_format_reads_back(
    compression: str,
    firehose_api: FirehoseService,
    make_delivery: Any,
    run_worker: Any,
    s3: S3Client,
    stack: Any,
    tmp_path: Any,
) -> None:
    name = make_delivery(
        BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 0}, CompressionFormat=compression
    )
    blobs = _lines(20_000, width=40)  # 800 KB: several snappy blocks
    with run_worker(name):
        _put(firehose_api, name, blobs)
        wait_for(
            lambda: _delivered_bytes(s3, stack.bucket, name, compression) == len(b"".join(blobs)),
            what=f"{compression} objects",
        )
    keys = keys_under(s3, stack.bucket, name)
    extension = {"GZIP": ".gz", "ZIP": ".zip", "Snappy": ".snappy", "HADOOP_SNAPPY": ".snappy"}
    assert all(key.endswith(extension.get(compression, key[-37:])) for key in keys)
    bodies = sorted(
        _standard_decompress(compression, read_object(s3, stack.bucket, k), tmp_path) for k in keys
    )
    assert b"".join(bodies) == b"".join(blobs)


def _delivered_bytes(s3: S3Client, bucket: str, name: str, compression: str) -> int:
    total = 0
    for body in objects_under(s3, bucket, name).values():
        total += len(decompress(compression, body))  # an object is whole, or not listed
    return total


def _standard_decompress(compression: str, body: bytes, tmp_path: Any) -> bytes:
    """gzip(1) and Python's zipfile tool as a user would run them; snappy by its stream format."""
    if compression == "GZIP":
        gunzip = [shutil.which("gzip") or "/bin/gzip", "-dc"]
        return subprocess.run(gunzip, input=body, capture_output=True, check=True).stdout
    if compression == "ZIP":
        out = Path(tempfile.mkdtemp(dir=tmp_path))
        archive = out / "object.zip"
        archive.write_bytes(body)
        archive = archive.rename(tmp_path / f"{out.name}.zip")
        extract = [sys.executable, "-m", "zipfile", "-e", str(archive), str(out)]
        subprocess.run(extract, capture_output=True, check=True)
        [entry] = list(out.iterdir())
        return entry.read_bytes()
    return decompress(compression, body)


def test_kinesis_source_starts_at_latest_and_deaggregates(
    stack: StackEndpoints,
    firehose_api: FirehoseService,
    make_delivery: Any,
    run_worker: Any,
    s3: S3Client,
) -> None:
    from cadabra.config import KafkaSettings

    streams = StreamsService(KafkaSettings(bootstrap=stack.kafka_bootstrap))
    stream = f"src-{__import__('uuid').uuid4().hex[:8]}"
    try:
        streams.create_stream(stream, shard_count=2)
        streams.put_record(b"before\n", "k0", stream)  # before the delivery stream: not delivered
        arn = streams.arn(stream)
        name = make_delivery(
            kinesis_source={"KinesisStreamARN": arn, "RoleARN": ROLE_ARN},
            BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 0},
        )
        with run_worker(name):
            for i in range(20):
                streams.put_record(f"plain-{i}\n".encode(), f"key-{i}", stream)
            users = [UserRecord(f"u{i}", None, f"user-{i}\n".encode()) for i in range(5)]
            streams.put_record(aggregate(users), "u0", stream)
            expected = {f"plain-{i}" for i in range(20)} | {f"user-{i}" for i in range(5)}
            wait_for(lambda: _delivered_lines(s3, stack.bucket, name) == expected)
        assert len(keys_under(s3, stack.bucket, name)) >= 2  # one object per shard at least
    finally:
        streams.delete_stream(stream)
        streams.close()


def _delivered_lines(s3: S3Client, bucket: str, name: str) -> set[str]:
    lines: list[str] = []
    for body in objects_under(s3, bucket, name).values():
        lines += body.decode().splitlines()
    return set(lines)


def test_service_picks_up_new_streams_and_ends_deleted_ones(
    firehose_api: FirehoseService,
    make_delivery: Any,
    delivery: DeliveryContext,
    s3: S3Client,
    stack: Any,
) -> None:
    service = DeliveryService(delivery)
    stop = threading.Event()
    name = make_delivery(BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 0})
    firehose_api.untag_delivery_stream(name, ["cadabra:delivery"])  # the service's to deliver
    thread = threading.Thread(target=service.serve, args=(stop,), daemon=True)
    thread.start()
    try:
        wait_for(lambda: name in service.workers(), what="a worker for the stream")
        _put(firehose_api, name, _lines(7))
        wait_for(
            lambda: _delivered_lines(s3, stack.bucket, name) == {f"r-{i:07d}" for i in range(7)}
        )
        firehose_api.delete_delivery_stream(name)
        wait_for(lambda: name not in service.workers(), what="the worker to end")
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()


def test_missing_bucket_is_an_error_naming_s3_code_and_nothing_is_committed(
    firehose_api: FirehoseService, make_delivery: Any, delivery: DeliveryContext, stack: Any
) -> None:

    name = make_delivery(BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 0})
    bucket = f"missing-{__import__('uuid').uuid4().hex[:8]}"
    version = firehose_api.describe_delivery_stream(name)["DeliveryStreamDescription"]["VersionId"]
    firehose_api.update_destination(
        name,
        version,
        "destinationId-000000000001",
        extended_s3_destination_update={"BucketARN": s3_destination(bucket)["BucketARN"]},
    )
    _put(firehose_api, name, _lines(3))
    state = delivery.lookup(name)
    assert state is not None
    worker = delivery.worker(state)
    with pytest.raises(DeliveryError, match=rf"S3\.NoSuchBucket: .*s3://{bucket}/"):
        worker.run(threading.Event())
    assert delivery.worker(state)._source.committed() in ({}, {0: -1001})  # nothing committed


Checker = Callable[[], Any]


def test_the_stacks_delivery_service_delivers_a_stream_created_later(
    firehose_api: FirehoseService, s3: S3Client, stack: StackEndpoints
) -> None:
    """`cadabra stack up` started the delivery service; a new stream is delivered within seconds."""
    name = f"fh-{__import__('uuid').uuid4().hex[:10]}"
    firehose_api.create_delivery_stream(
        name,
        extended_s3_destination_configuration=s3_destination(
            stack.bucket, Prefix=f"{name}/", BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 0}
        ),
    )
    try:
        _put(firehose_api, name, _lines(3))
        wait_for(
            lambda: _delivered_lines(s3, stack.bucket, name) == {f"r-{i:07d}" for i in range(3)},
            timeout_s=60,
            what="the stack's delivery service to deliver the new stream",
        )
    finally:
        firehose_api.delete_delivery_stream(name)
