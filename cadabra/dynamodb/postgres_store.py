"""The PostgreSQL store (psycopg 3): the same two tables, key columns as bytea.

A lost connection answers the call in flight with InternalServerError (retryable, as DynamoDB's
HTTP 500s are) and is reopened by the next call.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg

from cadabra.dynamodb.errors import InternalServerError
from cadabra.dynamodb.sql_store import SqlStore

__all__ = ["PostgresStore"]

logger = logging.getLogger(__name__)


class PostgresStore(SqlStore):
    mark = "%s"
    blob_type = "BYTEA"

    def __init__(self, url: str) -> None:
        super().__init__()
        self._url = url
        self._connection = self._connect()
        self._create_schema()

    def _connect(self) -> psycopg.Connection[Any]:
        # UTF-8 whatever the database's encoding: in a SQL_ASCII database (initdb under the C
        # locale) psycopg would answer TEXT columns as bytes.
        return psycopg.connect(self._url, autocommit=True, client_encoding="utf8")

    def _live(self) -> psycopg.Connection[Any]:
        if self._connection.closed or self._connection.broken:
            logger.warning("reconnecting to PostgreSQL after a lost connection")
            self._connection = self._connect()
        return self._connection

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        try:
            return self._live().execute(sql, tuple(params))
        except psycopg.OperationalError as exc:
            raise InternalServerError(f"Internal server error: {exc}") from exc

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        try:
            with self._live().transaction():
                yield
        except psycopg.OperationalError as exc:
            raise InternalServerError(f"Internal server error: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._connection.close()
