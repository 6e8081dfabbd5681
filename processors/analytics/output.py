"""The application's output: alarm rows to a Kinesis stream, as KDA's KinesisStreamsOutput does.

Rows go through Cadabra's Kinesis API (`StreamsService.put_records`), so they get shards,
sequence numbers and the output stream's quotas like any producer's records. KDA retries output
until it succeeds; so does this writer, resending only the entries that failed (throttled by the
shard's 1,000 records/s, or not acknowledged by Kafka), with a capped exponential backoff.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from cadabra.errors import ResourceInUseException, ResourceNotFoundException
from cadabra.streams import StreamsService
from cadabra.streams.writes import PutRecordsEntry
from processors.analytics.alarms import Alarm

__all__ = ["AlarmWriter"]

logger = logging.getLogger(__name__)

MAX_ENTRIES = 500
BACKOFF_BASE_S = 0.05
BACKOFF_CAP_S = 2.0


class AlarmWriter:
    def __init__(self, streams: StreamsService, stream_name: str, application: str) -> None:
        self._streams = streams
        self.stream_name = stream_name
        self._application = application
        self.retries = 0

    def ensure_stream(self, shard_count: int) -> bool:
        """Create the output stream if it is missing (the course creates it by hand); created?"""
        try:
            self._streams.state(self.stream_name)
            return False
        except ResourceNotFoundException:
            pass
        try:
            self._streams.create_stream(self.stream_name, shard_count)
        except ResourceInUseException:
            return False
        logger.info("created output stream %s with %d shard(s)", self.stream_name, shard_count)
        return True

    def write(self, alarms: Sequence[Alarm]) -> None:
        """Write every row; returns once all are acknowledged."""
        for start in range(0, len(alarms), MAX_ENTRIES):
            self._write_chunk(alarms[start : start + MAX_ENTRIES])

    def _write_chunk(self, alarms: Sequence[Alarm]) -> None:
        pending = [
            PutRecordsEntry(alarm.data(), alarm.partition_key(self._application))
            for alarm in alarms
        ]
        attempt = 0
        while pending:
            response = self._streams.put_records(pending, stream_name=self.stream_name)
            if not response["FailedRecordCount"]:
                return
            pending = [
                entry
                for entry, outcome in zip(pending, response["Records"], strict=True)
                if "ErrorCode" in outcome
            ]
            self.retries += len(pending)
            logger.debug("%d alarm rows to resend to %s", len(pending), self.stream_name)
            time.sleep(min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**attempt))
            attempt += 1
