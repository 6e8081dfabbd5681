"""The demo's HTML report: throughput per second, throttles and alarm times, as inline SVG.

One self-contained file (no scripts, no downloads): a summary table, then per stream a chart of
the records the agent offered, the records accepted and those throttled (and retried) each
second, with the moments alarms reached the webhook marked on the time axis.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DemoReport", "Series", "write_report"]

WIDTH, HEIGHT, PAD = 760, 220, 40
COLOURS = {"offered": "#8888aa", "accepted": "#2a9d8f", "throttled": "#e76f51"}


@dataclass
class Series:
    """Per-second counts of one destination (a Kinesis stream or a delivery stream)."""

    offered: list[float] = field(default_factory=list)
    accepted: list[float] = field(default_factory=list)
    throttled: list[float] = field(default_factory=list)


@dataclass
class DemoReport:
    summary: list[tuple[str, str]]
    series: Mapping[str, Series]
    alarm_seconds: Sequence[float]  # seconds since the demo's start
    queries: Mapping[str, tuple[list[str], list[tuple[object, ...]]]] = field(default_factory=dict)


def _polyline(values: Sequence[float], top: float, colour: str, seconds: int) -> str:
    if not values:
        return ""
    step = (WIDTH - 2 * PAD) / max(1, seconds - 1)
    points = " ".join(
        f"{PAD + i * step:.1f},{HEIGHT - PAD - (v / top) * (HEIGHT - 2 * PAD):.1f}"
        for i, v in enumerate(values)
    )
    return f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'


def _chart(name: str, series: Series, alarms: Sequence[float]) -> str:
    seconds = max(len(series.offered), len(series.accepted), 2)
    top = max([1.0, *series.offered, *series.accepted, *series.throttled])
    lines = [
        _polyline(getattr(series, kind), top, colour, seconds) for kind, colour in COLOURS.items()
    ]
    step = (WIDTH - 2 * PAD) / max(1, seconds - 1)
    marks = [
        f'<line x1="{PAD + t * step:.1f}" x2="{PAD + t * step:.1f}" y1="{PAD}" '
        f'y2="{HEIGHT - PAD}" stroke="#d62828" stroke-dasharray="3,3"/>'
        for t in alarms
        if t <= seconds
    ]
    legend = " ".join(
        f'<tspan fill="{colour}">■ {kind}</tspan>' for kind, colour in COLOURS.items()
    )
    return (
        f'<h3>{html.escape(name)}</h3><svg width="{WIDTH}" height="{HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg" role="img">'
        f'<rect x="{PAD}" y="{PAD}" width="{WIDTH - 2 * PAD}" height="{HEIGHT - 2 * PAD}" '
        f'fill="none" stroke="#ccc"/>'
        f'<text x="{PAD}" y="{PAD - 10}" font-size="12">{legend} '
        f'<tspan fill="#d62828">┆ alarm delivered</tspan></text>'
        f'<text x="4" y="{PAD + 10}" font-size="11">{top:,.0f}/s</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 10}" font-size="11" text-anchor="end">'
        f"{seconds} s</text>{''.join(marks)}{''.join(lines)}</svg>"
    )


def _table(rows: Sequence[Sequence[object]], header: Sequence[str] | None = None) -> str:
    head = ""
    if header:
        head = "<tr>" + "".join(f"<th>{html.escape(str(h))}</th>" for h in header) + "</tr>"
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return f"<table>{head}{body}</table>"


def write_report(report: DemoReport, path: Path) -> Path:
    charts = "".join(
        _chart(name, series, report.alarm_seconds) for name, series in report.series.items()
    )
    queries = "".join(
        f"<h3>{html.escape(name)}</h3>{_table(rows[:15], columns)}"
        for name, (columns, rows) in report.queries.items()
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cadabra demo</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:60em}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ddd;padding:.3em .6em}}
td:last-child{{text-align:right}}</style></head>
<body><h1>Cadabra: the course's pipelines, end to end</h1>
<h2>Summary</h2>{_table(report.summary)}
<h2>Throughput per second</h2>{charts}
<h2>Athena</h2>{queries}
</body></html>
"""
    path.write_text(page, encoding="utf-8")
    return path
