"""KCL-style processing without services: checkpointer rules, deaggregation, shard sync."""

from __future__ import annotations

from pathlib import Path

import pytest

from cadabra.aggregation import UserRecord, aggregate
from cadabra.streams import even_ranges, hash_key
from processors.kcl import (
    ExtendedSequenceNumber,
    IllegalArgumentException,
    Lease,
    RecordProcessorCheckpointer,
    SqliteLeaseStore,
)
from processors.kcl.records import deaggregate_records
from processors.kcl.shard_sync import ShardInfo, ShardSyncer

SEQ = "49590338271490256608559692538361571095921575989136588898"
ALL = (0, (1 << 128) - 1)


def _checkpointer() -> tuple[RecordProcessorCheckpointer, list[ExtendedSequenceNumber]]:
    written: list[ExtendedSequenceNumber] = []

    def update(checkpoint: ExtendedSequenceNumber, _children: tuple[str, ...] | None) -> Lease:
        written.append(checkpoint)
        return Lease("shardId-000000000000", checkpoint=checkpoint)

    return RecordProcessorCheckpointer(
        "shardId-000000000000", ExtendedSequenceNumber.trim_horizon(), update
    ), written


def test_checkpoint_without_arguments_marks_the_last_record_handed_over() -> None:
    checkpointer, written = _checkpointer()
    checkpointer.checkpoint()  # nothing handed over yet: nothing written
    assert written == []
    checkpointer.largest_permitted = ExtendedSequenceNumber(SEQ, 3)
    checkpointer.checkpoint()
    assert written == [ExtendedSequenceNumber(SEQ, 3)]


def test_checkpoint_refuses_positions_outside_the_permitted_range() -> None:
    checkpointer, written = _checkpointer()
    checkpointer.largest_permitted = ExtendedSequenceNumber(SEQ, 3)
    checkpointer.checkpoint(SEQ, 1)
    with pytest.raises(IllegalArgumentException, match="acceptable range"):
        checkpointer.checkpoint(SEQ, 4)  # not handed over yet
    with pytest.raises(IllegalArgumentException, match="acceptable range"):
        checkpointer.checkpoint(SEQ, 0)  # before the last checkpoint
    with pytest.raises(IllegalArgumentException, match="sequence number"):
        checkpointer.checkpoint("not-a-number")
    with pytest.raises(IllegalArgumentException, match="sentinel"):
        checkpointer.checkpoint("SHARD_END")
    assert written == [ExtendedSequenceNumber(SEQ, 1)]


def test_aggregates_are_deaggregated_with_sub_sequence_numbers() -> None:
    users = [UserRecord(f"pk-{i}", None, f"order {i}".encode()) for i in range(5)]
    records = [
        {"SequenceNumber": SEQ, "Data": aggregate(users), "PartitionKey": "a"},
        {"SequenceNumber": str(int(SEQ) + 1), "Data": b"plain", "PartitionKey": "p"},
    ]
    out = deaggregate_records(records, *ALL)
    assert [(r.sub_sequence_number, r.partition_key, r.data, r.aggregated) for r in out] == [
        *((i, f"pk-{i}", f"order {i}".encode(), True) for i in range(5)),
        (0, "p", b"plain", False),
    ]
    resumed = deaggregate_records(records, *ALL, after=ExtendedSequenceNumber(SEQ, 2))
    assert [(r.sequence_number, r.sub_sequence_number) for r in resumed] == [
        (SEQ, 3),
        (SEQ, 4),
        (str(int(SEQ) + 1), 0),
    ]


def test_an_aggregate_with_records_outside_the_shard_is_dropped() -> None:
    low, _high = even_ranges(2)
    keys = ["a", "b", "c", "d", "e", "f"]
    inside = [k for k in keys if low[0] <= hash_key(k) <= low[1]]
    outside = [k for k in keys if k not in inside]
    blob = aggregate([UserRecord(k, None, b"x") for k in inside])
    mixed = aggregate([UserRecord(k, None, b"x") for k in [inside[0], outside[0]]])
    records = [
        {"SequenceNumber": SEQ, "Data": blob, "PartitionKey": "a"},
        {"SequenceNumber": str(int(SEQ) + 1), "Data": mixed, "PartitionKey": "a"},
    ]
    out = deaggregate_records(records, *low)
    assert [r.partition_key for r in out] == inside


def _shard(shard_id: str, *parents: str, is_open: bool = True) -> ShardInfo:
    return ShardInfo(shard_id, parents, 0, 1, is_open)


def test_shard_sync_creates_children_only_after_their_parents_ended(tmp_path: Path) -> None:
    store = SqliteLeaseStore(tmp_path / "l.db", "app")
    store.create_lease_table_if_not_exists()
    shards = [
        _shard("shardId-000000000000", is_open=False),
        _shard("shardId-000000000001", "shardId-000000000000"),
        _shard("shardId-000000000002", "shardId-000000000000"),
    ]
    syncer = ShardSyncer(store, lambda: shards, "TRIM_HORIZON")
    assert syncer.sync() == ["shardId-000000000000"]
    assert syncer.sync() == []  # the parent is not finished
    parent = store.take_lease(store.get_lease("shardId-000000000000"), "w")  # type: ignore[arg-type]
    assert parent is not None
    children = ("shardId-000000000001", "shardId-000000000002")
    store.update_checkpoint(parent, ExtendedSequenceNumber.shard_end(), children)
    assert syncer.sync() == list(children)
    leases = {lease.lease_key: lease for lease in store.list_leases()}
    assert all(leases[c].checkpoint == ExtendedSequenceNumber.trim_horizon() for c in children)
    assert leases[children[0]].parent_shard_ids == ("shardId-000000000000",)


def test_finished_parents_are_deleted_once_children_progressed(tmp_path: Path) -> None:
    store = SqliteLeaseStore(tmp_path / "l.db", "app")
    store.create_lease_table_if_not_exists()
    shards = [
        _shard("shardId-000000000000", is_open=False),
        _shard("shardId-000000000001", "shardId-000000000000"),
    ]
    syncer = ShardSyncer(store, lambda: shards, "TRIM_HORIZON")
    syncer.sync()
    parent = store.take_lease(store.get_lease("shardId-000000000000"), "w")  # type: ignore[arg-type]
    store.update_checkpoint(parent, ExtendedSequenceNumber.shard_end(), ("shardId-000000000001",))  # type: ignore[arg-type]
    syncer.sync()
    child = store.take_lease(store.get_lease("shardId-000000000001"), "w")  # type: ignore[arg-type]
    store.update_checkpoint(child, ExtendedSequenceNumber(SEQ))  # type: ignore[arg-type]
    syncer.sync()
    assert [lease.lease_key for lease in store.list_leases()] == ["shardId-000000000001"]
    assert syncer.sync() == []  # the deleted parent is not leased again


def test_latest_skips_closed_shards_and_starts_their_open_children_at_latest(
    tmp_path: Path,
) -> None:
    store = SqliteLeaseStore(tmp_path / "l.db", "app")
    store.create_lease_table_if_not_exists()
    shards = [
        _shard("shardId-000000000000", is_open=False),
        _shard("shardId-000000000001", "shardId-000000000000"),
    ]
    ShardSyncer(store, lambda: shards, "LATEST").sync()
    [lease] = store.list_leases()
    assert (lease.lease_key, lease.checkpoint) == (
        "shardId-000000000001",
        ExtendedSequenceNumber.latest(),
    )
