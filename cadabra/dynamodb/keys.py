"""A table's primary key: the partition (HASH) and optional sort (RANGE) attribute.

Key values are stored as bytes whose byte order is DynamoDB's order for the key's type: a String
as its UTF-8 bytes, a Binary as itself, a Number as `numbers.sort_text`. SQLite BLOBs and
PostgreSQL `bytea` both compare bytes, so ranges and ORDER BY on these columns are DynamoDB's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cadabra.dynamodb.errors import ValidationException
from cadabra.dynamodb.items import Item
from cadabra.dynamodb.numbers import parse_number, sort_text

__all__ = ["KeyAttribute", "KeySchema", "StoredKey", "key_bytes"]

StoredKey = tuple[bytes, bytes]  # (partition key, sort key or b"")
MAX_PARTITION_KEY_BYTES = 2048
MAX_SORT_KEY_BYTES = 1024


@dataclass(frozen=True)
class KeyAttribute:
    name: str
    type: str  # S, N or B


@dataclass(frozen=True)
class KeySchema:
    partition: KeyAttribute
    sort: KeyAttribute | None = None

    @property
    def attributes(self) -> tuple[KeyAttribute, ...]:
        return (self.partition,) if self.sort is None else (self.partition, self.sort)

    def item_key(self, item: Item) -> StoredKey:
        """The key of an item being written (PutItem): every key attribute must be there."""
        for attribute in self.attributes:
            if attribute.name not in item:
                raise ValidationException(
                    "One or more parameter values were invalid: Missing the key "
                    f"{attribute.name} in the item"
                )
        return self._stored(item)

    def lookup_key(self, key: Item) -> StoredKey:
        """The key of GetItem/DeleteItem/ExclusiveStartKey: exactly the key attributes."""
        if set(key) != {a.name for a in self.attributes}:
            raise ValidationException("The provided key element does not match the schema")
        return self._stored(key)

    def key_of(self, item: Item) -> Item:
        """The key attributes of an item (LastEvaluatedKey, UnprocessedItems)."""
        return {a.name: item[a.name] for a in self.attributes}

    def _stored(self, item: Item) -> StoredKey:
        partition = key_bytes(item[self.partition.name], self.partition)
        if len(partition) > MAX_PARTITION_KEY_BYTES:
            raise ValidationException(
                "One or more parameter values were invalid: Size of hashkey has exceeded the "
                f"maximum size limit of{MAX_PARTITION_KEY_BYTES} bytes"
            )
        if self.sort is None:
            return partition, b""
        sort = key_bytes(item[self.sort.name], self.sort)
        if len(sort) > MAX_SORT_KEY_BYTES:
            raise ValidationException(
                "One or more parameter values were invalid: Aggregated size of all range keys has "
                f"exceeded the size limit of {MAX_SORT_KEY_BYTES} bytes"
            )
        return partition, sort


def key_bytes(value: dict[str, Any], attribute: KeyAttribute) -> bytes:
    """The stored form of one key value, checked against the attribute's declared type."""
    actual = next(iter(value), "")
    if actual != attribute.type:
        raise ValidationException(
            "One or more parameter values were invalid: Type mismatch for key "
            f"{attribute.name} expected: {attribute.type} actual: {actual}"
        )
    data = value[actual]
    if attribute.type == "N":
        return sort_text(parse_number(data)).encode("ascii")
    raw: bytes = data.encode() if attribute.type == "S" else data
    if not raw:
        kind = "string" if attribute.type == "S" else "binary"
        raise ValidationException(
            "One or more parameter values are not valid. The AttributeValue for a key attribute "
            f"cannot contain an empty {kind} value. Key: {attribute.name}"
        )
    return raw
