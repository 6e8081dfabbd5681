"""Record ids: opaque base64 text that decodes back to (partition, offset, stream incarnation)."""

from __future__ import annotations

import base64

import pytest

from cadabra.errors import InvalidArgumentException
from cadabra.firehose import RecordPosition, decode_record_id, encode_record_id


@pytest.mark.parametrize(
    ("partition", "offset", "created_ms"),
    [(0, 0, 0), (3, 2**63 - 1, 1_700_000_000_000), (2**32 - 1, 12345, 1)],
)
def test_round_trip(partition: int, offset: int, created_ms: int) -> None:
    record_id = encode_record_id(partition, offset, created_ms)
    assert decode_record_id(record_id) == RecordPosition(partition, offset, created_ms)
    assert len(record_id) == 28
    base64.b64decode(record_id, validate=True)


def test_ids_differ_by_every_part() -> None:
    ids = {
        encode_record_id(0, 1, 5),
        encode_record_id(1, 1, 5),
        encode_record_id(0, 2, 5),
        encode_record_id(0, 1, 6),
    }
    assert len(ids) == 4


@pytest.mark.parametrize(
    "bad",
    ["", "not base64!", base64.b64encode(b"short").decode(), base64.b64encode(bytes(21)).decode()],
)
def test_foreign_ids_are_invalid_arguments(bad: str) -> None:
    with pytest.raises(InvalidArgumentException, match="RecordId"):
        decode_record_id(bad)
