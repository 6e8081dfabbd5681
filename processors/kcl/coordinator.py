"""The lease coordinator (the KCL's DynamoDBLeaseCoordinator): renew and take on a schedule.

A background thread renews the held leases every failover/3 - 25 ms and runs the taker every
(failover + 25 ms) * 2, starting with a take at once. Both steps are public so that tests drive
them on a fake clock without the thread. `stop(release=True)` releases the held leases (owner
cleared), so that other workers take them at once instead of after the failover time; the KCL
leaves them to expire.
"""

from __future__ import annotations

import logging
import threading

from cadabra.quotas import Clock, MonotonicClock
from processors.kcl.errors import InvalidStateException, KinesisClientLibDependencyException
from processors.kcl.lease import Lease
from processors.kcl.renewer import LeaseRenewer
from processors.kcl.settings import KclSettings
from processors.kcl.store import LeaseStore
from processors.kcl.taker import LeaseTaker, TakerPolicy

__all__ = ["LeaseCoordinator"]

_LOG = logging.getLogger(__name__)
_MS = 1_000_000


class LeaseCoordinator:
    def __init__(
        self,
        store: LeaseStore,
        worker_id: str,
        settings: KclSettings,
        clock: Clock | None = None,
    ) -> None:
        self.store = store
        self.worker_id = worker_id
        self.settings = settings
        self.clock: Clock = clock or MonotonicClock()
        failover_ns = settings.failover_time_ms * _MS
        self.renewer = LeaseRenewer(store, worker_id, failover_ns, self.clock)
        policy = TakerPolicy(
            failover_ns, settings.max_leases_for_worker, settings.max_leases_to_steal_at_one_time
        )
        self.taker = LeaseTaker(store, worker_id, policy, self.clock)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._take_soon = False
        self._take_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def take(self) -> list[Lease]:
        """One taker cycle; the taken leases are held from now on."""
        with self._take_lock:
            held = self.renewer.held_leases()
            taken = [lease for lease in self.taker.take_leases() if lease.lease_key not in held]
            for lease in taken:
                self.renewer.add(lease)
            return taken

    def request_take(self) -> None:
        """Run the taker now (new leases exist: a shard ended), not at its next interval."""
        self._take_soon = True
        self._wake.set()

    def renew(self) -> None:
        self.renewer.renew_leases()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"kcl-leases-{self.worker_id}", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        renew_every = self.settings.renewer_interval_ms * _MS
        take_every = self.settings.taker_interval_ms * _MS
        next_renew = next_take = self.clock.now_ns()
        while not self._stop.is_set():
            now = self.clock.now_ns()
            if self._take_soon:
                self._take_soon = False
                next_take = now
            try:
                if now >= next_take:
                    self.take()
                    next_take = now + take_every
                if now >= next_renew:
                    self.renew()
                    next_renew = now + renew_every
            except (KinesisClientLibDependencyException, InvalidStateException) as exc:
                _LOG.warning("Lease coordinator of %s: %s", self.worker_id, exc)
            wait_ns = min(next_renew, next_take) - self.clock.now_ns()
            self._wake.wait(max(wait_ns, _MS) / 1e9)
            self._wake.clear()

    def stop(self, *, release: bool) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if release:
            self.renewer.evict_all()
        else:
            self.renewer.clear()
