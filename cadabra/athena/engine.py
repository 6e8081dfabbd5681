"""Athena's engine: a DuckDB database that reads the stack's bucket through httpfs.

Athena runs SQL over objects in S3; here DuckDB does, with the httpfs extension loaded from the
installed `duckdb-extension-httpfs` package (nothing is downloaded: autoinstall and autoload of
known extensions are off) and an S3 secret for the stack's S3 server (S3Proxy natively, MinIO
under Docker: path-style URLs). A failed query raises `QueryError` with DuckDB's message, where
Athena would report a FAILED query execution. Not reproduced: query execution ids, result paging,
workgroups, data-scanned accounting.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

import duckdb

from cadabra.athena.errors import QueryError
from cadabra.athena.extension import httpfs_extension_path, load_extension, sql_literal
from cadabra.athena.settings import AthenaSettings
from cadabra.athena.sources import json_lines_source, parquet_source
from cadabra.athena.views import schema_sql, view_sql
from cadabra.config import AwsSettings, S3Settings

if TYPE_CHECKING:
    from cadabra.athena.catalog import Catalog, Table

__all__ = ["Engine", "QueryResult", "s3_secret_sql"]

logger = logging.getLogger(__name__)

# The name of the DuckDB secret object (not a secret value).
DUCKDB_S3_CREDENTIALS_NAME = "cadabra_s3"


class QueryResult(NamedTuple):
    """Column names and rows of a query; unpacks as `columns, rows = engine.query(sql)`."""

    columns: list[str]
    rows: list[tuple[Any, ...]]


def s3_secret_sql(s3: S3Settings, aws: AwsSettings) -> str:
    """CREATE SECRET for the S3 server at `s3.endpoint_url` (path-style, SSL as its scheme says)."""
    url = urlsplit(s3.endpoint_url)
    options = {
        "TYPE": "s3",
        "KEY_ID": sql_literal(aws.access_key_id),
        "SECRET": sql_literal(aws.secret_access_key.get_secret_value()),
        "REGION": sql_literal(aws.region),
        "ENDPOINT": sql_literal(url.netloc),
        "URL_STYLE": "'path'",
        "USE_SSL": "true" if url.scheme == "https" else "false",
    }
    body = ", ".join(f"{key} {value}" for key, value in options.items())
    return f"CREATE OR REPLACE SECRET {DUCKDB_S3_CREDENTIALS_NAME} ({body})"


class Engine:
    """One in-memory DuckDB database with httpfs loaded and the stack's S3 secret.

    `query` runs each statement on its own cursor, so threads may share an Engine.
    """

    def __init__(
        self,
        settings: AthenaSettings | None = None,
        s3: S3Settings | None = None,
        aws: AwsSettings | None = None,
    ) -> None:
        self.settings = settings or AthenaSettings()
        self.s3 = s3 or S3Settings()
        self.extension_path: Path = self.settings.httpfs_extension or httpfs_extension_path()
        self.connection = duckdb.connect(config=self._config())
        try:
            load_extension(self.connection, self.extension_path)
            self.connection.execute(s3_secret_sql(self.s3, aws or AwsSettings()))
        except BaseException:
            self.connection.close()
            raise
        logger.info("DuckDB engine over %s/%s", self.s3.endpoint_url, self.s3.bucket)

    def _config(self) -> dict[str, str | bool | int | float | list[str]]:
        return {
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "threads": self.settings.threads,
            "memory_limit": self.settings.memory_limit,
        }

    def query(
        self, sql: str, parameters: Sequence[object] | Mapping[str, object] | None = None
    ) -> QueryResult:
        """Run `sql` with `?` (a sequence) or `$name` (a mapping) parameters; a failure is a
        QueryError with DuckDB's message."""
        cursor = self.connection.cursor()
        try:
            result = cursor.execute(sql, parameters)
            columns = [column[0] for column in result.description or ()]
            return QueryResult(columns, result.fetchall())
        except duckdb.Error as exc:
            raise QueryError(str(exc), sql=sql) from exc
        finally:
            cursor.close()

    def parquet(self, prefix: str, pattern: str = "*.parquet") -> str:
        """A FROM item for the Parquet objects under `prefix` in the stack's bucket."""
        return parquet_source(self.s3.bucket, prefix, pattern)

    def json_lines(self, prefix: str, pattern: str = "*") -> str:
        """A FROM item for the JSON-lines objects (plain or .gz) under `prefix` in the bucket."""
        return json_lines_source(self.s3.bucket, prefix, pattern)

    def register_catalog(self, catalog: Catalog) -> list[Table]:
        """A schema per Glue database and a view per table, so SQL says `FROM cadabra.orders`.

        Each table's glob is listed now: a location without objects gets an empty view (DuckDB
        refuses an empty glob; Athena returns 0 rows). Call again to see objects that arrived
        in a location that was empty. Returns the tables registered (ORC ones are skipped).
        """
        registered: list[Table] = []
        for database in sorted(catalog.databases):
            self.query(schema_sql(database))
        for table in catalog:
            if table.format == "orc":
                logger.warning("%s: DuckDB has no ORC reader; table skipped", table.qualified_name)
                continue
            self.query(view_sql(table, has_objects=self.has_objects(table.glob)))
            registered.append(table)
        return registered

    def has_objects(self, glob: str) -> bool:
        """Whether any object matches `glob` (an `s3://bucket/...` pattern)."""
        return bool(self.query("SELECT 1 FROM glob(?) LIMIT 1", [glob]).rows)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
