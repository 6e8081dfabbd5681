"""Athena's tables over S3 prefixes, as DuckDB table functions: Parquet and (gzip) JSON lines.

Athena reads every object under a table's LOCATION; here a prefix plus a glob names the objects
(`s3://<bucket>/<prefix>/*.parquet`). Gzip is detected from the `.gz` suffix, as Firehose names its
compressed objects.
"""

from __future__ import annotations

from cadabra.athena.extension import sql_literal

__all__ = ["json_lines_source", "parquet_source", "s3_uri"]


def s3_uri(bucket: str, prefix: str, pattern: str = "*") -> str:
    """`s3://<bucket>/<prefix>/<pattern>`; `prefix` may be empty and needs no slashes."""
    parts = [part for part in (prefix.strip("/"), pattern) if part]
    return f"s3://{bucket}/" + "/".join(parts)


def parquet_source(bucket: str, prefix: str, pattern: str = "*.parquet") -> str:
    """A FROM clause item reading the Parquet objects under `prefix` (their union by name)."""
    return f"read_parquet({sql_literal(s3_uri(bucket, prefix, pattern))}, union_by_name = true)"


def json_lines_source(bucket: str, prefix: str, pattern: str = "*") -> str:
    """A FROM clause item reading newline-delimited JSON objects (plain or `.gz`) under `prefix`."""
    uri = sql_literal(s3_uri(bucket, prefix, pattern))
    return f"read_json({uri}, format = 'newline_delimited', union_by_name = true)"
