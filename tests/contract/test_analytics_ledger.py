"""The restart check against a real output stream: rows written before a crash are recognised."""

from __future__ import annotations

import time
import uuid

from cadabra.config import QuotaSettings
from cadabra.quotas import QuotaRegistry
from cadabra.streams import PutRecordsEntry, StreamsService
from processors.analytics.alarms import flink_alarm, sql_alarm
from processors.analytics.ledger import AlarmLedger
from processors.analytics.output import AlarmWriter


def test_ledger_finds_this_applications_rows_written_by_an_earlier_run(
    streams: StreamsService,
) -> None:
    streams.quotas = QuotaRegistry(QuotaSettings(enabled=False))
    stream = f"alarms-{uuid.uuid4().hex[:12]}"
    writer = AlarmWriter(streams, stream, "Monitor")
    try:
        assert writer.ensure_stream(1)
        assert not writer.ensure_stream(1)
        now = time.time_ns() // 1_000_000
        writer.write([sql_alarm(0, 41, now, 10, 1), flink_alarm(now - 10_000, now, 12)])
        foreign = PutRecordsEntry(b"{}", "OtherApp/0-42")
        streams.put_records([foreign], stream_name=stream)
        ledger = AlarmLedger(streams, stream, "Monitor", margin_ms=5_000)
        assert ledger.needs(now)
        assert ledger.cover(now) == 2
        assert ledger.seen("0-41")
        assert ledger.seen(f"w{now - 10_000}")
        assert not ledger.seen("0-42")  # another application's row
        assert not ledger.needs(now + 1)  # read once; rows written later are added as written
    finally:
        streams.delete_stream(stream_name=stream)
