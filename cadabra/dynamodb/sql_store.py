"""The SQL both stores share: two tables, one of descriptions and one of items.

Key columns are binary (SQLite BLOB, PostgreSQL bytea) and compare bytes, so ranges and ORDER BY
follow DynamoDB's order. One connection serves a store, guarded by a lock: the endpoint's worker
threads take turns, which keeps every write (and every read-check-write the service does under its
own lock) consistent without depending on the backend's isolation level.
"""

from __future__ import annotations

import threading
from abc import abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

from cadabra.dynamodb.keys import StoredKey
from cadabra.dynamodb.store import SortRange, StoredItem, TableStore

__all__ = ["SqlStore"]

_ITEM_COLUMNS = "pk, sk, item, size"


class SqlStore(TableStore):
    """Subclasses give the connection, the transaction and the parameter mark."""

    mark = "?"
    blob_type = "BLOB"

    def __init__(self) -> None:
        self._lock = threading.RLock()

    @abstractmethod
    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Runs one statement; returns a cursor (fetchone/fetchall)."""

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[None]: ...

    def _sql(self, sql: str) -> str:
        return sql.replace("?", self.mark)

    def _run(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._execute(self._sql(sql), params)

    def _create_schema(self) -> None:
        with self._lock, self._transaction():
            self._run(
                "CREATE TABLE IF NOT EXISTS dynamodb_tables "
                "(name TEXT PRIMARY KEY, description TEXT NOT NULL)"
            )
            self._run(
                "CREATE TABLE IF NOT EXISTS dynamodb_items (table_name TEXT NOT NULL, "
                f"pk {self.blob_type} NOT NULL, sk {self.blob_type} NOT NULL, item TEXT NOT NULL, "
                "size INTEGER NOT NULL, PRIMARY KEY (table_name, pk, sk))"
            )

    def create_table(self, name: str, description: str) -> bool:
        with self._lock, self._transaction():
            if self._run("SELECT 1 FROM dynamodb_tables WHERE name = ?", (name,)).fetchone():
                return False
            self._run("INSERT INTO dynamodb_tables VALUES (?, ?)", (name, description))
            return True

    def describe(self, name: str) -> str | None:
        with self._lock:
            row = self._run(
                "SELECT description FROM dynamodb_tables WHERE name = ?", (name,)
            ).fetchone()
        return None if row is None else str(row[0])

    def table_names(self) -> list[str]:
        with self._lock:
            rows = self._run("SELECT name FROM dynamodb_tables ORDER BY name").fetchall()
        return sorted(str(row[0]) for row in rows)  # Python's order, whatever the collation

    def drop_table(self, name: str) -> bool:
        with self._lock, self._transaction():
            if not self._run("SELECT 1 FROM dynamodb_tables WHERE name = ?", (name,)).fetchone():
                return False
            self._run("DELETE FROM dynamodb_items WHERE table_name = ?", (name,))
            self._run("DELETE FROM dynamodb_tables WHERE name = ?", (name,))
            return True

    def get(self, table: str, key: StoredKey) -> str | None:
        with self._lock:
            row = self._run(
                "SELECT item FROM dynamodb_items WHERE table_name = ? AND pk = ? AND sk = ?",
                (table, *key),
            ).fetchone()
        return None if row is None else str(row[0])

    def write(self, table: str, puts: Sequence[StoredItem], deletes: Sequence[StoredKey]) -> None:
        with self._lock, self._transaction():
            for put in puts:
                self._run(
                    f"INSERT INTO dynamodb_items (table_name, {_ITEM_COLUMNS}) "  # noqa: S608
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (table_name, pk, sk) "
                    "DO UPDATE SET item = excluded.item, size = excluded.size",
                    (table, put.partition, put.sort, put.item, put.size),
                )
            for key in deletes:
                self._run(
                    "DELETE FROM dynamodb_items WHERE table_name = ? AND pk = ? AND sk = ?",
                    (table, *key),
                )

    def query(
        self, table: str, partition: bytes, sort: SortRange, forward: bool, limit: int
    ) -> list[StoredItem]:
        where = ["table_name = ?", "pk = ?"]
        params: list[Any] = [table, partition]
        if sort.low is not None:
            where.append("sk >= ?" if sort.low_inclusive else "sk > ?")
            params.append(sort.low)
        if sort.high is not None:
            where.append("sk <= ?" if sort.high_inclusive else "sk < ?")
            params.append(sort.high)
        order = "ASC" if forward else "DESC"
        sql = (
            f"SELECT {_ITEM_COLUMNS} FROM dynamodb_items WHERE {' AND '.join(where)} "  # noqa: S608
            f"ORDER BY sk {order} LIMIT ?"
        )
        return self._items(sql, [*params, limit])

    def scan(self, table: str, after: StoredKey | None, limit: int) -> list[StoredItem]:
        params: list[Any]
        if after is None:
            where, params = "table_name = ?", [table]
        else:
            where = "table_name = ? AND (pk > ? OR (pk = ? AND sk > ?))"
            params = [table, after[0], after[0], after[1]]
        sql = f"SELECT {_ITEM_COLUMNS} FROM dynamodb_items WHERE {where} ORDER BY pk, sk LIMIT ?"  # noqa: S608
        return self._items(sql, [*params, limit])

    def _items(self, sql: str, params: Sequence[Any]) -> list[StoredItem]:
        with self._lock:
            rows = self._run(sql, params).fetchall()
        return list(_stored_items(rows))

    def stats(self, table: str) -> tuple[int, int]:
        with self._lock:
            row = self._run(
                "SELECT count(*), coalesce(sum(size), 0) FROM dynamodb_items WHERE table_name = ?",
                (table,),
            ).fetchone()
        return int(row[0]), int(row[1])


def _stored_items(rows: Sequence[Sequence[Any]]) -> Iterator[StoredItem]:
    for pk, sk, item, size in rows:
        yield StoredItem(bytes(pk), bytes(sk), str(item), int(size))
