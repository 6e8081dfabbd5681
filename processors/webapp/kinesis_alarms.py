"""Reading Kinesis `OrderRateAlarms` in a background thread, as a polling consumer does.

The reader lists the stream's shards (ListShards), takes an iterator per shard (GetShardIterator:
the configured start for shards open at startup, TRIM_HORIZON for shards and streams that appear
later) and calls GetRecords on each shard once per poll interval, one of a shard's 5 calls/s.
A missing stream (ResourceNotFoundException) is waited for; a throttled call
(ProvisionedThroughputExceededException) waits for the next poll; an expired iterator is renewed
after the last sequence number read; a closed shard read to its end (no NextShardIterator) is
dropped, and its children are found at the next shard refresh.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from processors.webapp.alarms import Alarm, AlarmBoard, AlarmsStatus, alarms_from_record
from processors.webapp.settings import WebSettings

__all__ = ["KinesisAlarms"]

logger = logging.getLogger(__name__)

_THROTTLED = ("ProvisionedThroughputExceededException", "LimitExceededException")


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class _Shard:
    def __init__(self, shard_id: str, start: str, iterator: str | None) -> None:
        self.shard_id = shard_id
        self.start = start
        self.iterator = iterator
        self.last_sequence: str | None = None


class KinesisAlarms(AlarmBoard):
    """An `AlarmBoard` filled from the alarm stream by a daemon thread (`start`/`close`)."""

    def __init__(
        self, client: Any, settings: WebSettings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(settings.max_alarms, settings.alarms_stream)
        self.client = client
        self.settings = settings
        self.clock = clock
        self.stream = settings.alarms_stream
        self._shards: dict[str, _Shard] = {}
        self._seen: set[str] = set()
        self._first_listing = True
        self._next_refresh = 0.0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="alarms-reader", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll()
            except ClientError as exc:
                self._failed(exc, _code(exc))
            except BotoCoreError as exc:
                self._failed(exc, type(exc).__name__)
            self._stopping.wait(self.settings.alarms_poll_s)

    def _failed(self, exc: Exception, code: str) -> None:
        if code == "ResourceNotFoundException":
            self._set("waiting", f"stream {self.stream} not found")
            self._first_listing = False  # everything in a stream created later is new
        elif code in _THROTTLED:
            return
        else:
            if self.status().detail != str(exc):  # once per distinct failure, not every retry
                logger.warning("reading alarm stream %s failed: %s", self.stream, exc)
            self._set("error", str(exc))
        self._shards.clear()
        self._seen.clear()
        self._next_refresh = self.clock() + self.settings.shard_refresh_s

    def _set(self, state: str, detail: str = "") -> None:
        self.set_status(AlarmsStatus(self.stream, state, len(self._shards), detail))

    def poll(self) -> list[Alarm]:
        """One round: refresh the shard list when due, then one GetRecords per open shard."""
        if self.clock() >= self._next_refresh:
            self._refresh_shards()
        added: list[Alarm] = []
        for shard in list(self._shards.values()):
            added += self._read(shard)
        return added

    def _refresh_shards(self) -> None:
        start = self.settings.alarms_start if self._first_listing else "TRIM_HORIZON"
        for shard_id in self._list_shards():
            if shard_id not in self._seen:
                self._seen.add(shard_id)
                self._shards[shard_id] = _Shard(shard_id, start, self._iterator(shard_id, start))
        self._first_listing = False
        self._next_refresh = self.clock() + self.settings.shard_refresh_s
        self._set("listening")

    def _list_shards(self) -> list[str]:
        request: dict[str, Any] = {"StreamName": self.stream}
        shard_ids: list[str] = []
        while True:
            page = self.client.list_shards(**request)
            shard_ids += [shard["ShardId"] for shard in page.get("Shards", [])]
            if not page.get("NextToken"):
                return shard_ids
            request = {"NextToken": page["NextToken"]}

    def _iterator(self, shard_id: str, start: str, after: str | None = None) -> str | None:
        request: dict[str, Any] = {"StreamName": self.stream, "ShardId": shard_id}
        if after is not None:
            request.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=after)
        else:
            request["ShardIteratorType"] = start
        iterator = self.client.get_shard_iterator(**request).get("ShardIterator")
        return str(iterator) if iterator else None

    def _read(self, shard: _Shard) -> list[Alarm]:
        if shard.iterator is None:
            return []
        try:
            page = self.client.get_records(ShardIterator=shard.iterator, Limit=1000)
        except ClientError as exc:
            if _code(exc) != "ExpiredIteratorException":
                raise
            shard.iterator = self._iterator(shard.shard_id, shard.start, shard.last_sequence)
            return []
        records = page.get("Records", [])
        alarms = [a for record in records for a in alarms_from_record(record, shard.shard_id)]
        if records:
            shard.last_sequence = str(records[-1]["SequenceNumber"])
        shard.iterator = page.get("NextShardIterator")
        if shard.iterator is None:
            del self._shards[shard.shard_id]  # closed and read to its end; children come next
            self._set("listening")
        return self.add(alarms)
