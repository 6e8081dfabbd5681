"""Helpers for tests and demos of Firehose delivery: a worker in a thread, waiting, reading S3."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sinks.firehose.worker import DeliveryWorker

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["keys_under", "objects_under", "read_object", "running", "wait_for"]


@contextmanager
def running(worker: DeliveryWorker) -> Iterator[DeliveryWorker]:
    """The worker in a thread; stopped (gracefully) at the end. Its failure fails the test."""
    stop = threading.Event()
    failures: list[BaseException] = []

    def work() -> None:
        try:
            worker.run(stop)
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        stop.set()
        thread.join(60)
    if failures:
        raise failures[0]


def wait_for(condition: Callable[[], Any], timeout_s: float = 30.0, what: str = "") -> Any:
    """The condition's first truthy value; fails the test at the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s} s waiting for {what or condition}")
        time.sleep(0.1)


def keys_under(s3: S3Client, bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return sorted(keys)


def read_object(s3: S3Client, bucket: str, key: str) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def objects_under(s3: S3Client, bucket: str, prefix: str) -> dict[str, bytes]:
    """The objects under `prefix` by key, skipping keys deleted between listing and reading."""
    found: dict[str, bytes] = {}
    for key in keys_under(s3, bucket, prefix):
        try:
            found[key] = read_object(s3, bucket, key)
        except s3.exceptions.NoSuchKey:
            continue
    return found
