"""The lease table's operations (the KCL's LeaseRefresher), as a protocol a store implements.

Every write that changes ownership or progress is conditional (compare-and-set on
`lease_counter`, as the KCL's DynamoDB conditional updates): it returns the updated lease, or None
when the row changed since the caller read it. Stores raise `KinesisClientLibDependencyException`
for transient failures.
"""

from __future__ import annotations

from typing import Protocol

from processors.kcl.lease import Lease
from processors.kcl.sequence import ExtendedSequenceNumber

__all__ = ["LeaseStore"]


class LeaseStore(Protocol):
    def create_lease_table_if_not_exists(self) -> None: ...

    def list_leases(self) -> list[Lease]: ...

    def get_lease(self, lease_key: str) -> Lease | None: ...

    def create_lease_if_not_exists(self, lease: Lease) -> bool:
        """Insert the lease unless one with its key exists; whether it was inserted."""
        ...

    def renew_lease(self, lease: Lease) -> Lease | None:
        """counter + 1 if the counter and owner are still the lease's."""
        ...

    def take_lease(self, lease: Lease, owner: str) -> Lease | None:
        """Become the owner (counter + 1, ownerSwitchesSinceCheckpoint + 1 if the owner changes)
        if the counter is still the lease's."""
        ...

    def evict_lease(self, lease: Lease) -> Lease | None:
        """Release the lease (no owner, counter + 1) if the owner is still the lease's."""
        ...

    def update_checkpoint(
        self,
        lease: Lease,
        checkpoint: ExtendedSequenceNumber,
        child_shard_ids: tuple[str, ...] | None = None,
    ) -> Lease | None:
        """Record progress (counter + 1, ownerSwitchesSinceCheckpoint = 0) if the counter and
        owner are still the lease's; `child_shard_ids` are recorded with SHARD_END."""
        ...

    def delete_lease(self, lease: Lease) -> bool:
        """Delete a finished lease (checkpoint SHARD_END) by key."""
        ...

    def close(self) -> None: ...
