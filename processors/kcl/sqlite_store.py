"""The lease table in SQLite: one file shared by workers in several processes of one machine.

Reproduces the KCL's DynamoDB lease table (one table per application, named after it) with
SQLite transactions in place of DynamoDB's conditional writes: each conditional update is a single
`UPDATE ... WHERE leaseKey = ? AND leaseCounter = ?` in an immediate transaction, and its row
count says whether the condition held. The database runs in WAL mode with a busy timeout, so
readers and writers of several processes wait for each other instead of failing; a database still
locked after the timeout is a KinesisClientLibDependencyException.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from processors.kcl.errors import InvalidStateException, KinesisClientLibDependencyException
from processors.kcl.lease import Lease
from processors.kcl.sequence import ExtendedSequenceNumber

__all__ = ["SqliteLeaseStore"]

_COLUMNS = (
    "leaseKey, leaseOwner, leaseCounter, checkpoint, checkpointSubSequenceNumber, "
    "pendingCheckpoint, pendingCheckpointSubSequenceNumber, ownerSwitchesSinceCheckpoint, "
    "parentShardId, childShardIds, startingHashKey, endingHashKey"
)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _row_to_lease(row: tuple[Any, ...]) -> Lease:
    pending = None if row[5] is None else ExtendedSequenceNumber(row[5], row[6] or 0)
    return Lease(
        lease_key=row[0],
        lease_owner=row[1],
        lease_counter=row[2],
        checkpoint=ExtendedSequenceNumber(row[3], row[4]),
        pending_checkpoint=pending,
        owner_switches_since_checkpoint=row[7],
        parent_shard_ids=tuple(json.loads(row[8])),
        child_shard_ids=tuple(json.loads(row[9])),
        starting_hash_key=int(row[10]),
        ending_hash_key=int(row[11]),
    )


class SqliteLeaseStore:
    def __init__(self, path: Path | str, table: str, busy_timeout_s: float = 10.0) -> None:
        self.path = Path(path)
        self.table = table
        self._t = _quote(table)
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            self.path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode=WAL")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            cursor = self._db.cursor()
            try:
                cursor.execute("BEGIN IMMEDIATE")
                yield cursor
                cursor.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                self._rollback(cursor)
                if "no such table" in str(exc):
                    raise InvalidStateException(
                        f"Lease table {self.table} does not exist in {self.path}"
                    ) from exc
                raise KinesisClientLibDependencyException(
                    f"Lease table {self.table} in {self.path}: {exc}"
                ) from exc
            except BaseException:
                self._rollback(cursor)
                raise

    @staticmethod
    def _rollback(cursor: sqlite3.Cursor) -> None:
        with contextlib.suppress(sqlite3.OperationalError):  # nothing was begun
            cursor.execute("ROLLBACK")

    def _sql(self, template: str) -> str:
        """A statement on this application's table (its name is quoted, not a parameter)."""
        return template.replace("{table}", self._t).replace("{columns}", _COLUMNS)

    def create_lease_table_if_not_exists(self) -> None:
        with self._transaction() as cur:
            cur.execute(
                self._sql(
                    "CREATE TABLE IF NOT EXISTS {table} ("
                    "leaseKey TEXT PRIMARY KEY, leaseOwner TEXT, leaseCounter INTEGER NOT NULL, "
                    "checkpoint TEXT NOT NULL, checkpointSubSequenceNumber INTEGER NOT NULL, "
                    "pendingCheckpoint TEXT, pendingCheckpointSubSequenceNumber INTEGER, "
                    "ownerSwitchesSinceCheckpoint INTEGER NOT NULL, parentShardId TEXT NOT NULL, "
                    "childShardIds TEXT NOT NULL, startingHashKey TEXT NOT NULL, "
                    "endingHashKey TEXT NOT NULL)"
                )
            )

    def list_leases(self) -> list[Lease]:
        with self._transaction() as cur:
            rows = cur.execute(
                self._sql("SELECT {columns} FROM {table} ORDER BY leaseKey")
            ).fetchall()
        return [_row_to_lease(row) for row in rows]

    def get_lease(self, lease_key: str) -> Lease | None:
        with self._transaction() as cur:
            row = cur.execute(
                self._sql("SELECT {columns} FROM {table} WHERE leaseKey = ?"), (lease_key,)
            ).fetchone()
        return None if row is None else _row_to_lease(row)

    def create_lease_if_not_exists(self, lease: Lease) -> bool:
        pending = lease.pending_checkpoint
        values = (
            lease.lease_key,
            lease.lease_owner,
            lease.lease_counter,
            lease.checkpoint.sequence_number,
            lease.checkpoint.sub_sequence_number,
            None if pending is None else pending.sequence_number,
            None if pending is None else pending.sub_sequence_number,
            lease.owner_switches_since_checkpoint,
            json.dumps(list(lease.parent_shard_ids)),
            json.dumps(list(lease.child_shard_ids)),
            str(lease.starting_hash_key),
            str(lease.ending_hash_key),
        )
        with self._transaction() as cur:
            cur.execute(
                self._sql(
                    "INSERT OR IGNORE INTO {table} ({columns}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                ),
                values,
            )
            return cur.rowcount == 1

    def _conditional(self, lease: Lease, sql: str, args: tuple[Any, ...]) -> Lease | None:
        """Run `sql` (its WHERE clause ends with the condition) and read the row back."""
        with self._transaction() as cur:
            cur.execute(self._sql(sql), args)
            if cur.rowcount != 1:
                return None
            row = cur.execute(
                self._sql("SELECT {columns} FROM {table} WHERE leaseKey = ?"), (lease.lease_key,)
            ).fetchone()
        return _row_to_lease(row)

    def renew_lease(self, lease: Lease) -> Lease | None:
        return self._conditional(
            lease,
            "UPDATE {table} SET leaseCounter = leaseCounter + 1 "
            "WHERE leaseKey = ? AND leaseCounter = ? AND leaseOwner IS ?",
            (lease.lease_key, lease.lease_counter, lease.lease_owner),
        )

    def take_lease(self, lease: Lease, owner: str) -> Lease | None:
        return self._conditional(
            lease,
            "UPDATE {table} SET leaseCounter = leaseCounter + 1, leaseOwner = ?, "
            "ownerSwitchesSinceCheckpoint = ownerSwitchesSinceCheckpoint + "
            "(CASE WHEN leaseOwner IS ? THEN 0 ELSE 1 END) "
            "WHERE leaseKey = ? AND leaseCounter = ?",
            (owner, owner, lease.lease_key, lease.lease_counter),
        )

    def evict_lease(self, lease: Lease) -> Lease | None:
        return self._conditional(
            lease,
            "UPDATE {table} SET leaseCounter = leaseCounter + 1, leaseOwner = NULL "
            "WHERE leaseKey = ? AND leaseOwner IS ?",
            (lease.lease_key, lease.lease_owner),
        )

    def update_checkpoint(
        self,
        lease: Lease,
        checkpoint: ExtendedSequenceNumber,
        child_shard_ids: tuple[str, ...] | None = None,
    ) -> Lease | None:
        children = json.dumps(list(child_shard_ids or lease.child_shard_ids))
        return self._conditional(
            lease,
            "UPDATE {table} SET leaseCounter = leaseCounter + 1, checkpoint = ?, "
            "checkpointSubSequenceNumber = ?, ownerSwitchesSinceCheckpoint = 0, "
            "childShardIds = ? WHERE leaseKey = ? AND leaseCounter = ? AND leaseOwner IS ?",
            (
                checkpoint.sequence_number,
                checkpoint.sub_sequence_number,
                children,
                lease.lease_key,
                lease.lease_counter,
                lease.lease_owner,
            ),
        )

    def delete_lease(self, lease: Lease) -> bool:
        with self._transaction() as cur:
            cur.execute(
                self._sql("DELETE FROM {table} WHERE leaseKey = ? AND checkpoint = 'SHARD_END'"),
                (lease.lease_key,),
            )
            return cur.rowcount == 1

    def close(self) -> None:
        with self._lock:
            self._db.close()
