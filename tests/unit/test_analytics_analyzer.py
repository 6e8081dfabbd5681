"""The alarm query on explicit arrival times: both course versions, cooldown, replay, restore."""

from __future__ import annotations

import json
from typing import Any

from processors.analytics.alarms import Alarm
from processors.analytics.analyzer import PartitionState, RateAnalyzer
from processors.analytics.settings import AnalyticsSettings


def analyzer(**overrides: Any) -> RateAnalyzer:
    return RateAnalyzer(AnalyticsSettings(**overrides))


def feed(query: RateAnalyzer, times: list[int], partition: int = 0, first: int = 0) -> list[Alarm]:
    rows: list[Alarm] = []
    for offset, at in enumerate(times, start=first):
        rows += query.on_record(partition, offset, at)
    return rows


def test_sql_a_burst_of_100_orders_gives_91_rows() -> None:
    """The course's LogGenerator run: 100 orders in one agent batch (one arrival time)."""
    rows = feed(analyzer(mode="sql"), [1_000] * 100)
    assert [r.row["ORDER_COUNT"] for r in rows] == list(range(10, 101))
    assert [r.row["TRIGGER_COUNT"] for r in rows] == list(range(1, 92))
    assert rows[0].data() == b'{"ORDER_COUNT":10,"TRIGGER_COUNT":1}'
    assert rows[0].alarm_id == "0-9"


def test_sql_orders_spread_out_never_reach_the_threshold() -> None:
    rows = feed(analyzer(mode="sql"), [i * 1_200 for i in range(50)])  # 9 per 10 s at most
    assert rows == []


def test_sql_window_slides_on_arrival_time() -> None:
    query = analyzer(mode="sql")
    rows = feed(query, [0] * 9 + [10_000, 10_001])
    # At 10_000 the window [0, 10_000] holds 10; at 10_001 the nine at 0 have left it.
    assert [r.row["ORDER_COUNT"] for r in rows] == [10]


def test_sql_trigger_count_is_alarm_rows_in_the_last_minute() -> None:
    query = analyzer(mode="sql")
    feed(query, [0] * 10)
    rows = feed(query, [70_000] * 10, first=10)
    assert [r.row["TRIGGER_COUNT"] for r in rows] == [1]  # the row at 0 left the minute


def test_cooldown_writes_at_most_one_row_per_period() -> None:
    query = analyzer(mode="sql", cooldown_s=60)
    rows = feed(query, [0] * 20 + [59_999] * 10 + [60_000] * 10)
    assert [(r.at_ms, r.row["ORDER_COUNT"]) for r in rows] == [(0, 10), (60_000, 11)]
    assert query.stats.suppressed == 10 + 1 + 9


def test_replayed_offsets_are_not_counted_twice() -> None:
    first = analyzer(mode="sql")
    feed(first, [0] * 8)
    saved = PartitionState.from_bytes(first.state(0).to_bytes())
    second = analyzer(mode="sql")
    second.restore(0, saved)
    # The offsets after the last commit come again, then new orders.
    rows = feed(second, [0] * 12)
    assert [r.row["ORDER_COUNT"] for r in rows] == [10, 11, 12]
    assert [r.alarm_id for r in rows] == ["0-9", "0-10", "0-11"]
    assert second.stats.replayed == 8


def test_flink_one_row_per_window_at_or_above_threshold() -> None:
    query = analyzer(mode="flink")
    rows = feed(query, [1_000] * 12 + [12_000] * 9 + [25_000])
    assert [(r.alarm_id, r.row) for r in rows] == [("w0", {"order_count": 12})]
    assert rows[0].at_ms == 10_000
    assert rows[0].data() == b'{"order_count":12}'


def test_flink_idle_window_closes_on_a_tick_once_read_to_the_end() -> None:
    query = analyzer(mode="flink", close_grace_s=1)
    feed(query, [1_000] * 10)
    assert query.on_tick(10_500, caught_up=[0]) == []  # grace not yet over
    assert query.on_tick(11_000, caught_up=[]) == []  # shard not read to its end
    rows = query.on_tick(11_000, caught_up=[0])
    assert [r.row for r in rows] == [{"order_count": 10}]
    assert query.on_tick(30_000, caught_up=[0]) == []  # closed once only


def test_flink_window_spans_every_shard() -> None:
    query = analyzer(mode="flink")
    query.restore(1, None)
    feed(query, [1_000] * 6, partition=0)
    feed(query, [2_000] * 6, partition=1)
    assert feed(query, [15_000], partition=0, first=6) == []  # shard 1 may still add to w0
    rows = feed(query, [15_000], partition=1, first=6)
    assert [r.row for r in rows] == [{"order_count": 12}]


def test_flink_order_in_a_closed_window_is_late() -> None:
    query = analyzer(mode="flink")
    feed(query, [1_000] * 10)
    query.on_tick(20_000, caught_up=[0])
    assert feed(query, [5_000], first=10) == []
    assert query.stats.late == 1


def test_flink_closed_window_and_cooldown_survive_restore() -> None:
    first = analyzer(mode="flink", cooldown_s=60)
    feed(first, [1_000] * 10 + [10_000])
    second = analyzer(mode="flink", cooldown_s=60)
    second.restore(0, PartitionState.from_bytes(first.state(0).to_bytes()))
    assert second.closed_ms == 10_000
    assert feed(second, [11_000] * 10 + [20_000], first=11) == []  # in cooldown since 10 s
    assert second.stats.suppressed == 1


def test_state_is_json() -> None:
    query = analyzer(mode="flink")
    feed(query, [1_000, 2_000])
    document = json.loads(query.state(0).to_bytes())
    assert document["offset"] == 1
    assert document["windows"] == {"0": 2}
