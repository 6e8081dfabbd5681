"""The agent's checkpoint database (SQLiteFileCheckpointStore): a restart resumes where it stopped.

`FILE_CHECKPOINTS(flow, path, fileId, lastModifiedTime, size, offset, lastUpdated)`, primary key
(flow, path), as the AWS agent keeps it; `offset` only ever covers records the destination
acknowledged. Cadabra adds `INFLIGHT_RECORDS(flow, fileId, startOffset, endOffset, acked)`: the
records of the batch being sent, written before the call and marked as the destination
acknowledges them. After a crash, acknowledged records of an unfinished batch are not sent again;
only the unacknowledged ones are (the window a producer without idempotent writes cannot close).
Rows not updated for `checkpointTimeToLiveDays` are purged at start, as the AWS agent does.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Checkpoint", "CheckpointStore", "InflightRecord"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS FILE_CHECKPOINTS (
    flow TEXT NOT NULL, path TEXT NOT NULL, fileId TEXT NOT NULL,
    lastModifiedTime INTEGER NOT NULL, size INTEGER NOT NULL, offset INTEGER NOT NULL,
    lastUpdated INTEGER NOT NULL, PRIMARY KEY (flow, path));
CREATE TABLE IF NOT EXISTS INFLIGHT_RECORDS (
    flow TEXT NOT NULL, fileId TEXT NOT NULL, startOffset INTEGER NOT NULL,
    endOffset INTEGER NOT NULL, acked INTEGER NOT NULL DEFAULT 0, partitionKey TEXT,
    digest TEXT NOT NULL, sentAt INTEGER NOT NULL, PRIMARY KEY (flow, fileId, startOffset));
"""


@dataclass(frozen=True)
class Checkpoint:
    """How far one file of a flow has been delivered."""

    path: str
    file_id: str
    last_modified_ms: int
    size: int
    offset: int


@dataclass(frozen=True)
class InflightRecord:
    """A record of the batch being sent: [start, end) of file `file_id`, sent with partition key
    `key` and data of MD5 `digest` from `sent_at_ms` (epoch ms) on."""

    file_id: str
    start: int
    end: int
    acked: bool
    key: str | None = None
    digest: str = ""
    sent_at_ms: int = 0


class CheckpointStore:
    """One SQLite file shared by every flow of an agent; safe to use from the flows' threads."""

    def __init__(self, path: Path, ttl_days: int = 7) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        # WAL + NORMAL survives a killed process (not a power cut) and keeps commits cheap.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._purge(ttl_days)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def checkpoints(self, flow: str) -> list[Checkpoint]:
        with self._lock:
            rows = self._db.execute(
                "SELECT path, fileId, lastModifiedTime, size, offset FROM FILE_CHECKPOINTS "
                "WHERE flow = ?",
                (flow,),
            ).fetchall()
        return [Checkpoint(*row) for row in rows]

    def inflight(self, flow: str) -> list[InflightRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT fileId, startOffset, endOffset, acked, partitionKey, digest, sentAt "
                "FROM INFLIGHT_RECORDS WHERE flow = ? ORDER BY fileId, startOffset",
                (flow,),
            ).fetchall()
        return [InflightRecord(r[0], r[1], r[2], bool(r[3]), r[4], r[5], r[6]) for r in rows]

    def save(self, flow: str, checkpoints: Iterable[Checkpoint]) -> None:
        """Record new offsets (one transaction); a file known under another path moves."""
        with self._lock, self._transaction():
            self._upsert(flow, checkpoints)

    def begin_batch(self, flow: str, records: Sequence[InflightRecord]) -> None:
        """Write the records of a batch before it is sent."""
        with self._lock, self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO INFLIGHT_RECORDS VALUES (?, ?, ?, ?, 0, ?, ?, ?)",
                [(flow, r.file_id, r.start, r.end, r.key, r.digest, r.sent_at_ms) for r in records],
            )

    def acknowledge(self, flow: str, records: Sequence[tuple[str, int]]) -> None:
        """Mark records of the batch (fileId, start) the destination accepted."""
        with self._lock, self._transaction():
            self._db.executemany(
                "UPDATE INFLIGHT_RECORDS SET acked = 1 "
                "WHERE flow = ? AND fileId = ? AND startOffset = ?",
                [(flow, file_id, start) for file_id, start in records],
            )

    def complete_batch(
        self, flow: str, checkpoints: Iterable[Checkpoint], records: Sequence[tuple[str, int]]
    ) -> None:
        """The whole batch is delivered: advance the offsets and forget its records (fileId,
        start), atomically."""
        with self._lock, self._transaction():
            self._upsert(flow, checkpoints)
            self._db.executemany(
                "DELETE FROM INFLIGHT_RECORDS WHERE flow = ? AND fileId = ? AND startOffset = ?",
                [(flow, file_id, start) for file_id, start in records],
            )

    def _upsert(self, flow: str, checkpoints: Iterable[Checkpoint]) -> None:
        now = int(time.time() * 1000)
        for point in checkpoints:
            self._db.execute(
                "DELETE FROM FILE_CHECKPOINTS WHERE flow = ? AND fileId = ? AND path != ?",
                (flow, point.file_id, point.path),
            )
            self._db.execute(
                "INSERT OR REPLACE INTO FILE_CHECKPOINTS VALUES (?, ?, ?, ?, ?, ?, ?)",
                (flow, point.path, point.file_id, point.last_modified_ms, point.size,
                 point.offset, now),
            )  # fmt: skip

    def _purge(self, ttl_days: int) -> None:
        cutoff = int(time.time() * 1000) - ttl_days * 86_400_000
        with self._lock, self._transaction():
            self._db.execute("DELETE FROM FILE_CHECKPOINTS WHERE lastUpdated < ?", (cutoff,))

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")
