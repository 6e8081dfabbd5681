"""Where each shard of an event source mapping stands, kept durably in a SQLite file.

Lambda checkpoints a shard after each batch it is done with (processed or discarded), so a
restarted mapping resumes right after the last such batch. A shard's position is one of:
- `START_AT_STARTING_POSITION`: a shard that existed when the mapping was created and has no
  checkpoint yet; it is read from the mapping's StartingPosition;
- a sequence number: the last record done; reading resumes AFTER_SEQUENCE_NUMBER it;
- `SHARD_END`: a closed shard read to its end; its children may be read.
A shard with no row appeared after the mapping was created (resharding): it is read from
TRIM_HORIZON, so no record written to a child is missed.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["SHARD_END", "START_AT_STARTING_POSITION", "PositionStore"]

SHARD_END = "SHARD_END"
START_AT_STARTING_POSITION = "STARTING_POSITION"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS mappings (mapping TEXT PRIMARY KEY, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS positions (
    mapping TEXT NOT NULL,
    shard_id TEXT NOT NULL,
    position TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (mapping, shard_id)
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat()


class PositionStore:
    """Thread-safe; every write is a committed transaction (synchronous=FULL)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def register(self, mapping: str, shard_ids: Iterable[str]) -> bool:
        """Create the mapping with its initial shards; False (and no change) if it exists."""
        with self._lock, self._db:
            known = self._db.execute("SELECT 1 FROM mappings WHERE mapping = ?", (mapping,))
            if known.fetchone() is not None:
                return False
            self._db.execute("INSERT INTO mappings VALUES (?, ?)", (mapping, _now()))
            self._db.executemany(
                "INSERT INTO positions VALUES (?, ?, ?, ?)",
                [(mapping, shard, START_AT_STARTING_POSITION, _now()) for shard in shard_ids],
            )
            return True

    def get(self, mapping: str, shard_id: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT position FROM positions WHERE mapping = ? AND shard_id = ?",
                (mapping, shard_id),
            ).fetchone()
        return None if row is None else str(row[0])

    def positions(self, mapping: str) -> dict[str, str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT shard_id, position FROM positions WHERE mapping = ?", (mapping,)
            ).fetchall()
        return {str(shard): str(position) for shard, position in rows}

    def checkpoint(self, mapping: str, shard_id: str, position: str) -> None:
        """Record `position` (a sequence number or SHARD_END) for the shard."""
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO positions VALUES (?, ?, ?, ?) ON CONFLICT (mapping, shard_id) "
                "DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at",
                (mapping, shard_id, position, _now()),
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()
