"""Where the DynamoDB stand-in keeps its tables: the interface both backends implement.

A store knows nothing of AttributeValues: it keeps each table's description (a JSON document) and
its items as (partition key bytes, sort key bytes, item JSON, size) rows, and answers ranges over
the sort key in byte order (see keys.py), which is DynamoDB's order for the key's type.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from cadabra.dynamodb.keys import StoredKey

__all__ = ["SortRange", "StoredItem", "TableStore"]


@dataclass(frozen=True)
class StoredItem:
    partition: bytes
    sort: bytes
    item: str  # the item's stored JSON (items.dumps)
    size: int

    @property
    def key(self) -> StoredKey:
        return self.partition, self.sort


@dataclass(frozen=True)
class SortRange:
    """Bounds on the sort key bytes; None = unbounded on that side."""

    low: bytes | None = None
    low_inclusive: bool = True
    high: bytes | None = None
    high_inclusive: bool = True


class TableStore(ABC):
    @abstractmethod
    def create_table(self, name: str, description: str) -> bool:
        """Adds the table; False when a table of that name exists."""

    @abstractmethod
    def describe(self, name: str) -> str | None:
        """The table's description JSON, None when there is no such table."""

    @abstractmethod
    def table_names(self) -> list[str]:
        """Every table, in name order."""

    @abstractmethod
    def drop_table(self, name: str) -> bool:
        """Removes the table and its items; False when there was no such table."""

    @abstractmethod
    def get(self, table: str, key: StoredKey) -> str | None: ...

    @abstractmethod
    def write(self, table: str, puts: Sequence[StoredItem], deletes: Sequence[StoredKey]) -> None:
        """Puts (replacing) and deletes in one transaction."""

    @abstractmethod
    def query(
        self,
        table: str,
        partition: bytes,
        sort: SortRange,
        forward: bool,
        limit: int,
    ) -> list[StoredItem]:
        """Up to `limit` items of one partition within `sort`, in sort key order (or reversed)."""

    @abstractmethod
    def scan(self, table: str, after: StoredKey | None, limit: int) -> list[StoredItem]:
        """Up to `limit` items after `after`, in (partition, sort) byte order."""

    @abstractmethod
    def stats(self, table: str) -> tuple[int, int]:
        """(ItemCount, TableSizeBytes)."""

    @abstractmethod
    def close(self) -> None: ...
