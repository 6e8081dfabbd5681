"""Polling one shard with GetRecords through the Kinesis API, as a standard-iterator mapping does.

The reader keeps the shard iterator between polls and renews it where it stands when it expires
(iterators live five minutes). A ProvisionedThroughputExceededException (the shard's 5 calls/s
or 2 MiB/s are used up, shared with every other polling consumer) backs off exponentially with
full jitter. A closed shard read to its end answers without NextShardIterator: the read says so.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError

from processors.lambda_runner.records import ShardRead, StreamRecord

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

__all__ = ["KinesisShardReader", "ShardSource", "StartAt"]

logger = logging.getLogger(__name__)

_THROTTLED = ("ProvisionedThroughputExceededException", "LimitExceededException")


class ShardSource(Protocol):
    """Where a shard worker gets records from (GetRecords here; a fake in unit tests)."""

    def read(self, limit: int) -> ShardRead: ...


@dataclass(frozen=True)
class StartAt:
    """A GetShardIterator position: a ShardIteratorType and what it needs."""

    iterator_type: str
    sequence_number: str | None = None
    timestamp: datetime | None = None

    def request(self) -> dict[str, Any]:
        request: dict[str, Any] = {"ShardIteratorType": self.iterator_type}
        if self.sequence_number is not None:
            request["StartingSequenceNumber"] = self.sequence_number
        if self.timestamp is not None:
            request["Timestamp"] = self.timestamp
        return request


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class KinesisShardReader:
    def __init__(
        self,
        client: KinesisClient,
        stream_name: str,
        shard_id: str,
        start: StartAt,
        *,
        wait: Callable[[float], object],
        backoff_base_s: float = 0.1,
        backoff_cap_s: float = 5.0,
        on_throttle: Callable[[], None] = lambda: None,
    ) -> None:
        self.client = client
        self.stream_name = stream_name
        self.shard_id = shard_id
        self._start = start
        self._wait = wait
        self._base_s = backoff_base_s
        self._cap_s = backoff_cap_s
        self._on_throttle = on_throttle
        self._iterator: str | None = None
        self._ended = False
        self._throttled_in_a_row = 0
        self._rng = random.Random()  # noqa: S311 - jitter, not cryptography

    def read(self, limit: int) -> ShardRead:
        if self._ended:
            return ShardRead(ended=True)
        try:
            if self._iterator is None:
                self._iterator = self._get_iterator()
            response = self.client.get_records(ShardIterator=self._iterator, Limit=limit)
        except ClientError as exc:
            return self._failed(exc)
        self._throttled_in_a_row = 0
        return self._records(response)

    def _get_iterator(self) -> str:
        response = self.client.get_shard_iterator(
            StreamName=self.stream_name, ShardId=self.shard_id, **self._start.request()
        )
        return response["ShardIterator"]

    def _records(self, response: Any) -> ShardRead:
        records = [StreamRecord.from_aws(self.shard_id, r) for r in response["Records"]]
        if records:
            self._start = StartAt("AFTER_SEQUENCE_NUMBER", records[-1].sequence_number)
        self._iterator = response.get("NextShardIterator")
        if self._iterator is None:
            self._ended = True
            logger.info("%s of %s read to its end", self.shard_id, self.stream_name)
        return ShardRead(records, ended=self._ended)

    def _failed(self, exc: ClientError) -> ShardRead:
        code = _error_code(exc)
        if code == "ExpiredIteratorException":
            logger.info("iterator of %s expired; renewing it", self.shard_id)
            self._iterator = None
            return ShardRead()
        if code not in _THROTTLED:
            raise exc
        self._on_throttle()
        ceiling = min(self._cap_s, self._base_s * 2.0 ** min(self._throttled_in_a_row, 30))
        self._throttled_in_a_row += 1
        self._wait(self._rng.uniform(ceiling / 2, ceiling))
        return ShardRead(throttled=True)
