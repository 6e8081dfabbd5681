"""Which leases a worker takes (the KCL 2.x DynamoDBLeaseTaker).

Expiry is judged locally, as in the KCL, so workers need no common clock: a lease is expired when
its counter has not changed for the failover time as this worker observed it (a lease without an
owner is available at once). Each cycle a worker computes its fair share, ceil(leases / workers)
(capped by maxLeasesForWorker), and if below it takes expired leases first; if none are expired
it steals from the most loaded worker, at most maxLeasesToStealAtOneTime, and only what that
worker holds above the target (or one lease when it holds exactly the target and this worker
needs more than one). Finished leases (SHARD_END) are not balanced: nobody needs to hold them.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from dataclasses import dataclass

from cadabra.quotas import Clock
from processors.kcl.lease import Lease
from processors.kcl.store import LeaseStore

__all__ = ["LeaseTaker", "TakerPolicy"]

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TakerPolicy:
    failover_ns: int
    max_leases_for_worker: int = 0  # 0 = unlimited
    max_leases_to_steal_at_one_time: int = 1


class LeaseTaker:
    def __init__(
        self,
        store: LeaseStore,
        worker_id: str,
        policy: TakerPolicy,
        clock: Clock,
        rng: random.Random | None = None,
    ) -> None:
        self._store = store
        self.worker_id = worker_id
        self._policy = policy
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - load balancing, not security
        self._seen: dict[str, tuple[int, int]] = {}  # key → (counter, when it was seen change)

    def _observe(self, leases: list[Lease]) -> None:
        now = self._clock.now_ns()
        seen: dict[str, tuple[int, int]] = {}
        for lease in leases:
            before = self._seen.get(lease.lease_key)
            if before is None or before[0] != lease.lease_counter:
                before = (lease.lease_counter, now)
            seen[lease.lease_key] = before
        self._seen = seen

    def is_expired(self, lease: Lease) -> bool:
        if lease.lease_owner is None:
            return True
        _, since = self._seen.get(lease.lease_key, (lease.lease_counter, self._clock.now_ns()))
        return self._clock.now_ns() - since > self._policy.failover_ns

    def take_leases(self) -> list[Lease]:
        """One taker cycle: the leases this worker took (and now holds in the table)."""
        leases = self._store.list_leases()
        self._observe(leases)
        candidates = self.leases_to_take([lease for lease in leases if not lease.is_finished])
        taken: list[Lease] = []
        for lease in candidates:
            result = self._store.take_lease(lease, self.worker_id)
            if result is None:
                _LOG.debug("Worker %s lost the race for lease %s", self.worker_id, lease.lease_key)
                continue
            _LOG.info(
                "Worker %s took lease %s from %s",
                self.worker_id,
                lease.lease_key,
                lease.lease_owner,
            )
            taken.append(result)
        return taken

    def target(self, lease_count: int, worker_count: int) -> int:
        target = 1 if worker_count >= lease_count else -(-lease_count // worker_count)
        cap = self._policy.max_leases_for_worker
        return min(target, cap) if cap else target

    def leases_to_take(self, leases: list[Lease]) -> list[Lease]:
        expired = [lease for lease in leases if self.is_expired(lease)]
        counts: Counter[str] = Counter(
            lease.lease_owner
            for lease in leases
            if lease.lease_owner is not None and not self.is_expired(lease)
        )
        counts.setdefault(self.worker_id, 0)
        needed = self.target(len(leases), len(counts)) - counts[self.worker_id]
        if needed <= 0 or not leases:
            return []
        if expired:
            self._rng.shuffle(expired)
            return expired[:needed]
        return self._to_steal(leases, counts, needed)

    def _to_steal(self, leases: list[Lease], counts: Counter[str], needed: int) -> list[Lease]:
        target = self.target(len(leases), len(counts))
        owner, most = max(
            ((o, c) for o, c in counts.items() if o != self.worker_id),
            key=lambda item: item[1],
            default=(None, 0),
        )
        if owner is None:
            return []
        over = most - target
        count = min(needed, over) if over > 0 else (1 if needed > 1 and over == 0 else 0)
        count = min(count, self._policy.max_leases_to_steal_at_one_time)
        if count <= 0:
            return []
        theirs = [lease for lease in leases if lease.lease_owner == owner]
        return self._rng.sample(theirs, count)
