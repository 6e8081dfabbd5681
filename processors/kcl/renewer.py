"""The leases this worker holds, their renewal and their checkpoints (the KCL's LeaseRenewer).

Each held lease carries a concurrency token (a fresh uuid per take) so that a record processor of
an earlier tenure cannot checkpoint after the lease was lost and taken again. Renewals and
checkpoints of one lease are serialised by its lock and both bump the lease counter, so the
renewer always conditions on the counter the last write produced. A lease whose renewal failed
for a transient reason stays held until it would have expired (failover time since its last
renewal), as in the KCL.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field

from cadabra.quotas import Clock
from processors.kcl.errors import (
    InvalidStateException,
    KinesisClientLibDependencyException,
    ShutdownException,
)
from processors.kcl.lease import Lease
from processors.kcl.sequence import ExtendedSequenceNumber
from processors.kcl.store import LeaseStore

__all__ = ["HeldLease", "LeaseRenewer"]

_LOG = logging.getLogger(__name__)


@dataclass(slots=True)
class HeldLease:
    lease: Lease
    concurrency_token: str
    last_renewal_ns: int
    lock: threading.Lock = field(default_factory=threading.Lock)


class LeaseRenewer:
    def __init__(self, store: LeaseStore, worker_id: str, failover_ns: int, clock: Clock) -> None:
        self._store = store
        self.worker_id = worker_id
        self._failover_ns = failover_ns
        self._clock = clock
        self._lock = threading.Lock()
        self._held: dict[str, HeldLease] = {}

    def add(self, lease: Lease) -> str:
        """Hold a lease just taken; its concurrency token."""
        token = uuid.uuid4().hex
        with self._lock:
            self._held[lease.lease_key] = HeldLease(lease, token, self._clock.now_ns())
        return token

    def _expired(self, held: HeldLease) -> bool:
        return self._clock.now_ns() - held.last_renewal_ns > self._failover_ns

    def _snapshot(self) -> list[HeldLease]:
        with self._lock:
            return list(self._held.values())

    def _drop(self, key: str, token: str | None = None) -> None:
        with self._lock:
            held = self._held.get(key)
            if held is not None and (token is None or held.concurrency_token == token):
                del self._held[key]

    def renew_leases(self) -> None:
        for held in self._snapshot():
            self._renew(held)

    def _renew(self, held: HeldLease) -> None:
        with held.lock:
            try:
                renewed = self._store.renew_lease(held.lease)
            except (KinesisClientLibDependencyException, InvalidStateException) as exc:
                if self._expired(held):
                    _LOG.warning("Dropping lease %s: %s", held.lease.lease_key, exc)
                    self._drop(held.lease.lease_key, held.concurrency_token)
                return
            if renewed is None:
                _LOG.info("Worker %s lost lease %s", self.worker_id, held.lease.lease_key)
                self._drop(held.lease.lease_key, held.concurrency_token)
                return
            held.lease = renewed
            held.last_renewal_ns = self._clock.now_ns()

    def held_leases(self) -> dict[str, tuple[Lease, str]]:
        """Unexpired held leases: key → (lease, concurrency token)."""
        return {
            h.lease.lease_key: (h.lease, h.concurrency_token)
            for h in self._snapshot()
            if not self._expired(h)
        }

    def holds(self, key: str, token: str) -> bool:
        with self._lock:
            held = self._held.get(key)
        return held is not None and held.concurrency_token == token and not self._expired(held)

    def _held_for(self, key: str, token: str) -> HeldLease:
        with self._lock:
            held = self._held.get(key)
        if held is None or held.concurrency_token != token or self._expired(held):
            raise ShutdownException(
                f"Can't update checkpoint - instance doesn't hold the lease for this shard {key}"
            )
        return held

    def update_checkpoint(
        self,
        key: str,
        token: str,
        checkpoint: ExtendedSequenceNumber,
        child_shard_ids: tuple[str, ...] | None = None,
    ) -> Lease:
        held = self._held_for(key, token)
        with held.lock:
            updated = self._store.update_checkpoint(held.lease, checkpoint, child_shard_ids)
            if updated is None:
                if self._store.get_lease(key) is None:
                    raise InvalidStateException(f"Lease {key} does not exist in the lease table")
                self._drop(key, token)
                raise ShutdownException(
                    f"Can't update checkpoint - instance doesn't hold the lease for shard {key}"
                )
            held.lease = updated
            held.last_renewal_ns = self._clock.now_ns()
            return updated

    def drop(self, key: str, token: str) -> None:
        """Stop holding a lease (its shard is finished); it stays in the table."""
        self._drop(key, token)

    def evict_all(self) -> None:
        """Release every held lease so that other workers take them at once."""
        for held in self._snapshot():
            with held.lock:
                try:
                    self._store.evict_lease(held.lease)
                except KinesisClientLibDependencyException as exc:
                    _LOG.warning("Could not release lease %s: %s", held.lease.lease_key, exc)
            self._drop(held.lease.lease_key, held.concurrency_token)

    def clear(self) -> None:
        with self._lock:
            self._held.clear()
