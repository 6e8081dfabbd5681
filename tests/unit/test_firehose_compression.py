"""Firehose CompressionFormat: round trips and readability by independent readers."""

from __future__ import annotations

import gzip
import io
import random
import shutil
import struct
import subprocess
import zipfile

import cramjam
import pytest

from cadabra.errors import DeliveryError, InvalidArgumentException
from sinks.firehose.compression import COMPRESSION_FORMATS, compress, decompress

RECORDS = b"".join(b'{"order": %d, "item": "widget-%d"}\n' % (i, i % 7) for i in range(5000))
NOISE = random.Random(7).randbytes(100_000)
PAYLOADS = [b"", b"x", RECORDS, NOISE]


@pytest.mark.parametrize("compression_format", COMPRESSION_FORMATS)
@pytest.mark.parametrize("payload", PAYLOADS, ids=["empty", "one", "records", "noise"])
def test_round_trip(compression_format: str, payload: bytes) -> None:
    assert decompress(compression_format, compress(compression_format, payload)) == payload


def test_compressed_formats_shrink_records() -> None:
    for compression_format in COMPRESSION_FORMATS[1:]:
        assert len(compress(compression_format, RECORDS)) < len(RECORDS) / 3


def test_uncompressed_is_the_bytes_as_given() -> None:
    assert compress("UNCOMPRESSED", RECORDS) == RECORDS


def test_gzip_is_read_by_the_stdlib_and_gzip_command() -> None:
    data = compress("GZIP", RECORDS)
    assert gzip.decompress(data) == RECORDS
    gunzip = shutil.which("gzip")
    assert gunzip is not None
    result = subprocess.run([gunzip, "-d", "-c"], input=data, capture_output=True, check=True)  # noqa: S603
    assert result.stdout == RECORDS
    assert compress("GZIP", RECORDS) == data  # mtime 0: stable bytes


def test_zip_holds_one_named_entry() -> None:
    data = compress("ZIP", RECORDS, entry_name="orders-1-2018-08-27-10-30-05-abc")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["orders-1-2018-08-27-10-30-05-abc"]
        assert archive.infolist()[0].compress_type == zipfile.ZIP_DEFLATED
        assert archive.read("orders-1-2018-08-27-10-30-05-abc") == RECORDS


def _read_snappy_java(data: bytes) -> bytes:
    """snappy-java's SnappyInputStream format, written here from its description."""
    assert data[:8] == b"\x82SNAPPY\x00"
    assert struct.unpack(">ii", data[8:16]) == (1, 1)
    out, at = b"", 16
    while at < len(data):
        (size,) = struct.unpack(">i", data[at : at + 4])
        out += bytes(cramjam.snappy.decompress_raw(data[at + 4 : at + 4 + size]))
        at += 4 + size
    return out


def test_snappy_is_the_snappy_java_stream() -> None:
    data = compress("Snappy", RECORDS)
    assert _read_snappy_java(data) == RECORDS


def test_snappy_reader_accepts_the_framing_format_too() -> None:
    framed = bytes(cramjam.snappy.compress(RECORDS))
    assert decompress("Snappy", framed) == RECORDS


def _read_hadoop_snappy(data: bytes) -> bytes:
    """Hadoop's BlockDecompressorStream, written here from the format description."""
    out, at = b"", 0
    while at < len(data):
        (expected,) = struct.unpack(">I", data[at : at + 4])
        at += 4
        block = b""
        while len(block) < expected:
            (size,) = struct.unpack(">I", data[at : at + 4])
            block += bytes(cramjam.snappy.decompress_raw(data[at + 4 : at + 4 + size]))
            at += 4 + size
        assert len(block) == expected
        out += block
    return out


def test_hadoop_snappy_is_the_hadoop_block_format() -> None:
    data = compress("HADOOP_SNAPPY", RECORDS)
    assert _read_hadoop_snappy(data) == RECORDS
    (first_block,) = struct.unpack(">I", data[:4])
    assert first_block == 32 * 1024


def test_hadoop_snappy_reader_accepts_several_sub_blocks() -> None:
    halves = [RECORDS[:1000], RECORDS[1000:2000]]
    parts = [struct.pack(">I", 2000)]
    for half in halves:
        raw = bytes(cramjam.snappy.compress_raw(half))
        parts += [struct.pack(">I", len(raw)), raw]
    assert decompress("HADOOP_SNAPPY", b"".join(parts)) == RECORDS[:2000]


def test_corrupt_objects_raise_delivery_errors() -> None:
    with pytest.raises(DeliveryError, match="truncated"):
        decompress("HADOOP_SNAPPY", compress("HADOOP_SNAPPY", RECORDS)[:-10])
    with pytest.raises(DeliveryError, match="header"):
        decompress("Snappy", b"not snappy")
    with pytest.raises(DeliveryError, match="invalid snappy block"):
        decompress("Snappy", compress("Snappy", b"")[:16] + b"\x00\x00\x00\x02\xff\xff")


def test_unknown_format_is_refused() -> None:
    with pytest.raises(InvalidArgumentException, match="CompressionFormat 'LZ4'"):
        compress("LZ4", RECORDS)
    with pytest.raises(InvalidArgumentException, match="CompressionFormat 'LZ4'"):
        decompress("LZ4", RECORDS)
