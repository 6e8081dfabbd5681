"""Exactly-once delivery across SIGKILL: `cadabra firehose run` is killed at random moments while
200,000 records flow through it, restarted each time, and every record is found in the bucket once.

Objects are named from (partition, first offset) and offsets are committed only after the object
is stored, so a worker killed between the two rewrites the same key when it comes back.
"""

from __future__ import annotations

import gzip
import os
import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cadabra.firehose import FirehoseService
from cadabra.stack.testing import StackEndpoints
from sinks.firehose.testing import objects_under, wait_for

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

RECORDS = 200_000
KILLS = 6


def _worker(name: str, stack: StackEndpoints, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-c", "from cadabra.cli import app; app()", "firehose", "run", name]
    env = {**os.environ, **stack.env()}
    with log.open("ab") as output:
        return subprocess.Popen(command, stdout=output, stderr=output, env=env)  # noqa: S603


def _record(i: int) -> bytes:
    """100 bytes: 20 MB in all, about twenty 1 MiB objects."""
    return f"record-{i:06d} ".ljust(99, "x").encode() + b"\n"


def _produce(firehose_api: FirehoseService, name: str, done: threading.Event) -> None:
    try:
        for start in range(0, RECORDS, 500):
            batch = [{"Data": _record(i)} for i in range(start, start + 500)]
            while batch:  # resend only what failed, as a Firehose producer does
                answer = firehose_api.put_record_batch(name, batch)
                responses = answer["RequestResponses"]
                batch = [r for r, a in zip(batch, responses, strict=True) if "ErrorCode" in a]
    finally:
        done.set()


def _deliveries(log: Path) -> int:
    return log.read_text().count(": delivering") if log.exists() else 0


def _lines(s3: S3Client, bucket: str, name: str) -> Counter[bytes]:
    found: Counter[bytes] = Counter()
    for body in objects_under(s3, bucket, name).values():
        found.update(gzip.decompress(body).splitlines())  # an object is whole, or not listed
    return found


def test_sigkilled_worker_delivers_every_record_exactly_once(
    firehose_api: FirehoseService,
    make_delivery: Any,
    stack: StackEndpoints,
    s3: S3Client,
    tmp_path: Path,
) -> None:
    name = make_delivery(
        BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 1}, CompressionFormat="GZIP"
    )
    log = tmp_path / "worker.log"
    produced = threading.Event()
    producer = threading.Thread(target=_produce, args=(firehose_api, name, produced))
    producer.start()
    rng = random.Random(20261129)
    worker = _worker(name, stack, log)
    try:
        for _ in range(KILLS):
            # Kill while an object is being made: soon after the worker says it is delivering.
            seen = _deliveries(log)
            wait_for(lambda s=seen: _deliveries(log) > s, timeout_s=60, what="a delivery to start")
            time.sleep(rng.uniform(0.0, 0.1))  # a random moment to kill at, not a wait-for
            worker.kill()
            worker.wait()
            worker = _worker(name, stack, log)
        producer.join()
        wanted = Counter(_record(i).rstrip(b"\n") for i in range(RECORDS))
        wait_for(
            lambda: _lines(s3, stack.bucket, name).keys() == wanted.keys(),
            timeout_s=180,
            what=f"all {RECORDS} records in the bucket (worker log {log})",
        )
    finally:
        worker.terminate()
        worker.wait(60)
    found = _lines(s3, stack.bucket, name)
    duplicates = {line: n for line, n in found.items() if n > 1}
    starts = re.findall(r"partition (\d+) offsets (\d+)-\d+: delivering", log.read_text())
    rewritten = sum(1 for n in Counter(starts).values() if n > 1)
    objects = len(objects_under(s3, stack.bucket, name))
    print(f"kills={KILLS} objects={objects} deliveries={len(starts)} rewritten={rewritten}")
    assert not duplicates, f"{len(duplicates)} records delivered more than once"
    assert found == wanted
