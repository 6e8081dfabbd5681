"""The restart check: which alarm rows this application already wrote to its output stream.

KDA promises at-least-once output; Cadabra does better. A row is written before the state that
produced it reaches the changelog and before the input offsets are committed, so a crash can
leave rows whose inputs are read again after the restart. Their ids are a function of the input
(alarms.py), and a row's arrival in the output is never earlier than its own time (an order's
arrival, a window's end), so before a row at time t is written the ledger reads the output
stream from t - margin (GetShardIterator AT_TIMESTAMP, GetRecords) once, and skips ids found
there. Rows written by this run are remembered as they are written.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict

from cadabra.errors import ProvisionedThroughputExceededException
from cadabra.streams import StreamsService

__all__ = ["AlarmLedger"]

logger = logging.getLogger(__name__)

THROTTLE_PAUSE_S = 0.2


class AlarmLedger:
    """Ids of the rows in the output stream since `covered_from_ms` (and all written since)."""

    def __init__(
        self,
        streams: StreamsService,
        stream_name: str,
        application: str,
        margin_ms: int,
        capacity: int = 200_000,
    ) -> None:
        self._streams = streams
        self._stream = stream_name
        self._prefix = f"{application}/"
        self._margin_ms = margin_ms
        self._capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()
        self.covered_from_ms: int | None = None

    def needs(self, at_ms: int) -> bool:
        """Whether rows at `at_ms` may predate what the ledger has read."""
        return self.covered_from_ms is None or at_ms - self._margin_ms < self.covered_from_ms

    def cover(self, at_ms: int) -> int:
        """Read the output from `at_ms - margin` to its end; how many of our rows were there."""
        if not self.needs(at_ms):
            return 0
        since_ms = min(at_ms - self._margin_ms, self._streams.clock_ms())
        found = 0
        for shard in self._streams.state(self._stream).shards:
            found += self._read_shard(shard.shard_id, since_ms)
        self.covered_from_ms = since_ms
        logger.info("%d rows of %s in %s since %d", found, self._prefix, self._stream, since_ms)
        return found

    def _read_shard(self, shard_id: str, since_ms: int) -> int:
        iterator: str | None = self._streams.get_shard_iterator(
            shard_id, "AT_TIMESTAMP", stream_name=self._stream, timestamp=since_ms / 1000
        )["ShardIterator"]
        found = 0
        while iterator is not None:
            try:
                page = self._streams.get_records(iterator)
            except ProvisionedThroughputExceededException:
                time.sleep(THROTTLE_PAUSE_S)
                continue
            for record in page["Records"]:
                key: str = record["PartitionKey"]
                if key.startswith(self._prefix):
                    self.add(key[len(self._prefix) :])
                    found += 1
            if not page["Records"] and page.get("MillisBehindLatest", 0) == 0:
                break
            iterator = page.get("NextShardIterator")
        return found

    def seen(self, alarm_id: str) -> bool:
        return alarm_id in self._ids

    def add(self, alarm_id: str) -> None:
        self._ids[alarm_id] = None
        if len(self._ids) > self._capacity:
            self._ids.popitem(last=False)
