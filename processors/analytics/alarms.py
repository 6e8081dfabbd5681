"""Alarm rows as Kinesis Data Analytics writes them to the output stream (JSON, one per record).

The SQL application's output stream `TRIGGER_COUNT_STREAM(order_count, trigger_count)` has
unquoted, hence upper-cased, column names: `{"ORDER_COUNT":12,"TRIGGER_COUNT":3}`. The 2023 Flink
table `order_count_table` keeps its case: `{"order_count":12}`.

Every row has an id that is a function of its input alone (the order's shard and offset for a
sliding-window row, the window's start for a tumbling-window row), so a replay after a crash
computes the same ids; the id is the record's partition key, `<application>/<id>`, which is how
the restart check (ledger.py) recognises rows already written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

__all__ = ["Alarm", "flink_alarm", "sql_alarm"]


@dataclass(frozen=True, slots=True)
class Alarm:
    alarm_id: str
    # The row's time: the order's arrival (ROWTIME) or the window's end.
    at_ms: int
    row: dict[str, int]

    def partition_key(self, application: str) -> str:
        return f"{application}/{self.alarm_id}"

    def data(self) -> bytes:
        return json.dumps(self.row, separators=(",", ":")).encode()


def sql_alarm(
    partition: int, offset: int, at_ms: int, order_count: int, trigger_count: int
) -> Alarm:
    row = {"ORDER_COUNT": order_count, "TRIGGER_COUNT": trigger_count}
    return Alarm(f"{partition}-{offset}", at_ms, row)


def flink_alarm(start_ms: int, end_ms: int, order_count: int) -> Alarm:
    return Alarm(f"w{start_ms}", end_ms, {"order_count": order_count})
