"""Query and Scan: pages of items in key order, with Limit, filters and LastEvaluatedKey.

As on DynamoDB, `Limit` counts the items *evaluated* (before FilterExpression), a page stops at
1 MB of evaluated items, and a page that stopped early (at Limit or at 1 MB) carries the key of
its last evaluated item as LastEvaluatedKey, to pass back as ExclusiveStartKey. Query reads one
partition in sort key order (ScanIndexForward=false reverses it); Scan reads the whole table in
Cadabra's partition order (DynamoDB's is by hash: callers must not rely on either).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cadabra.dynamodb.conditions import evaluate
from cadabra.dynamodb.expressions import Condition, Path
from cadabra.dynamodb.items import Item, loads
from cadabra.dynamodb.keys import KeySchema
from cadabra.dynamodb.projection import project
from cadabra.dynamodb.store import SortRange, StoredItem

__all__ = ["MAX_PAGE_BYTES", "PageRequest", "read_page", "resume_range"]

MAX_PAGE_BYTES = 1024 * 1024
_CHUNK = 500

# fetch(after, count) -> up to `count` stored items following `after` (None = the start).
Fetch = Callable[[StoredItem | None, int], Sequence[StoredItem]]


@dataclass(frozen=True)
class PageRequest:
    schema: KeySchema
    limit: int | None = None
    filter: Condition | None = None
    projection: list[Path] | None = None
    count_only: bool = False


def read_page(request: PageRequest, fetch: Fetch) -> dict[str, Any]:
    items: list[Item] = []
    scanned, size = 0, 0
    last: tuple[StoredItem, Item] | None = None
    while True:
        wanted = _CHUNK if request.limit is None else min(_CHUNK, request.limit - scanned)
        chunk = fetch(last[0] if last else None, wanted)
        for stored in chunk:
            item = loads(stored.item)
            scanned, size, last = scanned + 1, size + stored.size, (stored, item)
            if request.filter is None or evaluate(request.filter, item):
                items.append(project(item, request.projection))
            if _page_full(request, scanned, size):
                return _answer(request, items, scanned, request.schema.key_of(item))
        if len(chunk) < wanted:
            return _answer(request, items, scanned, None)


def _page_full(request: PageRequest, scanned: int, size: int) -> bool:
    return (request.limit is not None and scanned >= request.limit) or size >= MAX_PAGE_BYTES


def _answer(
    request: PageRequest, items: list[Item], scanned: int, last_key: Item | None
) -> dict[str, Any]:
    answer: dict[str, Any] = {"Count": len(items), "ScannedCount": scanned}
    if not request.count_only:
        answer["Items"] = items
    if last_key is not None:
        answer["LastEvaluatedKey"] = last_key
    return answer


def resume_range(sort: SortRange, after: bytes, forward: bool) -> SortRange:
    """The sort range left after `after` (an ExclusiveStartKey's or a page's last sort key)."""
    if forward:
        if sort.low is not None and sort.low > after:
            return sort
        return SortRange(after, False, sort.high, sort.high_inclusive)
    if sort.high is not None and sort.high < after:
        return sort
    return SortRange(sort.low, sort.low_inclusive, after, False)
