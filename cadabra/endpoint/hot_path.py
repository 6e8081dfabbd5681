"""PutRecord and PutRecords without a worker thread: the endpoint's hot path.

The general path converts a request against the botocore model, then runs the operation in a
worker thread that blocks on Kafka. For the two write operations, which carry nearly all of a
stack's traffic, that costs more than the write itself (a PutRecords call has 500 records to walk
through the model, and every thread hand-off waits for the GIL). Here, a request of the plain
shape (known members of the right types and sizes) is read directly, handed to Kafka on the event
loop, and answered when the writer's thread reports the last acknowledgement. Anything else
(a wrong type, a bound exceeded, an unknown stream, a rarely used member) returns None: the
general path then serves it, so errors keep their exact AWS wording.
"""

from __future__ import annotations

import asyncio
import binascii
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from cadabra.streams import PutRecordsEntry, StreamsService
from cadabra.streams.writes import Answer, PendingPut, RecordWriter

__all__ = ["FastHandler", "kinesis_hot_path"]

# (request document, CBOR?) -> the response document, or the JSON body itself (bytes),
# or None for "take the general path".
FastHandler = Callable[[Any, bool], Awaitable[dict[str, Any] | bytes | None]]

MAX_RECORDS = 500
MAX_KEY = 256
MAX_DATA = 10 * 1024 * 1024  # the model's bound; the stream's own limit is checked later
_BATCH_MEMBERS = frozenset({"StreamName", "StreamARN", "Records"})
_SINGLE_MEMBERS = frozenset({"StreamName", "StreamARN", "Data", "PartitionKey", "ExplicitHashKey"})
_DEBASE64 = binascii.a2b_base64


def _entry(record: Any, cbor: bool) -> PutRecordsEntry | None:
    if type(record) is not dict:
        return None
    data, key = record.get("Data"), record.get("PartitionKey")
    explicit = record.get("ExplicitHashKey")
    if type(key) is not str or not 1 <= len(key) <= MAX_KEY:
        return None
    if explicit is not None and type(explicit) is not str:
        return None
    if type(data) is str:  # base64 in JSON (and, tolerated, in CBOR)
        try:
            data = _DEBASE64(data, strict_mode=True)
        except (binascii.Error, ValueError):
            return None
    elif not (cbor and type(data) is bytes):
        return None
    if len(data) > MAX_DATA:
        return None
    return PutRecordsEntry(data, key, explicit)


def _target(document: Any, members: frozenset[str]) -> tuple[str | None, str | None] | None:
    """(StreamName, StreamARN) if the document has only `members`, of plain types and sizes."""
    if type(document) is not dict or not members.issuperset(document):
        return None
    name, arn = document.get("StreamName"), document.get("StreamARN")
    if name is not None and (type(name) is not str or not 1 <= len(name) <= 128):
        return None
    if arn is not None and (type(arn) is not str or not 1 <= len(arn) <= 2048):
        return None
    return name, arn


def kinesis_hot_path(streams: StreamsService) -> dict[str, FastHandler]:
    timeout_s = streams.kafka_writer.delivery_timeout_s + 5

    async def write(
        entries: list[PutRecordsEntry], name: str | None, arn: str | None, single: bool
    ) -> PendingPut | None:
        known = streams.knows(streams.stream_name(name, arn))
        if not known or not streams.kafka_writer.ready(len(entries)):
            return None  # learning of a stream, or connecting, waits on Kafka: a worker does it
        loop = asyncio.get_running_loop()
        acknowledged = loop.create_future()

        def on_done() -> None:  # on the Kafka writer's thread
            loop.call_soon_threadsafe(_resolve, acknowledged)

        pending = streams.begin_put_records(entries, name, arn, single=single, on_done=on_done)
        with contextlib.suppress(TimeoutError):  # records without a report failed
            await asyncio.wait_for(acknowledged, timeout_s)
        return pending

    async def put_records(document: Any, cbor: bool) -> dict[str, Any] | bytes | None:
        target = _target(document, _BATCH_MEMBERS)
        records = document.get("Records") if target else None
        if target is None or type(records) is not list or not 1 <= len(records) <= MAX_RECORDS:
            return None
        entries = []
        for record in records:
            entry = _entry(record, cbor)
            if entry is None:
                return None
            entries.append(entry)
        pending = await write(entries, *target, single=False)
        if pending is None:
            return None
        return pending.response() if cbor else put_records_json(*pending.answers())

    async def put_record(document: Any, cbor: bool) -> dict[str, Any] | None:
        target = _target(document, _SINGLE_MEMBERS)
        entry = _entry(document, cbor) if target else None
        if target is None or entry is None:
            return None
        pending = await write([entry], *target, single=True)
        if pending is None:
            return None
        return RecordWriter.single_response(pending.response())

    return {"PutRecords": put_records, "PutRecord": put_record}


def put_records_json(answers: list[Answer], failed: int) -> bytes:
    """PutRecords' JSON answer, written directly: sequence numbers and shard ids hold nothing
    to escape; error entries are encoded by `json`."""
    entries = [
        f'{{"SequenceNumber":"{answer[0]}","ShardId":"{answer[1]}"}}'
        if type(answer) is tuple
        else json.dumps(answer, separators=(",", ":"))
        for answer in answers
    ]
    return (
        f'{{"FailedRecordCount":{failed},"Records":[{",".join(entries)}],"EncryptionType":"NONE"}}'
    ).encode()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
