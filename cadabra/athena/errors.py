"""Errors of the Athena role, shaped after Athena's `InvalidRequestException` and failed queries.

Athena reports a query that fails (bad SQL, a missing object, S3 refusing the read) as a FAILED
query execution whose `StateChangeReason` is the engine's message; Cadabra raises `QueryError`
carrying DuckDB's message unchanged, and the SQL that failed.
"""

from __future__ import annotations

from cadabra.errors import CadabraError

__all__ = ["AthenaError", "ExtensionError", "QueryError"]


class AthenaError(CadabraError):
    """Athena's role: the SQL engine over the bucket."""

    code = "InvalidRequestException"
    http_status = 400


class QueryError(AthenaError):
    """A query failed; `message` is DuckDB's, `sql` the statement that failed."""

    def __init__(self, message: str, *, sql: str = "") -> None:
        super().__init__(message)
        self.sql = sql


class ExtensionError(AthenaError):
    """The httpfs extension file is missing or DuckDB refused to load it (nothing is downloaded)."""

    code = "InternalServerException"
    http_status = 500
