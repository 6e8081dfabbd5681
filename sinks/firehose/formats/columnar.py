"""`OutputFormatConfiguration.Serializer`: the Parquet or ORC file a conversion writes.

ParquetSerDe (Hive's Parquet writer options, mapped onto `pyarrow.parquet`):
- `Compression` UNCOMPRESSED | GZIP | SNAPPY (default SNAPPY);
- `EnableDictionaryCompression`: unset means the Parquet writer's default, on;
- `PageSizeBytes` (default 1 MiB, min 64 KiB) -> `data_page_size`;
- `BlockSizeBytes` (default 256 MiB, min 64 MiB): the row-group size in bytes, turned into rows
  from the table's average row size;
- `WriterVersion` V1 (default) | V2 -> `data_page_version` "1.0" | "2.0";
- `MaxPaddingBytes` (default 0): padding to HDFS blocks; accepted, nothing to pad on S3.

OrcSerDe (onto `pyarrow.orc`): `Compression` NONE | ZLIB | SNAPPY (default SNAPPY),
`StripeSizeBytes` (default 64 MiB, min 8 MiB), `BlockSizeBytes` (accepted, HDFS only),
`RowIndexStride` (default 10,000, min 1,000), `EnablePadding`/`PaddingTolerance` (default
false/0.05), `BloomFilterColumns`, `BloomFilterFalsePositiveProbability` (default 0.05),
`DictionaryKeyThreshold` (ORC's 0.8 when unset), `FormatVersion` V0_11 | V0_12
(default V0_12).
Out-of-range values raise `FormatConversionError` naming the field, as AWS's validation does.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from sinks.firehose.formats.errors import FormatConversionError

__all__ = ["OrcWriter", "ParquetWriter", "Writer", "writer_from_config"]

_PATH = "OutputFormatConfiguration.Serializer"
MIB = 1024 * 1024


def _option(config: Mapping[str, Any], path: str, name: str, default: Any, kind: type) -> Any:
    value = config.get(name)
    if value is None:
        return default
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise FormatConversionError(f"{path}.{name} must be a {kind.__name__}, not {value!r}.")
    return value


def _at_least(value: int, minimum: int, path: str, name: str) -> int:
    if value < minimum:
        raise FormatConversionError(
            f"Value '{value}' at '{path}.{name}' failed to satisfy constraint: "
            f"Member must have value greater than or equal to {minimum}."
        )
    return value


def _one_of(value: str, allowed: dict[str, Any], path: str, name: str) -> Any:
    if value not in allowed:
        raise FormatConversionError(
            f"Value '{value}' at '{path}.{name}' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{', '.join(allowed)}]."
        )
    return allowed[value]


def _fraction(value: float, path: str, name: str) -> float:
    if not 0.0 <= value <= 1.0:
        raise FormatConversionError(f"{path}.{name} must be between 0 and 1, not {value}.")
    return value


class Writer:
    """Writes a table as one file's bytes."""

    format_name = ""

    def write(self, table: pa.Table) -> bytes:
        raise NotImplementedError


@dataclass(frozen=True)
class ParquetWriter(Writer):
    compression: str = "snappy"
    use_dictionary: bool = True
    page_size: int = MIB
    block_size: int = 256 * MIB
    data_page_version: str = "1.0"
    format_name = "parquet"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ParquetWriter:
        path = f"{_PATH}.ParquetSerDe"
        codecs = {"SNAPPY": "snappy", "GZIP": "gzip", "UNCOMPRESSED": "none"}
        _at_least(_option(config, path, "MaxPaddingBytes", 0, int), 0, path, "MaxPaddingBytes")
        return cls(
            compression=_one_of(
                _option(config, path, "Compression", "SNAPPY", str), codecs, path, "Compression"
            ),
            use_dictionary=_option(config, path, "EnableDictionaryCompression", True, bool),
            page_size=_at_least(
                _option(config, path, "PageSizeBytes", MIB, int), 64 * 1024, path, "PageSizeBytes"
            ),
            block_size=_at_least(
                _option(config, path, "BlockSizeBytes", 256 * MIB, int),
                64 * MIB,
                path,
                "BlockSizeBytes",
            ),
            data_page_version=_one_of(
                _option(config, path, "WriterVersion", "V1", str),
                {"V1": "1.0", "V2": "2.0"},
                path,
                "WriterVersion",
            ),
        )

    def write(self, table: pa.Table) -> bytes:
        row_bytes = max(1, table.nbytes // max(1, table.num_rows))
        sink = io.BytesIO()
        pq.write_table(
            table,
            sink,
            compression=self.compression,
            use_dictionary=self.use_dictionary,
            data_page_size=self.page_size,
            data_page_version=self.data_page_version,
            row_group_size=max(1, self.block_size // row_bytes),
        )
        return sink.getvalue()


@dataclass(frozen=True)
class OrcWriter(Writer):
    compression: str = "snappy"
    stripe_size: int = 64 * MIB
    row_index_stride: int = 10_000
    padding_tolerance: float = 0.0
    bloom_filter_columns: tuple[str, ...] = ()
    bloom_filter_fpp: float = 0.05
    dictionary_key_size_threshold: float = 0.8
    file_version: str = "0.12"
    format_name = "orc"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> OrcWriter:
        path = f"{_PATH}.OrcSerDe"
        codecs = {"SNAPPY": "snappy", "ZLIB": "zlib", "NONE": "uncompressed"}
        _at_least(
            _option(config, path, "BlockSizeBytes", 256 * MIB, int),
            64 * MIB,
            path,
            "BlockSizeBytes",
        )
        padding = _option(config, path, "EnablePadding", False, bool)
        tolerance = _fraction(
            _option(config, path, "PaddingTolerance", 0.05, float), path, "PaddingTolerance"
        )
        columns = _option(config, path, "BloomFilterColumns", [], list)
        if not all(isinstance(c, str) and c for c in columns):
            raise FormatConversionError(f"{path}.BloomFilterColumns must list column names.")
        return cls(
            compression=_one_of(
                _option(config, path, "Compression", "SNAPPY", str), codecs, path, "Compression"
            ),
            stripe_size=_at_least(
                _option(config, path, "StripeSizeBytes", 64 * MIB, int),
                8 * MIB,
                path,
                "StripeSizeBytes",
            ),
            row_index_stride=_at_least(
                _option(config, path, "RowIndexStride", 10_000, int), 1000, path, "RowIndexStride"
            ),
            padding_tolerance=tolerance if padding else 0.0,
            bloom_filter_columns=tuple(c.lower() for c in columns),
            bloom_filter_fpp=_fraction(
                _option(config, path, "BloomFilterFalsePositiveProbability", 0.05, float),
                path,
                "BloomFilterFalsePositiveProbability",
            ),
            dictionary_key_size_threshold=_fraction(
                _option(config, path, "DictionaryKeyThreshold", 0.8, float),
                path,
                "DictionaryKeyThreshold",
            ),
            file_version=_one_of(
                _option(config, path, "FormatVersion", "V0_12", str),
                {"V0_11": "0.11", "V0_12": "0.12"},
                path,
                "FormatVersion",
            ),
        )

    def check_columns(self, names: list[str]) -> None:
        missing = [c for c in self.bloom_filter_columns if c not in names]
        if missing:
            raise FormatConversionError(
                f"{_PATH}.OrcSerDe.BloomFilterColumns names columns the table does not have: "
                f"{', '.join(missing)}."
            )

    def write(self, table: pa.Table) -> bytes:
        import pyarrow.orc as orc  # type: ignore[import-untyped]

        names = table.column_names
        sink = io.BytesIO()
        orc.write_table(
            table,
            sink,
            file_version=self.file_version,
            compression=self.compression,
            stripe_size=self.stripe_size,
            row_index_stride=self.row_index_stride,
            padding_tolerance=self.padding_tolerance,
            dictionary_key_size_threshold=self.dictionary_key_size_threshold,
            bloom_filter_columns=[names.index(c) for c in self.bloom_filter_columns],
            bloom_filter_fpp=self.bloom_filter_fpp,
        )
        return sink.getvalue()


def writer_from_config(conversion: Mapping[str, Any]) -> ParquetWriter | OrcWriter:
    """The serializer of a `DataFormatConversionConfiguration`."""
    serializer = (conversion.get("OutputFormatConfiguration") or {}).get("Serializer") or {}
    parquet, orc_config = serializer.get("ParquetSerDe"), serializer.get("OrcSerDe")
    if (parquet is None) == (orc_config is None):
        raise FormatConversionError(f"{_PATH} must name exactly one of ParquetSerDe and OrcSerDe.")
    if parquet is not None:
        return ParquetWriter.from_config(parquet)
    assert orc_config is not None  # noqa: S101 - exactly one was named
    return OrcWriter.from_config(orc_config)
