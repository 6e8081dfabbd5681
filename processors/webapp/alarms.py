"""The alarm panel's data: rows of Kinesis `OrderRateAlarms`, the newest N kept in memory.

The transaction-rate alarm (course pipeline 4) writes one JSON row per alarm to the stream: the
course's Kinesis Data Analytics SQL emits `{"ORDER_COUNT": 12, "TRIGGER_COUNT": 1}` (unquoted SQL
identifiers are upper-cased), the 2023 Flink notebook `{"order_count": 12}`. Keys are matched
without regard to case. A record may hold several rows, one per line; a row that is not a JSON
object is kept as text. Each alarm keeps its record's ApproximateArrivalTimestamp, shard and
sequence number; the board numbers alarms 1, 2, 3... so a client asks for those after the last it
saw (the SSE event id).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

__all__ = ["Alarm", "AlarmBoard", "AlarmsStatus", "alarms_from_record"]


@dataclass(frozen=True)
class Alarm:
    arrived_at: datetime
    shard_id: str
    sequence_number: str
    order_count: int | None
    trigger_count: int | None
    row: Any
    id: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "arrived_at": self.arrived_at.isoformat(),
            "arrival_ms": int(self.arrived_at.timestamp() * 1000),
            "shard_id": self.shard_id,
            "sequence_number": self.sequence_number,
            "order_count": self.order_count,
            "trigger_count": self.trigger_count,
            "row": self.row,
        }


@dataclass(frozen=True)
class AlarmsStatus:
    """What the reader is doing, for the panel's status line."""

    stream: str
    state: str  # "starting", "listening", "waiting" (no stream yet) or "error"
    shards: int = 0
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "stream": self.stream,
            "state": self.state,
            "shards": self.shards,
            "detail": self.detail,
        }


def _count(row: Mapping[str, Any], name: str) -> int | None:
    for key, value in row.items():
        if key.lower() == name and isinstance(value, int | float) and not isinstance(value, bool):
            return int(value)
    return None


def _row(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def alarms_from_record(record: Mapping[str, Any], shard_id: str) -> list[Alarm]:
    """The alarms in one GetRecords record (Data, ApproximateArrivalTimestamp, SequenceNumber)."""
    text = bytes(record["Data"]).decode("utf-8", errors="replace")
    arrived = record.get("ApproximateArrivalTimestamp")
    if not isinstance(arrived, datetime):
        arrived = datetime.now(UTC)
    alarms = []
    for line in text.splitlines() or [text]:
        if not line.strip():
            continue
        row = _row(line)
        counts = row if isinstance(row, dict) else {}
        alarms.append(
            Alarm(
                arrived_at=arrived.astimezone(UTC),
                shard_id=shard_id,
                sequence_number=str(record.get("SequenceNumber", "")),
                order_count=_count(counts, "order_count"),
                trigger_count=_count(counts, "trigger_count"),
                row=row,
            )
        )
    return alarms


class AlarmBoard:
    """The newest `capacity` alarms, numbered; safe to fill from one thread and read from others.

    It is an `AlarmsSource` on its own (tests fill it directly); `KinesisAlarms` fills it from
    the stream.
    """

    def __init__(self, capacity: int, stream: str = "") -> None:
        self._alarms: deque[Alarm] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        self._last_id = 0
        self._status = AlarmsStatus(stream, "starting")

    def add(self, alarms: Iterable[Alarm]) -> list[Alarm]:
        with self._lock:
            added = []
            for alarm in alarms:
                self._last_id += 1
                added.append(replace(alarm, id=self._last_id))
            self._alarms.extend(added)
            return added

    def since(self, after: int = 0) -> list[Alarm]:
        """The kept alarms numbered above `after`, oldest first."""
        with self._lock:
            return [alarm for alarm in self._alarms if alarm.id > after]

    def set_status(self, status: AlarmsStatus) -> None:
        with self._lock:
            self._status = status

    def status(self) -> AlarmsStatus:
        with self._lock:
            return self._status
