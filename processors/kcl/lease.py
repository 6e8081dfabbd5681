"""A KCL lease: one row of the lease table (DynamoDBLeaseSerializer's attributes).

`lease_counter` is the lease's version: every renew, take, evict and checkpoint increments it and
is conditional on the value the writer last saw, which is how a worker learns it lost a lease.
`pending_checkpoint*` exist for the table's shape (KCL 2.x's two-phase checkpoints); this
consumer does not use them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from processors.kcl.sequence import ExtendedSequenceNumber

__all__ = ["Lease"]


@dataclass(frozen=True, slots=True)
class Lease:
    lease_key: str
    lease_owner: str | None = None
    lease_counter: int = 0
    checkpoint: ExtendedSequenceNumber = field(default_factory=ExtendedSequenceNumber.trim_horizon)
    pending_checkpoint: ExtendedSequenceNumber | None = None
    owner_switches_since_checkpoint: int = 0
    parent_shard_ids: tuple[str, ...] = ()
    child_shard_ids: tuple[str, ...] = ()
    starting_hash_key: int = 0
    ending_hash_key: int = (1 << 128) - 1

    @property
    def shard_id(self) -> str:
        """Single-stream mode: the lease key is the shard id."""
        return self.lease_key

    @property
    def is_finished(self) -> bool:
        """Processed to SHARD_END: nobody needs to hold it any more."""
        return self.checkpoint.is_shard_end

    def evolve(self, **changes: object) -> Lease:
        return replace(self, **changes)  # type: ignore[arg-type]
