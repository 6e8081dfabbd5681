"""Records as the Kinesis Agent cuts them out of a file, and what it does to each before sending.

Splitting (SingleLineSplitter / RegexSplitter): one line per record, a record keeps its trailing
`\\n`; with `multiLineStartPattern` a record starts at its first line and runs until the next
complete line the pattern matches at its start (`Matcher.lookingAt`). Truncation
(AbstractRecord.truncate): a record over the destination's maximum is cut to the maximum and its
last bytes replaced by `truncatedRecordTerminator`; for Kinesis the maximum counts the partition
key. Partition keys (KinesisRecord.generatePartitionKey): RANDOM is the decimal string of a
uniform double in [0, 1000000), DETERMINISTIC the hex MD5 of the record's data.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from decimal import Decimal

__all__ = [
    "Record",
    "java_double",
    "partition_key",
    "split_lines",
    "split_multiline",
    "truncate",
]


@dataclass(frozen=True)
class Record:
    """A record read from `path` (file identity `file_id`) at bytes [start, end).

    `data` is what is sent (after data processing); None for a record the agent skips (a
    conversion error), which still advances the checkpoint when the records before it are sent.
    """

    file_id: str
    path: str
    start: int
    end: int
    data: bytes | None


def split_lines(buffer: bytes) -> list[int]:
    """End offsets (exclusive) in `buffer` of its complete lines, each ending with `\\n`."""
    ends: list[int] = []
    position = buffer.find(b"\n")
    while position >= 0:
        ends.append(position + 1)
        position = buffer.find(b"\n", position + 1)
    return ends


def split_multiline(buffer: bytes, start: re.Pattern[str], *, flush: bool) -> list[int]:
    """End offsets of complete multi-line records in `buffer` (which begins at a record start).

    A record is complete when a later complete line matches `start`; with `flush` (no more data
    for now, as the AWS agent does at the end of what it could read) the complete lines after the
    last boundary form a record too. An unterminated last line always waits for its `\\n`.
    """
    lines = split_lines(buffer)
    ends: list[int] = []
    line_start = 0
    for index, line_end in enumerate(lines):
        if index > 0 and start.match(buffer[line_start:line_end].decode("utf-8", "replace")):
            ends.append(line_start)
        line_start = line_end
    if flush and lines and lines[-1] > (ends[-1] if ends else 0):
        ends.append(lines[-1])
    return ends


def truncate(data: bytes, max_bytes: int, terminator: bytes) -> bytes:
    """`data` cut to `max_bytes`, its last bytes replaced by `terminator`, when it is longer."""
    if len(data) <= max_bytes:
        return data
    return data[: max_bytes - len(terminator)] + terminator


def partition_key(option: str, data: bytes, rng: random.Random) -> str:
    """The Kinesis Agent's partition key for `data` under `partitionKeyOption`."""
    if option == "DETERMINISTIC":
        return hashlib.md5(data, usedforsecurity=False).hexdigest()
    return java_double(rng.uniform(0.0, 1_000_000.0))


def java_double(value: float) -> str:
    """`Double.toString`: shortest round-trip digits, `E` notation outside [1e-3, 1e7)."""
    if value == 0:
        return "0.0"
    if 1e-3 <= abs(value) < 1e7:
        text = repr(value)
        return text if "." in text else f"{text}.0"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    text = "".join(map(str, digits))
    power = len(text) - 1 + int(exponent)
    return f"{'-' if sign else ''}{text[0]}.{text[1:] or '0'}E{power}"
