"""Grouping records into Lambda invocations, as Firehose's processing buffer does.

A batch holds at most the processor's `BufferSizeInMBs` of incoming data (measured on the raw
record bytes, before base64, like every Firehose buffer) and an event of at most Lambda's
6,291,456-byte request limit. A batch always takes at least one record, so a record larger than
the buffer hint still travels alone (Firehose records are at most 1,000 KiB, so the request
limit is never broken by one record). Records keep their order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sinks.firehose.transform.contract import (
    MAX_REQUEST_BYTES,
    InvocationSource,
    SourceRecord,
    compact_json,
    event_record,
    invocation_event,
)

__all__ = ["Batch", "invocation_batches"]

# Room for an invocationId (a uuid) in the envelope's size.
_INVOCATION_ID_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"


@dataclass
class Batch:
    """The records of one invocation and their event entries."""

    records: list[SourceRecord] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    raw_bytes: int = 0
    event_bytes: int = 0


def invocation_batches(
    records: Sequence[SourceRecord],
    source: InvocationSource,
    *,
    buffer_bytes: int,
    max_request_bytes: int = MAX_REQUEST_BYTES,
) -> list[Batch]:
    envelope = len(compact_json(invocation_event(_INVOCATION_ID_PLACEHOLDER, source, [])).encode())
    batches: list[Batch] = []
    current = Batch(event_bytes=envelope)
    for record in records:
        entry = event_record(record, source)
        entry_bytes = len(compact_json(entry).encode()) + (1 if current.entries else 0)
        too_big = (
            current.raw_bytes + len(record.data) > buffer_bytes
            or current.event_bytes + entry_bytes > max_request_bytes
        )
        if current.records and too_big:
            batches.append(current)
            current = Batch(event_bytes=envelope)
            entry_bytes = len(compact_json(entry).encode())
        current.records.append(record)
        current.entries.append(entry)
        current.raw_bytes += len(record.data)
        current.event_bytes += entry_bytes
    if current.records:
        batches.append(current)
    return batches
