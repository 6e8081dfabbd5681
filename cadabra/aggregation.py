"""The KPL's aggregated record format: many user records in one Kinesis record.

Reproduces the Kinesis Producer Library's wire format (`aggregation-format.md`,
`kinesis_record.cc`) and the KCL's `AggregatorUtil` deaggregation:

    bytes 0..3     magic F3 89 9A C2
    bytes 4..N-17  protobuf (proto2) AggregatedRecord
    last 16 bytes  MD5 of the protobuf bytes

    message AggregatedRecord { repeated string partition_key_table = 1;
                               repeated string explicit_hash_key_table = 2;
                               repeated Record records = 3; }
    message Record { required uint64 partition_key_index = 1;
                     optional uint64 explicit_hash_key_index = 2;
                     required bytes data = 3;
                     repeated Tag tags = 4; }

The protobuf is encoded and decoded by hand (varints and length-delimited fields); decoding skips
fields it does not know (tags included). As in the KCL, a record is an aggregate only if it starts
with the magic, is longer than magic + digest, its MD5 matches and its protobuf parses; anything
else (a corrupt aggregate included) is one plain user record. Lives in `cadabra` because both the
KPL-style producer and the consumers use it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from cadabra.streams.hashing import hash_key

__all__ = [
    "DIGEST_SIZE",
    "MAGIC",
    "AggregateBuilder",
    "UserRecord",
    "aggregate",
    "deaggregate",
    "effective_hash_key",
    "in_hash_range",
    "is_aggregated",
]

MAGIC = b"\xf3\x89\x9a\xc2"
DIGEST_SIZE = 16
_OVERHEAD = len(MAGIC) + DIGEST_SIZE

# Wire types and the tags (field number << 3 | wire type) this format writes.
_VARINT, _FIXED64, _LENGTH, _FIXED32 = 0, 1, 2, 5
_TAG_PK_TABLE, _TAG_EHK_TABLE, _TAG_RECORD = 0x0A, 0x12, 0x1A
_TAG_PK_INDEX, _TAG_EHK_INDEX, _TAG_DATA = 0x08, 0x10, 0x1A


@dataclass(frozen=True, slots=True)
class UserRecord:
    """One user record: what the producer put, and its position inside its Kinesis record."""

    partition_key: str
    explicit_hash_key: str | None
    data: bytes
    sub_sequence_number: int = 0


class _DecodeError(ValueError):
    """The protobuf bytes are not a valid AggregatedRecord."""


# -- encoding ---------------------------------------------------------------------------------


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _varint_size(value: int) -> int:
    return max(1, (value.bit_length() + 6) // 7)


def _field_size(payload: int) -> int:
    """Bytes of a length-delimited field (one-byte tag) with a payload of `payload` bytes."""
    return 1 + _varint_size(payload) + payload


def _length_field(tag: int, payload: bytes) -> bytes:
    return bytes((tag,)) + _varint(len(payload)) + payload


def _record_message(pk_index: int, ehk_index: int | None, data: bytes) -> bytes:
    body = bytes((_TAG_PK_INDEX,)) + _varint(pk_index)
    if ehk_index is not None:
        body += bytes((_TAG_EHK_INDEX,)) + _varint(ehk_index)
    return body + _length_field(_TAG_DATA, data)


def _record_size(pk_index: int, ehk_index: int | None, data_len: int) -> int:
    body = 1 + _varint_size(pk_index) + _field_size(data_len)
    if ehk_index is not None:
        body += 1 + _varint_size(ehk_index)
    return _field_size(body)


@dataclass
class AggregateBuilder:
    """An aggregate being filled, which knows its encoded size before each addition.

    Keys are deduplicated in the tables, as the KPL does. `size` is the size of `to_bytes()`.
    """

    _pk_index: dict[str, int] = field(default_factory=dict)
    _ehk_index: dict[str, int] = field(default_factory=dict)
    _pk_parts: list[bytes] = field(default_factory=list)
    _ehk_parts: list[bytes] = field(default_factory=list)
    _records: list[bytes] = field(default_factory=list)
    _proto_size: int = 0

    def __len__(self) -> int:
        return len(self._records)

    @property
    def size(self) -> int:
        return _OVERHEAD + self._proto_size

    def size_with(self, record: UserRecord) -> int:
        """The encoded size after adding `record`."""
        return self.size + self._growth(record)

    def add(self, record: UserRecord) -> None:
        growth = self._growth(record)
        pk_index = _index(self._pk_index, self._pk_parts, record.partition_key, _TAG_PK_TABLE)
        ehk_index = None
        if record.explicit_hash_key is not None:
            ehk_index = _index(
                self._ehk_index, self._ehk_parts, record.explicit_hash_key, _TAG_EHK_TABLE
            )
        self._records.append(
            _length_field(_TAG_RECORD, _record_message(pk_index, ehk_index, record.data))
        )
        self._proto_size += growth

    def to_bytes(self) -> bytes:
        # Canonical field order: the key tables (1, 2), then the records (3).
        proto = b"".join((*self._pk_parts, *self._ehk_parts, *self._records))
        return MAGIC + proto + hashlib.md5(proto, usedforsecurity=False).digest()

    def _growth(self, record: UserRecord) -> int:
        growth = 0
        pk_index = self._pk_index.get(record.partition_key)
        if pk_index is None:
            pk_index = len(self._pk_index)
            growth += _field_size(len(record.partition_key.encode()))
        ehk_index = None
        if record.explicit_hash_key is not None:
            ehk_index = self._ehk_index.get(record.explicit_hash_key)
            if ehk_index is None:
                ehk_index = len(self._ehk_index)
                growth += _field_size(len(record.explicit_hash_key.encode()))
        return growth + _record_size(pk_index, ehk_index, len(record.data))


def _index(table: dict[str, int], parts: list[bytes], key: str, tag: int) -> int:
    """The index of `key` in a key table, appending it (and its encoded field) if new."""
    index = table.get(key)
    if index is None:
        index = table[key] = len(table)
        parts.append(_length_field(tag, key.encode()))
    return index


def aggregate(records: Sequence[UserRecord]) -> bytes:
    """One Kinesis record's data holding `records` (magic, protobuf AggregatedRecord, MD5)."""
    if not records:
        raise ValueError("an aggregated record needs at least one user record")
    builder = AggregateBuilder()
    for record in records:
        builder.add(record)
    return builder.to_bytes()


# -- decoding ---------------------------------------------------------------------------------


def _read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise _DecodeError("truncated or overlong varint")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _fields(buf: bytes) -> Iterator[tuple[int, int | bytes]]:
    """(number, value) of each varint or length-delimited field; fixed-width ones are skipped."""
    pos = 0
    while pos < len(buf):
        key, pos = _read_varint(buf, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise _DecodeError("field number 0")
        if wire == _VARINT:
            value, pos = _read_varint(buf, pos)
            yield number, value
        elif wire == _LENGTH:
            length, pos = _read_varint(buf, pos)
            if pos + length > len(buf):
                raise _DecodeError("truncated length-delimited field")
            yield number, buf[pos : pos + length]
            pos += length
        elif wire in (_FIXED64, _FIXED32):
            pos += 8 if wire == _FIXED64 else 4
            if pos > len(buf):
                raise _DecodeError("truncated fixed-width field")
        else:  # groups (3, 4) are not in this schema; 6 and 7 do not exist
            raise _DecodeError(f"unsupported wire type {wire}")


def _parse_record(buf: bytes) -> tuple[int, int | None, bytes]:
    pk_index: int | None = None
    ehk_index: int | None = None
    data: bytes | None = None
    for number, value in _fields(buf):
        if isinstance(value, int):
            if number == 1:
                pk_index = value
            elif number == 2:
                ehk_index = value
        elif number == 3:
            data = value
    if pk_index is None or data is None:  # proto2 required fields
        raise _DecodeError("record without partition_key_index or data")
    return pk_index, ehk_index, data


def _parse_aggregate(buf: bytes) -> list[UserRecord]:
    pks: list[str] = []
    ehks: list[str] = []
    raw: list[tuple[int, int | None, bytes]] = []
    try:
        for number, value in _fields(buf):
            if isinstance(value, int):
                continue
            if number == 1:
                pks.append(value.decode("utf-8"))
            elif number == 2:
                ehks.append(value.decode("utf-8"))
            elif number == 3:
                raw.append(_parse_record(value))
    except UnicodeDecodeError as exc:
        raise _DecodeError("key table entry is not UTF-8") from exc
    return [_user_record(pks, ehks, entry, n) for n, entry in enumerate(raw)]


def _user_record(
    pks: list[str], ehks: list[str], entry: tuple[int, int | None, bytes], sub_sequence: int
) -> UserRecord:
    pk_index, ehk_index, data = entry
    if pk_index >= len(pks) or (ehk_index is not None and ehk_index >= len(ehks)):
        raise _DecodeError("key index outside its table")
    ehk = None if ehk_index is None else ehks[ehk_index]
    return UserRecord(pks[pk_index], ehk, data, sub_sequence)


def _checked_payload(data: bytes) -> bytes | None:
    """The protobuf bytes if `data` has the magic, the minimum length and a matching MD5."""
    if len(data) <= _OVERHEAD or not data.startswith(MAGIC):
        return None
    proto, digest = data[len(MAGIC) : -DIGEST_SIZE], data[-DIGEST_SIZE:]
    if hashlib.md5(proto, usedforsecurity=False).digest() != digest:
        return None
    return proto


def is_aggregated(data: bytes) -> bool:
    """Whether `data` has the magic, is longer than magic + digest and its MD5 matches."""
    return _checked_payload(data) is not None


def deaggregate(
    data: bytes, partition_key: str, explicit_hash_key: str | None = None
) -> list[UserRecord]:
    """The user records in a Kinesis record (itself alone if it is not a valid aggregate).

    User records get sub-sequence numbers 0..n-1 in order. A record that fails any check (magic,
    length, MD5, protobuf, a key index outside its table) comes back as one plain user record
    with the outer keys, as the KCL does.
    """
    proto = _checked_payload(data)
    if proto is not None:
        try:
            return _parse_aggregate(proto)
        except _DecodeError:
            pass
    return [UserRecord(partition_key, explicit_hash_key, data, 0)]


# -- hash ranges (the KCL's filter after resharding) -------------------------------------------


def effective_hash_key(record: UserRecord) -> int | None:
    """The explicit hash key, else MD5 of the partition key; None if the explicit one is bad."""
    if record.explicit_hash_key is None:
        return hash_key(record.partition_key)
    text = record.explicit_hash_key
    return int(text) if text.isascii() and text.isdigit() else None


def in_hash_range(
    records: Sequence[UserRecord], start: int, end: int, *, whole_aggregate: bool = False
) -> list[UserRecord]:
    """The user records whose effective hash key lies in [start, end] (a shard's range).

    With `whole_aggregate=True` this is exactly the KCL's rule for the user records of ONE Kinesis
    record: if any of them lies outside, all are dropped (a stale-map aggregate is re-sent by the
    KPL to the right shard). Otherwise each user record is judged alone. A malformed explicit
    hash key counts as outside.
    """

    def inside(record: UserRecord) -> bool:
        key = effective_hash_key(record)
        return key is not None and start <= key <= end

    kept = [record for record in records if inside(record)]
    if whole_aggregate and len(kept) != len(records):
        return []
    return kept
