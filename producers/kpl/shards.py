"""The producer's shard map: which open shard owns a hash key (the KPL's `ShardMap`).

Learned with ListShards (paged); only open shards (no EndingSequenceNumber) are kept, sorted by
starting hash key, so a lookup is a bisect. The map is refreshed when a put lands on another shard
than predicted (resharding happened), as the KPL invalidates its map on a "Wrong Shard".
"""

from __future__ import annotations

import bisect
import logging
from dataclasses import dataclass
from typing import Any

__all__ = ["Shard", "ShardMap", "list_open_shards"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Shard:
    shard_id: str
    start: int
    end: int


def list_open_shards(client: Any, stream: str) -> list[Shard]:
    """The open shards of `stream`, by starting hash key."""
    shards: list[Shard] = []
    request: dict[str, Any] = {"StreamName": stream}
    while True:
        page = client.list_shards(**request)
        for shard in page["Shards"]:
            if shard.get("SequenceNumberRange", {}).get("EndingSequenceNumber") is None:
                hash_range = shard["HashKeyRange"]
                shards.append(
                    Shard(
                        shard["ShardId"],
                        int(hash_range["StartingHashKey"]),
                        int(hash_range["EndingHashKey"]),
                    )
                )
        token = page.get("NextToken")
        if not token:
            break
        request = {"NextToken": token}
    return sorted(shards, key=lambda shard: shard.start)


class ShardMap:
    """Hash key -> open shard of one stream; call `refresh` when it may be stale."""

    def __init__(self, client: Any, stream: str) -> None:
        self._client = client
        self.stream = stream
        self._shards: list[Shard] = []
        self._starts: list[int] = []
        self.refresh()

    def refresh(self) -> None:
        shards = list_open_shards(self._client, self.stream)
        self._shards, self._starts = shards, [shard.start for shard in shards]
        log.debug("stream %s: %d open shards", self.stream, len(shards))

    @property
    def shards(self) -> list[Shard]:
        return list(self._shards)

    def shard_for(self, hash_key: int) -> Shard:
        index = bisect.bisect_right(self._starts, hash_key) - 1
        shard = self._shards[max(index, 0)]
        if not shard.start <= hash_key <= shard.end:  # a gap: only while resharding
            raise LookupError(f"no open shard of {self.stream} holds hash key {hash_key}")
        return shard
