"""The KCL-style lease logic on a fake clock: take, renew, expire, steal, lost leases."""

from __future__ import annotations

from pathlib import Path

import pytest

from cadabra.quotas import FakeClock
from processors.kcl import (
    ExtendedSequenceNumber,
    KclSettings,
    Lease,
    ShutdownException,
    SqliteLeaseStore,
)
from processors.kcl.coordinator import LeaseCoordinator

FAILOVER_S = 10


@pytest.fixture
def store(tmp_path: Path) -> SqliteLeaseStore:
    store = SqliteLeaseStore(tmp_path / "leases.db", "orders-app")
    store.create_lease_table_if_not_exists()
    for i in range(4):
        store.create_lease_if_not_exists(Lease(f"shardId-{i:012d}"))
    return store


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _worker(
    store: SqliteLeaseStore, clock: FakeClock, name: str, steal: int = 1
) -> LeaseCoordinator:
    settings = KclSettings(
        failover_time_ms=FAILOVER_S * 1000, max_leases_to_steal_at_one_time=steal
    )
    return LeaseCoordinator(store, name, settings, clock)


def _owners(store: SqliteLeaseStore) -> dict[str, str]:
    """Lease key → owner ("" for none)."""
    return {lease.lease_key: lease.lease_owner or "" for lease in store.list_leases()}


def test_a_lone_worker_takes_every_unowned_lease(store: SqliteLeaseStore, clock: FakeClock) -> None:
    worker = _worker(store, clock, "a")
    assert len(worker.take()) == 4
    assert set(_owners(store).values()) == {"a"}
    assert all(lease.lease_counter == 1 for lease in store.list_leases())
    assert len(worker.renewer.held_leases()) == 4


def test_the_renewer_bumps_counters_and_keeps_leases(
    store: SqliteLeaseStore, clock: FakeClock
) -> None:
    worker = _worker(store, clock, "a")
    worker.take()
    for _ in range(3):
        clock.advance(3)
        worker.renew()
    assert [lease.lease_counter for lease in store.list_leases()] == [4, 4, 4, 4]
    assert len(worker.renewer.held_leases()) == 4


def test_a_second_worker_steals_up_to_its_fair_share_one_per_cycle(
    store: SqliteLeaseStore, clock: FakeClock
) -> None:
    a, b = _worker(store, clock, "a"), _worker(store, clock, "b")
    a.take()
    assert len(b.take()) == 1  # maxLeasesToStealAtOneTime = 1
    clock.advance(1)
    a.renew()  # a notices the stolen lease: its renewal fails
    assert len(a.renewer.held_leases()) == 3
    assert len(b.take()) == 1
    assert len(b.take()) == 0  # fair share reached: 2 of 4 leases
    assert sorted(_owners(store).values()) == ["a", "a", "b", "b"]


def test_steal_limit_is_a_setting(store: SqliteLeaseStore, clock: FakeClock) -> None:
    a, b = _worker(store, clock, "a"), _worker(store, clock, "b", steal=2)
    a.take()
    assert len(b.take()) == 2


def test_leases_of_a_dead_worker_expire_after_the_failover_time(
    store: SqliteLeaseStore, clock: FakeClock
) -> None:
    a, b = _worker(store, clock, "a"), _worker(store, clock, "b", steal=2)
    a.take()
    b.take()
    assert sorted(_owners(store).values()) == ["a", "a", "b", "b"]
    # a dies: it renews no more. b renews and, once a's counters stood still long enough, takes.
    a_leases = [lease for lease in store.list_leases() if lease.lease_owner == "a"]
    clock.advance(FAILOVER_S - 1)
    b.renew()
    assert b.take() == []
    assert not any(b.taker.is_expired(lease) for lease in a_leases)
    clock.advance(2)
    b.renew()
    assert all(b.taker.is_expired(lease) for lease in a_leases)
    taken = b.take()
    assert len(taken) == 2
    assert set(_owners(store).values()) == {"b"}
    assert all(lease.owner_switches_since_checkpoint == 2 for lease in taken)


def test_a_live_worker_keeps_its_leases_past_the_failover_time(
    store: SqliteLeaseStore, clock: FakeClock
) -> None:
    a, b = _worker(store, clock, "a"), _worker(store, clock, "b", steal=2)
    a.take()
    b.take()
    for _ in range(10):
        clock.advance(3)
        a.renew()
        b.renew()
        assert b.take() == []
    assert sorted(_owners(store).values()) == ["a", "a", "b", "b"]


def test_a_held_lease_expires_locally_when_renewals_stop(
    store: SqliteLeaseStore, clock: FakeClock
) -> None:
    a = _worker(store, clock, "a")
    a.take()
    clock.advance(FAILOVER_S + 1)
    assert a.renewer.held_leases() == {}


def test_checkpoint_after_the_lease_was_taken_is_shutdown_exception(
    store: SqliteLeaseStore, clock: FakeClock
) -> None:
    a = _worker(store, clock, "a")
    a.take()
    lease, token = a.renewer.held_leases()["shardId-000000000000"]
    seq = ExtendedSequenceNumber("49" + "0" * 54)
    a.renewer.update_checkpoint(lease.lease_key, token, seq)
    assert store.get_lease(lease.lease_key).checkpoint == seq  # type: ignore[union-attr]
    taken = store.take_lease(store.get_lease(lease.lease_key), "b")  # type: ignore[arg-type]
    assert taken is not None and taken.lease_owner == "b"
    with pytest.raises(ShutdownException, match="doesn't hold the lease"):
        a.renewer.update_checkpoint(lease.lease_key, token, ExtendedSequenceNumber("5" * 56))
    assert not a.renewer.holds(lease.lease_key, token)
    assert store.get_lease(lease.lease_key).checkpoint == seq  # type: ignore[union-attr]


def test_compare_and_set_conflicts_lose_the_lease_on_renewal(
    store: SqliteLeaseStore, clock: FakeClock
) -> None:
    a = _worker(store, clock, "a")
    a.take()
    key = "shardId-000000000001"
    current = store.get_lease(key)
    assert current is not None
    assert store.take_lease(current, "intruder") is not None
    stale = current  # the counter a worker read before the intruder wrote
    assert store.take_lease(stale, "late") is None
    assert store.renew_lease(stale) is None
    a.renew()
    assert key not in a.renewer.held_leases()
    assert len(a.renewer.held_leases()) == 3


def test_evict_releases_leases_for_others_at_once(
    store: SqliteLeaseStore, clock: FakeClock
) -> None:
    a, b = _worker(store, clock, "a"), _worker(store, clock, "b")
    a.take()
    a.stop(release=True)
    assert set(_owners(store).values()) == {""}
    assert len(b.take()) == 4


def test_finished_leases_are_neither_taken_nor_counted(
    store: SqliteLeaseStore, clock: FakeClock
) -> None:
    a = _worker(store, clock, "a")
    a.take()
    lease, token = a.renewer.held_leases()["shardId-000000000000"]
    a.renewer.update_checkpoint(lease.lease_key, token, ExtendedSequenceNumber.shard_end())
    a.renewer.drop(lease.lease_key, token)
    b = _worker(store, clock, "b", steal=5)
    assert {t.lease_key for t in b.take()} <= {f"shardId-{i:012d}" for i in range(1, 4)}
    assert store.get_lease(lease.lease_key).lease_owner == "a"  # type: ignore[union-attr]


def test_lease_attributes_survive_the_store(tmp_path: Path) -> None:
    store = SqliteLeaseStore(tmp_path / "l.db", 'odd "name"')
    store.create_lease_table_if_not_exists()
    lease = Lease(
        "shardId-000000000002",
        checkpoint=ExtendedSequenceNumber("123", 4),
        parent_shard_ids=("shardId-000000000000", "shardId-000000000001"),
        starting_hash_key=5,
        ending_hash_key=(1 << 128) - 1,
    )
    assert store.create_lease_if_not_exists(lease)
    assert not store.create_lease_if_not_exists(lease)
    assert store.get_lease(lease.lease_key) == lease
    again = SqliteLeaseStore(tmp_path / "l.db", 'odd "name"')  # another process's view
    assert again.list_leases() == [lease]
