"""How `cadabra query` prints a result: a rich table, CSV or JSON (Athena's console and CLI).

The console shows a grid; `aws athena get-query-results` and the result object in S3 give CSV.
Here CSV is RFC 4180 with a header line; JSON is an array of objects keyed by column name, with
dates, timestamps and decimals as strings, other values as JSON values. NULL is an empty CSV
field, JSON null, and an empty table cell.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from cadabra.athena.engine import QueryResult

__all__ = ["FORMATS", "render", "to_csv", "to_json", "to_table"]

FORMATS = ("table", "csv", "json")


def _json_value(value: Any) -> Any:
    if isinstance(value, date | datetime | time | Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def to_csv(result: QueryResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows(["" if v is None else v for v in row] for row in result.rows)
    return out.getvalue()


def to_json(result: QueryResult) -> str:
    records = [
        {column: _json_value(value) for column, value in zip(result.columns, row, strict=True)}
        for row in result.rows
    ]
    return json.dumps(records, ensure_ascii=False, indent=2, default=str) + "\n"


def to_table(result: QueryResult, title: str | None = None) -> Table:
    table = Table(title=title, caption=f"{len(result.rows)} rows")
    for column in result.columns:
        table.add_column(column, overflow="fold")
    for row in result.rows:
        table.add_row(*("" if value is None else str(value) for value in row))
    return table


def render(
    result: QueryResult, output_format: str, console: Console, title: str | None = None
) -> None:
    """Print `result` to `console` as `output_format` (table, csv or json)."""
    if output_format == "table":
        console.print(to_table(result, title))
    elif output_format == "csv":
        console.file.write(to_csv(result))
    elif output_format == "json":
        console.file.write(to_json(result))
    else:
        raise ValueError(f"unknown format {output_format!r} (expected {', '.join(FORMATS)})")
