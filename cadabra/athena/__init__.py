"""Athena's role: DuckDB over the bucket, with the catalog and named queries of sql/."""

from __future__ import annotations

from cadabra.athena.engine import Engine, QueryResult
from cadabra.athena.errors import AthenaError, ExtensionError, QueryError
from cadabra.athena.settings import AthenaSettings

__all__ = [
    "AthenaError",
    "AthenaSettings",
    "Engine",
    "ExtensionError",
    "QueryError",
    "QueryResult",
]
