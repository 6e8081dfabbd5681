"""A PutRecordBatch as one Kafka record: packed and unpacked losslessly; else one record."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cadabra.firehose.framing import MAGIC, pack, unpack
from cadabra.firehose.record_ids import decode_record_id, encode_record_id


@given(st.lists(st.binary(max_size=300), min_size=1, max_size=50))
def test_a_packed_batch_unpacks_to_its_records(records: list[bytes]) -> None:
    assert unpack(pack(records)) == records


@given(st.binary(max_size=200))
def test_a_value_without_the_magic_is_one_record(value: bytes) -> None:
    if not value.startswith(MAGIC):
        assert unpack(value) == [value]


def test_almost_frames_are_single_records() -> None:
    framed = pack([b"ab", b"c"])
    assert unpack(framed + b"x") == [framed + b"x"]  # one byte too many
    assert unpack(framed[:-1]) == [framed[:-1]]  # one byte short
    assert unpack(MAGIC) == [MAGIC]
    assert unpack(b"") == [b""]


def test_record_ids_carry_the_index_in_the_batch() -> None:
    first = encode_record_id(3, 42, 1_700_000_000_000)
    later = encode_record_id(3, 42, 1_700_000_000_000, 499)
    assert len(first) == 28 and len(later) == 36
    assert decode_record_id(first) == (3, 42, 1_700_000_000_000, 0)
    assert decode_record_id(later) == (3, 42, 1_700_000_000_000, 499)
