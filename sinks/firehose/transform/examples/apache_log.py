"""The "Apache Log to JSON" transformation (Lambda blueprint `kinesis-firehose-apachelog-to-json`).

The course's `LogTransform` function: each record is one Apache access-log line (common or
combined format) and becomes one JSON object, with the blueprint's regular expression and fields:

- `^([\\d.]+) (\\S+) (\\S+) \\[([\\w:/]+)(\\s[+-]\\d{4}){0,1}\\] "(.+?)" (\\d{3}) (\\d+)`: the host
  must be an IPv4 address and bytes a number (a `-` does not match); anything after the bytes
  (the combined format's referer and user agent) is ignored;
- members, in the blueprint's order: `host`, `ident`, `authuser`, `request`, `response` and
  `bytes` (numbers), `verb` (the request's first word, when the request has a space),
  `@timestamp` (the local time as ISO-8601, e.g. `2000-10-10T13:55:36.000Z`, as Node prints a
  date parsed in a UTC Lambda; the raw text if it is no date), and with an offset `timezone`
  (`-0700`) and `@timestamp_utc` (`2000-10-10T20:55:36.000Z`);
- a line that does not match is returned `ProcessingFailed` with its data untouched.

The dates are parsed as the blueprint's Node runtime parses them (month names by their first
three letters in any case, 31 Feb rolling over to 2 Mar, 24:00:00 as the next midnight); checked
against the blueprint run by Node on 3,000 generated lines. Node's answers for times no server
writes (a minute of 60 without seconds, a zone after text that is no date) are not reproduced.

Cadabra's one change: each JSON object ends with "\\n", so the objects Firehose concatenates in S3
are JSON lines that Athena reads (the blueprint's objects run together).
"""

from __future__ import annotations

import base64
import json
import logging
import re
from datetime import datetime, timedelta
from typing import Any

__all__ = ["PARSER", "handler", "parse_line"]

logger = logging.getLogger(__name__)

PARSER = re.compile(
    r'^([\d.]+) (\S+) (\S+) \[([\w:/]+)(\s[+\-]\d{4}){0,1}\] "(.+?)" (\d{3}) (\d+)', re.ASCII
)
# The dates Node's Date parses from the blueprint's `formatDate` text ("10 Oct 2000 13:55:36"):
# a month is named by its first three letters, days past the month's end roll over (31 Feb is
# 2 Mar), 24:00:00 is the next midnight; Lambda runs in UTC, so the local time is UTC.
_DATE = re.compile(
    r"^(\d{1,2}) ([A-Za-z]{3})[A-Za-z]* (\d{4}) (\d{1,2}):(\d{1,2})(?::(\d{1,2}))?$", re.ASCII
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ZONE = re.compile(r"^([+-])(\d{2})(\d{2})$", re.ASCII)


def _format_date(text: str) -> str:
    """The blueprint's `formatDate`: every '/' and the first ':' become spaces."""
    return text.replace("/", " ").replace(":", " ", 1)


def _node_date(text: str) -> datetime | None:
    """`new Date(formatDate(text))` in a UTC Lambda; None where Node gives an Invalid Date."""
    match = _DATE.match(_format_date(text))
    if match is None or match[2].lower() not in _MONTHS:
        return None
    day, year, hour, minute = int(match[1]), int(match[3]), int(match[4]), int(match[5])
    second = int(match[6] or 0)
    if not (1 <= day <= 31 and year >= 1 and minute < 60 and second < 60):
        return None
    if hour > 24 or (hour == 24 and minute + second > 0):
        return None
    first = datetime(year, _MONTHS.index(match[2].lower()) + 1, 1)  # noqa: DTZ001 (UTC Lambda)
    try:
        return first + timedelta(days=day - 1, hours=hour, minutes=minute, seconds=second)
    except OverflowError:
        return None


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _timestamp(text: str) -> str:
    moment = _node_date(text)
    return text if moment is None else _iso(moment)


def _timestamp_utc(text: str, timezone: str) -> str | None:
    moment, zone = _node_date(text), _ZONE.match(timezone)
    if moment is None or zone is None:
        return None
    offset = timedelta(hours=int(zone[2]), minutes=int(zone[3]))
    try:
        return _iso(moment - offset if zone[1] == "+" else moment + offset)
    except OverflowError:
        return None


def parse_line(line: str) -> dict[str, Any] | None:
    """The blueprint's JSON object for one log line; None when the line does not match."""
    match = PARSER.match(line)
    if match is None:
        return None
    when, zone, request = match[4], match[5], match[6]
    result: dict[str, Any] = {
        "host": match[1],
        "ident": match[2],
        "authuser": match[3],
        "request": request,
        "response": int(match[7]),
        "bytes": int(match[8]),
    }
    if len(request.split(" ")) > 1:
        result["verb"] = request.split(" ")[0]
    result["@timestamp"] = _timestamp(when)
    if zone:
        result["timezone"] = zone.strip()
        utc = _timestamp_utc(when, zone.strip())
        if utc is not None:
            result["@timestamp_utc"] = utc
    return result


def _transformed(record: dict[str, Any]) -> dict[str, Any]:
    line = base64.b64decode(record["data"]).decode("utf-8", errors="replace")
    parsed = parse_line(line)
    if parsed is None:
        failed = "ProcessingFailed"
        return {"recordId": record["recordId"], "result": failed, "data": record["data"]}
    text = json.dumps(parsed, separators=(",", ":"), ensure_ascii=False) + "\n"
    data = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return {"recordId": record["recordId"], "result": "Ok", "data": data}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Firehose transformation entry point (`exports.handler` in the blueprint)."""
    output = [_transformed(record) for record in event["records"]]
    failed = sum(1 for record in output if record["result"] == "ProcessingFailed")
    logger.info(
        "Processing completed.  Successful records %d, Failed records %d.",
        len(output) - failed,
        failed,
    )
    return {"records": output}
