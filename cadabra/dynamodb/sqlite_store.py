"""The default store: one SQLite file (WAL mode) holding every table of the stand-in."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cadabra.dynamodb.sql_store import SqlStore

__all__ = ["SqliteStore"]


class SqliteStore(SqlStore):
    def __init__(self, path: Path | str) -> None:
        super().__init__()
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode; writes take explicit BEGIN IMMEDIATE ... COMMIT transactions.
        self._connection = sqlite3.connect(
            str(path), check_same_thread=False, isolation_level=None, timeout=30
        )
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._create_schema()

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._connection.execute(sql, tuple(params))

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._connection.execute("ROLLBACK")
            raise
        self._connection.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._connection.close()
