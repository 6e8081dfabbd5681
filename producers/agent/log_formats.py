"""The `logFormat`s of the Kinesis Agent's LOGTOJSON option: patterns and field names.

Reproduces the agent's `PatternConstants`, `ApacheLogParser` and `SysLogParser`
(awslabs/amazon-kinesis-agent): the patterns are Java regular expressions (compiled through
`java_regex`, so `.` stops at `\\r` as in Java), matched against the whole record, and their
capture groups become the fields in order. The Apache formats turn a field that reads `-` into
null; the syslog formats keep it (and give null only for a group that did not take part).

Field names are the code's (`referer`, as in ApacheLogParser), not the docs' `referrer`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LOG_FORMATS", "LogFormat"]

# Building blocks, as PatternConstants spells them (Java syntax).
_INT = r"(?:[+-]?(?:[0-9]+))"
_POSINT = r"(?:[1-9][0-9]*)"
_NONNEGINT = r"(?:[0-9]+)"
_ANYDATA = r".*"
_WORD = r"\w+"
_NOQUOTE = r'[^"]+'
_IP = r"(?:[\d\.]+)"
_HOSTNAME = r"(?:[\w\-]+)(?:\.(?:[\w\-]+))*(?:\.?|\b)"
_IPORHOST = f"(?:{_HOSTNAME}|{_IP})"
_URIHOST = f"(?:{_IPORHOST}(?::{_POSINT})?)"
_USER = r"(?:[a-zA-Z0-9._-]+)"
_MONTHDAY = r"(?:(?:0[1-9])|(?:[12][0-9])|(?:3[01])|[1-9])"
_DAY = r"(?:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)"  # noqa: E501
_MONTH = (
    r"\b(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|Jun(?:e)?|Jul(?:y)?"
    r"|Aug(?:ust)?|Sep(?:tember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b"
)
_YEAR = r"(?:[1-9]\d*)"
_HOUR = r"(?:2[0123]|[01]?[0-9])"
_MINUTE = r"(?:[0-5][0-9])"
_SECOND = r"(?:(?:[0-5]?[0-9]|60)(?:[:\.,][0-9]+)?)"
_TIME = f"(?:{_HOUR}:{_MINUTE}:{_SECOND})"
_HTTPDATE = f"(?:{_MONTHDAY}/{_MONTH}/{_YEAR}:{_TIME}\\s{_INT})"
_ERRORLOG_TIMESTAMP = f"(?:{_DAY}\\s+{_MONTH}\\s+{_MONTHDAY}\\s+{_TIME}\\s+{_YEAR})"
_SYSLOG_TIMESTAMP = f"(?:{_MONTH}\\s+{_MONTHDAY}\\s+{_TIME})"
_RFC3339 = r"(?:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?:Z|(?:[-+]\d{2}:\d{2}))"
_SYSLOG_FACILITY = f"<{_NONNEGINT}.{_NONNEGINT}>"
_SYSLOG_PROG = r"([\w\._/%-]+)" + f"(?:\\[({_POSINT})\\])?"

_COMMON = (
    f"^({_IPORHOST}) ({_USER}) ({_USER}) \\[({_HTTPDATE})\\] "
    f'"({_NOQUOTE})" ({_INT}|\\-) ({_INT}|\\-)'
)
_COMBINED = f'{_COMMON} "({_NOQUOTE})" "({_NOQUOTE})"'
_APACHE_ERROR = (
    f"^\\[({_ERRORLOG_TIMESTAMP})\\] \\[(?:({_WORD}):)?({_WORD})\\] "
    f"\\[pid ({_NONNEGINT})(?::tid ({_NONNEGINT}))?\\] \\[client ({_URIHOST})\\] ({_ANYDATA})"
)
_SYSLOG_TAIL = f"(?:{_SYSLOG_FACILITY} )?({_USER}) {_SYSLOG_PROG}: ({_ANYDATA})"

_COMMON_FIELDS = ("host", "ident", "authuser", "datetime", "request", "response", "bytes")
_ERROR_FIELDS = ("timestamp", "module", "severity", "processid", "threadid", "client", "message")
_SYSLOG_FIELDS = ("timestamp", "hostname", "program", "processid", "message")


@dataclass(frozen=True)
class LogFormat:
    """One `logFormat`: its default Java pattern and field names; `dash_is_null` for Apache."""

    pattern: str
    fields: tuple[str, ...]
    dash_is_null: bool


LOG_FORMATS: dict[str, LogFormat] = {
    "COMMONAPACHELOG": LogFormat(f"{_COMMON}.*", _COMMON_FIELDS, dash_is_null=True),
    "COMBINEDAPACHELOG": LogFormat(
        f"{_COMBINED}.*", (*_COMMON_FIELDS, "referer", "agent"), dash_is_null=True
    ),
    "APACHEERRORLOG": LogFormat(_APACHE_ERROR, _ERROR_FIELDS, dash_is_null=True),
    "SYSLOG": LogFormat(f"^({_SYSLOG_TIMESTAMP}) {_SYSLOG_TAIL}", _SYSLOG_FIELDS, False),
    "RFC3339SYSLOG": LogFormat(f"^({_RFC3339}) {_SYSLOG_TAIL}", _SYSLOG_FIELDS, False),
}
