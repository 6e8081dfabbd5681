"""Shard sync: leases for the stream's shards, parents before children (the KCL's
HierarchicalShardSyncer, simplified).

From ListShards, a lease is created for each shard that has none, when:
- none of its ancestors is leased or listed (a root): it starts at the application's initial
  position (TRIM_HORIZON or LATEST). With LATEST, closed roots are skipped, so their open
  descendants start at LATEST;
- else only once every listed parent has a lease at SHARD_END (or no lease because it was skipped
  as above): it starts at TRIM_HORIZON, so nothing written after the split or merge is missed.
A shard whose descendant holds a lease gets none (its lease was deleted after completion).
The same rule creates a finished parent's children at once from the ChildShards of its last read.
With cleanupLeasesUponShardCompletion, a SHARD_END lease is deleted once all of its children's
leases have checkpointed past TRIM_HORIZON.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from processors.kcl.lease import Lease
from processors.kcl.sequence import ExtendedSequenceNumber
from processors.kcl.store import LeaseStore

__all__ = ["ShardInfo", "ShardSyncer", "shard_from_aws"]

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ShardInfo:
    shard_id: str
    parent_shard_ids: tuple[str, ...]
    starting_hash_key: int
    ending_hash_key: int
    is_open: bool


def shard_from_aws(shard: dict[str, Any]) -> ShardInfo:
    """A ListShards `Shard` (or a GetRecords `ChildShards` entry) as a ShardInfo."""
    parents = shard.get("ParentShards") or [
        p for p in (shard.get("ParentShardId"), shard.get("AdjacentParentShardId")) if p
    ]
    ending = (shard.get("SequenceNumberRange") or {}).get("EndingSequenceNumber")
    return ShardInfo(
        shard_id=shard["ShardId"],
        parent_shard_ids=tuple(parents),
        starting_hash_key=int(shard["HashKeyRange"]["StartingHashKey"]),
        ending_hash_key=int(shard["HashKeyRange"]["EndingHashKey"]),
        is_open="SequenceNumberRange" not in shard or ending is None,
    )


class ShardSyncer:
    def __init__(
        self,
        store: LeaseStore,
        list_shards: Callable[[], list[ShardInfo]],
        initial_position: str,
        cleanup: bool = True,
    ) -> None:
        self._store = store
        self._list_shards = list_shards
        self._initial = ExtendedSequenceNumber(initial_position)
        self._cleanup = cleanup

    def sync(self) -> list[str]:
        """Create the leases the listing calls for; delete finished ones. The created keys."""
        shards = {s.shard_id: s for s in self._list_shards()}
        leases = {lease.lease_key: lease for lease in self._store.list_leases()}
        created = [
            shard.shard_id
            for shard in shards.values()
            if self._wanted(shard, shards, leases) and self._create(shard, shards, leases)
        ]
        if self._cleanup:
            self._delete_finished(self._store.list_leases())
        return created

    def create_children(self, children: Iterable[ShardInfo]) -> list[str]:
        """Leases for a finished shard's ChildShards whose parents are all finished."""
        leases = {lease.lease_key: lease for lease in self._store.list_leases()}
        return [
            child.shard_id
            for child in children
            if child.shard_id not in leases
            and all(self._parent_done(p, {}, leases) for p in child.parent_shard_ids)
            and self._store.create_lease_if_not_exists(_new_lease(child, _trim_horizon()))
        ]

    def _skipped(self, shard: ShardInfo) -> bool:
        return not shard.is_open and self._initial.sequence_number == "LATEST"

    def _wanted(
        self, shard: ShardInfo, shards: dict[str, ShardInfo], leases: dict[str, Lease]
    ) -> bool:
        return shard.shard_id not in leases and not _has_leased_descendant(shard, shards, leases)

    def _create(
        self, shard: ShardInfo, shards: dict[str, ShardInfo], leases: dict[str, Lease]
    ) -> bool:
        if self._is_root(shard, shards, leases):
            if self._skipped(shard):
                return False
            return self._store.create_lease_if_not_exists(_new_lease(shard, self._initial))
        if all(self._parent_done(p, shards, leases) for p in shard.parent_shard_ids):
            return self._store.create_lease_if_not_exists(_new_lease(shard, _trim_horizon()))
        return False

    def _is_root(
        self, shard: ShardInfo, shards: dict[str, ShardInfo], leases: dict[str, Lease]
    ) -> bool:
        """No parent is leased, and no listed parent will be (skipped closed roots aside)."""
        for parent_id in shard.parent_shard_ids:
            if parent_id in leases:
                return False
            parent = shards.get(parent_id)
            if parent is not None and not (
                self._skipped(parent) and self._is_root(parent, shards, leases)
            ):
                return False
        return True

    def _parent_done(
        self, parent_id: str, shards: dict[str, ShardInfo], leases: dict[str, Lease]
    ) -> bool:
        lease = leases.get(parent_id)
        if lease is not None:
            return lease.is_finished
        parent = shards.get(parent_id)
        return parent is None or self._skipped(parent)

    def _delete_finished(self, leases: list[Lease]) -> None:
        by_key = {lease.lease_key: lease for lease in leases}
        for lease in leases:
            if not lease.is_finished or not lease.child_shard_ids:
                continue
            children = [by_key.get(c) for c in lease.child_shard_ids]
            if all(c is not None and not c.checkpoint.is_start for c in children):
                _LOG.info("Deleting finished lease %s", lease.lease_key)
                self._store.delete_lease(lease)


def _trim_horizon() -> ExtendedSequenceNumber:
    return ExtendedSequenceNumber.trim_horizon()


def _new_lease(shard: ShardInfo, checkpoint: ExtendedSequenceNumber) -> Lease:
    return Lease(
        lease_key=shard.shard_id,
        checkpoint=checkpoint,
        parent_shard_ids=shard.parent_shard_ids,
        starting_hash_key=shard.starting_hash_key,
        ending_hash_key=shard.ending_hash_key,
    )


def _has_leased_descendant(
    shard: ShardInfo, shards: dict[str, ShardInfo], leases: dict[str, Lease]
) -> bool:
    children = [s for s in shards.values() if shard.shard_id in s.parent_shard_ids]
    return any(c.shard_id in leases or _has_leased_descendant(c, shards, leases) for c in children)
