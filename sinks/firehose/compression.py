"""Firehose `CompressionFormat` of S3 objects: the bytes AWS writes for each format.

- `UNCOMPRESSED`: the concatenated records as they are;
- `GZIP`: one gzip member (mtime 0, so equal input gives equal bytes);
- `ZIP`: a zip archive holding one deflated entry (AWS names it with a uuid; the caller passes
  the name, e.g. the object's uuid);
- `Snappy`: snappy-java's stream format (`SnappyOutputStream`, the `snappy-java`
  Content-Encoding AWS sets), not Google's framing format: the 16-byte header
  `0x82 SNAPPY 0x00` + version 1 + compatible version 1 (big-endian ints), then per 32 KiB of
  input a 4-byte big-endian length and a raw snappy block;
- `HADOOP_SNAPPY`: Hadoop's block format (`SnappyCodec`/`BlockCompressorStream`): per 32 KiB of
  input a 4-byte big-endian uncompressed length, then 4-byte compressed length + raw snappy.

`decompress` also reads Google's snappy framing format for `Snappy`, and Hadoop blocks made of
several sub-blocks, so objects written by other tools can be read back. Compression happens after
records are concatenated (that is the caller's job); sizes for buffering are measured before it.
"""

from __future__ import annotations

import gzip
import io
import struct
import zipfile

import cramjam

from cadabra.errors import DeliveryError, InvalidArgumentException

__all__ = ["COMPRESSION_FORMATS", "SNAPPY_BLOCK_SIZE", "compress", "decompress"]

COMPRESSION_FORMATS = ("UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY")
SNAPPY_BLOCK_SIZE = 32 * 1024  # snappy-java's DEFAULT_BLOCK_SIZE, used by both Snappy streams
DEFAULT_ZIP_ENTRY = "data"
_SNAPPY_JAVA_MAGIC = b"\x82SNAPPY\x00"
_SNAPPY_JAVA_HEADER = _SNAPPY_JAVA_MAGIC + struct.pack(">ii", 1, 1)
_FRAMING_MAGIC = b"\xff\x06\x00\x00sNaPpY"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_INT = struct.Struct(">I")


def _check_format(compression_format: str) -> None:
    if compression_format not in COMPRESSION_FORMATS:
        raise InvalidArgumentException(
            f"CompressionFormat '{compression_format}' is not one of "
            f"{', '.join(COMPRESSION_FORMATS)}."
        )


def _blocks(data: bytes) -> list[bytes]:
    return [data[i : i + SNAPPY_BLOCK_SIZE] for i in range(0, len(data), SNAPPY_BLOCK_SIZE)]


def _raw(block: bytes) -> bytes:
    return bytes(cramjam.snappy.compress_raw(block))


def _zip(data: bytes, entry_name: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        entry = zipfile.ZipInfo(entry_name, date_time=_ZIP_TIME)
        archive.writestr(entry, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _snappy_java(data: bytes) -> bytes:
    parts = [_SNAPPY_JAVA_HEADER]
    for block in _blocks(data):
        compressed = _raw(block)
        parts += [_INT.pack(len(compressed)), compressed]
    return b"".join(parts)


def _hadoop_snappy(data: bytes) -> bytes:
    parts = []
    for block in _blocks(data):
        compressed = _raw(block)
        parts += [_INT.pack(len(block)), _INT.pack(len(compressed)), compressed]
    return b"".join(parts)


def compress(compression_format: str, data: bytes, *, entry_name: str = DEFAULT_ZIP_ENTRY) -> bytes:
    """`data` (the concatenated records) compressed as Firehose does for `compression_format`."""
    _check_format(compression_format)
    if compression_format == "GZIP":
        return gzip.compress(data, mtime=0)
    if compression_format == "ZIP":
        return _zip(data, entry_name)
    if compression_format == "Snappy":
        return _snappy_java(data)
    if compression_format == "HADOOP_SNAPPY":
        return _hadoop_snappy(data)
    return data


class _Reader:
    """Big-endian ints and byte runs from a buffer; a short read is a corrupt object."""

    def __init__(self, data: bytes, what: str) -> None:
        self.data, self.at, self.what = data, 0, what

    @property
    def done(self) -> bool:
        return self.at >= len(self.data)

    def take(self, size: int) -> bytes:
        if self.at + size > len(self.data):
            raise DeliveryError(f"The {self.what} object is truncated at byte {self.at}.")
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk

    def int(self) -> int:
        value: int = _INT.unpack(self.take(4))[0]
        return value


def _unraw(block: bytes, what: str) -> bytes:
    try:
        return bytes(cramjam.snappy.decompress_raw(block))
    except cramjam.DecompressionError as error:
        raise DeliveryError(f"The {what} object holds an invalid snappy block.") from error


def _unsnappy(data: bytes) -> bytes:
    if data.startswith(_FRAMING_MAGIC):
        return bytes(cramjam.snappy.decompress(data))
    if not data.startswith(_SNAPPY_JAVA_MAGIC):
        raise DeliveryError("The Snappy object has no snappy-java or framing header.")
    reader = _Reader(data, "Snappy")
    reader.take(len(_SNAPPY_JAVA_HEADER))
    parts = []
    while not reader.done:
        parts.append(_unraw(reader.take(reader.int()), "Snappy"))
    return b"".join(parts)


def _unhadoop(data: bytes) -> bytes:
    reader = _Reader(data, "HADOOP_SNAPPY")
    parts = []
    while not reader.done:
        expected, block = reader.int(), b""
        while len(block) < expected:
            block += _unraw(reader.take(reader.int()), "HADOOP_SNAPPY")
        if len(block) != expected:
            raise DeliveryError("A HADOOP_SNAPPY block is longer than its declared length.")
        parts.append(block)
    return b"".join(parts)


def _unzip(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        if len(names) != 1:
            raise DeliveryError(f"The ZIP object holds {len(names)} entries, not 1.")
        return archive.read(names[0])


def decompress(compression_format: str, data: bytes) -> bytes:
    """The records of an object written with `compression_format`."""
    _check_format(compression_format)
    if compression_format == "GZIP":
        return gzip.decompress(data)
    if compression_format == "ZIP":
        return _unzip(data)
    if compression_format == "Snappy":
        return _unsnappy(data)
    if compression_format == "HADOOP_SNAPPY":
        return _unhadoop(data)
    return data
