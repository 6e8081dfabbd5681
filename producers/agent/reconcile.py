"""After a crash: which records of the batch in flight did the stream accept anyway?

The AWS agent re-sends the whole unfinished buffer after a crash, so records the stream accepted
just before the process died arrive twice. Kinesis has no idempotent put, but it can be read:
each in-flight record was written with its partition key and the MD5 of its data, so the agent
reads every shard from shortly before the batch was sent and counts the (key, digest) pairs it
finds. Records found are treated as acknowledged; only the others are sent again.

Only RANDOM partition keys are reconciled: a random double is unique, so a match is that record.
A DETERMINISTIC key is the data's MD5, so an identical line sent earlier would match and the
record would be lost; those flows keep AWS's at-least-once. Firehose cannot be read back and
keeps it too.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from producers.agent.checkpoints import InflightRecord

__all__ = ["SKEW_MS", "accepted_anyway", "digest"]

logger = logging.getLogger(__name__)

# Arrival times are the stream's clock; allow the agent's clock to run this much ahead.
SKEW_MS = 5_000
# A put cannot complete later than this after it was sent (boto3 read timeout + margin).
WINDOW_MS = 180_000
THROTTLE_PAUSE_S = 0.2


def digest(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def accepted_anyway(
    client: Any, stream: str, unacknowledged: Sequence[InflightRecord]
) -> list[InflightRecord]:
    """The records among `unacknowledged` (RANDOM keys) that the stream holds."""
    wanted: Counter[tuple[str | None, str]] = Counter(
        (r.key, r.digest) for r in unacknowledged if r.key
    )
    if not wanted:
        return []
    since = min(r.sent_at_ms for r in unacknowledged) - SKEW_MS
    found: Counter[tuple[str | None, str]] = Counter()
    for shard in _shards(client, stream):
        found += _scan_shard(client, stream, shard, since, wanted)
    accepted: list[InflightRecord] = []
    for record in unacknowledged:
        pair = (record.key, record.digest)
        if found[pair] > 0:
            found[pair] -= 1
            accepted.append(record)
    return accepted


def _shards(client: Any, stream: str) -> list[str]:
    shards: list[str] = []
    kwargs: dict[str, Any] = {"StreamName": stream}
    while True:
        page = client.list_shards(**kwargs)
        shards += [shard["ShardId"] for shard in page["Shards"]]
        if not page.get("NextToken"):
            return shards
        kwargs = {"NextToken": page["NextToken"]}


def _scan_shard(
    client: Any, stream: str, shard: str, since_ms: int, wanted: Counter[tuple[str | None, str]]
) -> Counter[tuple[str | None, str]]:
    iterator: str | None = client.get_shard_iterator(
        StreamName=stream,
        ShardId=shard,
        ShardIteratorType="AT_TIMESTAMP",
        Timestamp=datetime.fromtimestamp(since_ms / 1000, UTC),
    )["ShardIterator"]
    found: Counter[tuple[str | None, str]] = Counter()
    until = datetime.fromtimestamp((since_ms + WINDOW_MS) / 1000, UTC)
    while iterator:
        page = _get_records(client, iterator)
        for record in page["Records"]:
            if record["ApproximateArrivalTimestamp"] > until:
                return found
            pair = (record["PartitionKey"], digest(record["Data"]))
            if pair in wanted:
                found[pair] += 1
        if not page["Records"] and page.get("MillisBehindLatest", 0) == 0:
            return found
        iterator = page.get("NextShardIterator")
    return found


def _get_records(client: Any, iterator: str) -> Any:
    while True:
        try:
            return client.get_records(ShardIterator=iterator, Limit=10_000)
        except ClientError as exc:
            if (
                exc.response.get("Error", {}).get("Code")
                != "ProvisionedThroughputExceededException"
            ):
                raise
            time.sleep(THROTTLE_PAUSE_S)  # 5 GetRecords/s per shard: wait for the next second
