"""Resharding plans: which open shards close and which new shards (Kafka partitions) open.

Pure functions over a stream's state; `resharding.py` applies a plan to Kafka and the shard map.

- SplitShard: the parent closes; child 1 takes [start, key - 1], child 2 [key, end], both with the
  parent as ParentShardId.
- MergeShards: both parents close; the child takes the union of their ranges, with ShardToMerge as
  ParentShardId and AdjacentShardToMerge as AdjacentParentShardId.
- UpdateShardCount (UNIFORM_SCALING): the open shards become `target` shards of equal width,
  through real splits and merges as AWS does ("this can cause short-lived shards to be created"):
  first every open shard is split at each target boundary inside it, then the pieces within each
  target range are merged left to right. A shard that already is a target range stays open and
  untouched. Pieces that a merge consumes are short-lived: created and closed in the same plan,
  never written to, so their ending offset is their starting offset. Every new shard has one or
  two parents, so the KCL's parent-before-child ordering holds through any UpdateShardCount.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cadabra.streams.hashing import even_ranges
from cadabra.streams.models import ShardInfo, StreamState

__all__ = ["ReshardPlan", "merge_plan", "split_plan", "uniform_plan"]


@dataclass(slots=True)
class ReshardPlan:
    """Indexes of the open shards to close, and the new shards (in index order)."""

    closing: list[int] = field(default_factory=list)
    new: list[ShardInfo] = field(default_factory=list)

    @property
    def opened(self) -> list[ShardInfo]:
        return [shard for shard in self.new if shard.is_open]


class _Builder:
    def __init__(self, state: StreamState, now_ms: int) -> None:
        self.plan = ReshardPlan()
        self._next_index = len(state.shards)
        self._now_ms = now_ms

    def child(self, start: int, end: int, parent: int, adjacent: int | None = None) -> ShardInfo:
        shard = ShardInfo(self._next_index, start, end, parent, adjacent, created_ms=self._now_ms)
        self._next_index += 1
        self.plan.new.append(shard)
        return shard

    def close(self, shard: ShardInfo) -> None:
        if shard in self.plan.new:  # short-lived: nothing was ever routed to it
            shard.closed_ms = self._now_ms
            shard.ending_offset = shard.starting_offset
        else:
            self.plan.closing.append(shard.index)

    def split(self, shard: ShardInfo, key: int) -> tuple[ShardInfo, ShardInfo]:
        self.close(shard)
        lower = self.child(shard.starting_hash_key, key - 1, shard.index)
        upper = self.child(key, shard.ending_hash_key, shard.index)
        return lower, upper

    def merge(self, shard: ShardInfo, adjacent: ShardInfo) -> ShardInfo:
        self.close(shard)
        self.close(adjacent)
        start = min(shard.starting_hash_key, adjacent.starting_hash_key)
        end = max(shard.ending_hash_key, adjacent.ending_hash_key)
        return self.child(start, end, shard.index, adjacent.index)


def split_plan(state: StreamState, parent: ShardInfo, key: int, now_ms: int) -> ReshardPlan:
    builder = _Builder(state, now_ms)
    builder.split(parent, key)
    return builder.plan


def merge_plan(
    state: StreamState, shard: ShardInfo, adjacent: ShardInfo, now_ms: int
) -> ReshardPlan:
    builder = _Builder(state, now_ms)
    builder.merge(shard, adjacent)
    return builder.plan


def uniform_plan(state: StreamState, target: int, now_ms: int) -> ReshardPlan:
    builder = _Builder(state, now_ms)
    targets = even_ranges(target)
    boundaries = [start for start, _ in targets[1:]]
    pieces: list[ShardInfo] = []
    for shard in sorted(state.open_shards, key=lambda s: s.starting_hash_key):
        for boundary in boundaries:
            if shard.starting_hash_key < boundary <= shard.ending_hash_key:
                lower, shard = builder.split(shard, boundary)
                pieces.append(lower)
        pieces.append(shard)
    for start, end in targets:
        group = [p for p in pieces if start <= p.starting_hash_key and p.ending_hash_key <= end]
        merged = group[0]
        for piece in group[1:]:
            merged = builder.merge(merged, piece)
    return builder.plan
