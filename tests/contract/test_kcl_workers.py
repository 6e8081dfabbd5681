"""The KCL-style consumer against a real broker: lease balancing, fail-over with resume after the
checkpoint, parents drained before children, KPL aggregates deaggregated.

Fan-out mode reads Kafka through the session's StreamsService (SubscribeToShard); polling mode
calls GetRecords through the endpoint with boto3, while a helper thread advances the quotas'
frozen clock so that the 5 calls/s per shard allow the test's calls. Failover is 1.5 s.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cadabra.aggregation import UserRecord, aggregate
from cadabra.quotas import FakeClock
from cadabra.streams import MAX_HASH_KEY, PutRecordsEntry, StreamsService
from processors.kcl import (
    ExtendedSequenceNumber,
    FanOutRetrieval,
    KclSettings,
    KinesisClientRecord,
    PollingRetrieval,
    RecordProcessorCheckpointer,
    Scheduler,
    ShutdownException,
    SqliteLeaseStore,
)
from processors.kcl.retrieval import Retrieval

MakeStream = Callable[..., str]


@dataclass
class Seen:
    worker: str
    shard_id: str
    sequence_number: str
    sub_sequence_number: int
    data: bytes


@dataclass
class Journal:
    """What every processor of a test saw; `checkpointing[worker]` False = processed only."""

    seen: list[Seen] = field(default_factory=list)
    checkpointing: dict[str, bool] = field(default_factory=dict)
    events: list[tuple[str, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def data(self, worker: str | None = None) -> list[bytes]:
        with self.lock:
            return [s.data for s in self.seen if worker is None or s.worker == worker]


class Recorder:
    def __init__(self, journal: Journal, worker: str) -> None:
        self.journal, self.worker, self.shard_id = journal, worker, ""

    def initialize(self, shard_id: str, extended_sequence_number: ExtendedSequenceNumber) -> None:
        self.shard_id = shard_id
        self._event("initialize")

    def process_records(
        self,
        records: list[KinesisClientRecord],
        checkpointer: RecordProcessorCheckpointer,
        millis_behind_latest: int,
    ) -> None:
        with self.journal.lock:
            self.journal.seen += [
                Seen(self.worker, self.shard_id, r.sequence_number, r.sub_sequence_number, r.data)
                for r in records
            ]
        if self.journal.checkpointing.get(self.worker, True):
            with contextlib.suppress(ShutdownException):
                checkpointer.checkpoint()

    def lease_lost(self) -> None:
        self._event("lease_lost")

    def shard_ended(self, checkpointer: RecordProcessorCheckpointer) -> None:
        self._event("shard_ended")
        checkpointer.checkpoint()

    def shutdown_requested(self, checkpointer: RecordProcessorCheckpointer) -> None:
        self._event("shutdown_requested")

    def _event(self, name: str) -> None:
        with self.journal.lock:
            self.journal.events.append((self.worker, self.shard_id, name))


def _settings(tmp_path: Path, **more: Any) -> KclSettings:
    values: dict[str, Any] = {
        "failover_time_ms": 1_500,
        "shard_consumer_dispatch_poll_ms": 100,
        "parent_shard_poll_ms": 200,
        "idle_time_between_reads_ms": 100,
        "initial_position": "TRIM_HORIZON",
        "max_leases_to_steal_at_one_time": 2,
        "lease_db_path": tmp_path / "leases.sqlite3",
        **more,
    }
    return KclSettings(**values)


class Workers:
    def __init__(self, tmp_path: Path, stream: str, journal: Journal) -> None:
        self.tmp_path, self.stream, self.journal = tmp_path, stream, journal
        self.app = f"app-{uuid.uuid4().hex[:8]}"
        self.running: list[tuple[Scheduler, threading.Thread]] = []

    def start(self, name: str, retrieval: Retrieval, **settings: Any) -> Scheduler:
        self.journal.checkpointing.setdefault(name, True)
        worker = Scheduler(
            self.app,
            self.stream,
            lambda: Recorder(self.journal, name),
            settings=_settings(self.tmp_path, **settings),
            retrieval=retrieval,
            worker_id=name,
        )
        thread = threading.Thread(target=worker.run, name=f"worker-{name}", daemon=True)
        thread.start()
        self.running.append((worker, thread))
        return worker

    def stop_all(self) -> None:
        for worker, thread in self.running:
            worker.shutdown(timeout_s=10)
            thread.join(10)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[[str, Journal], Workers]]:
    made: list[Workers] = []

    def make(stream: str, journal: Journal) -> Workers:
        made.append(Workers(tmp_path, stream, journal))
        return made[-1]

    yield make
    for group in made:
        group.stop_all()


def _wait(condition: Callable[[], bool], what: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _put(streams: StreamsService, name: str, payloads: list[str]) -> None:
    entries = [PutRecordsEntry(p.encode(), p) for p in payloads]
    assert streams.put_records(entries, stream_name=name)["FailedRecordCount"] == 0


def _held(worker: Scheduler) -> set[str]:
    return set(worker.coordinator.renewer.held_leases())


def test_two_workers_share_leases_and_one_takes_over_a_dead_ones_shards(
    streams: StreamsService,
    make_stream: MakeStream,
    workers: Callable[[str, Journal], Workers],
    tmp_path: Path,
) -> None:
    name = make_stream(shard_count=4)
    journal = Journal()
    group = workers(name, journal)
    a = group.start("a", FanOutRetrieval(streams, group.app))
    _wait(lambda: len(_held(a)) == 4, "worker a to take all 4 leases")
    b = group.start("b", FanOutRetrieval(streams, group.app))
    _wait(lambda: len(_held(a)) == len(_held(b)) == 2, "2 leases each")

    first = [f"first-{i}" for i in range(40)]
    _put(streams, name, first)
    _wait(lambda: set(first) <= {d.decode() for d in journal.data()}, "the first records")
    a_shards = _held(a)

    # a stops checkpointing, processes a tail, then dies without releasing its leases.
    journal.checkpointing["a"] = False
    tail = [f"tail-{i}" for i in range(40)]
    _put(streams, name, tail)
    _wait(lambda: set(tail) <= {d.decode() for d in journal.data()}, "the tail records")
    with journal.lock:
        a_tail = {s.data for s in journal.seen if s.worker == "a" and s.data.startswith(b"tail")}
        seen_before = len(journal.seen)
        events_before = len(journal.events)
    assert a_tail
    a.halt()

    _wait(lambda: _held(b) == a_shards | _held(b) and len(_held(b)) == 4, "b to take a's leases")
    last = [f"last-{i}" for i in range(20)]
    _put(streams, name, last)
    _wait(lambda: set(last) <= {d.decode() for d in journal.data("b")}, "the last records")

    with journal.lock:
        replayed = [s.data for s in journal.seen[seen_before:] if not s.data.startswith(b"last")]
        everything = {s.data.decode() for s in journal.seen}
    # At-least-once: nothing lost; only the tail a processed but did not checkpoint is replayed.
    assert set(first + tail + last) == everything
    assert sorted(replayed) == sorted(a_tail)
    assert not [e for e in journal.events[events_before:] if e[0] == "a"]  # a died silently
    assert all(s.worker == "b" for s in journal.seen[seen_before:])


def test_kpl_aggregates_arrive_deaggregated_and_resume_inside_an_aggregate(
    streams: StreamsService,
    make_stream: MakeStream,
    workers: Callable[[str, Journal], Workers],
    tmp_path: Path,
) -> None:
    name = make_stream(shard_count=1)
    users = [UserRecord(f"customer-{i}", None, f"order-{i}".encode()) for i in range(5)]
    blob = aggregate(users)
    put = streams.put_record(blob, "a", stream_name=name, explicit_hash_key="1")
    journal = Journal(checkpointing={"first": False})
    group = workers(name, journal)
    first = group.start("first", FanOutRetrieval(streams, group.app))
    _wait(lambda: len(journal.data()) == 5, "5 user records")
    with journal.lock:
        seen = list(journal.seen)
    assert [(s.sequence_number, s.sub_sequence_number, s.data) for s in seen] == [
        (put["SequenceNumber"], i, f"order-{i}".encode()) for i in range(5)
    ]
    # Checkpoint in the middle of the aggregate, then hand the shard to another worker.
    store = SqliteLeaseStore(tmp_path / "leases.sqlite3", group.app)
    [(key, (_lease, token))] = first.coordinator.renewer.held_leases().items()
    first.coordinator.renewer.update_checkpoint(
        key, token, ExtendedSequenceNumber(put["SequenceNumber"], 2)
    )
    assert first.shutdown(timeout_s=10)
    assert store.get_lease(key).lease_owner is None  # type: ignore[union-attr]
    group.start("second", FanOutRetrieval(streams, group.app))
    _wait(lambda: len(journal.data("second")) >= 2, "the rest of the aggregate")
    time.sleep(0.5)  # nothing more may come: the records before the checkpoint stay skipped
    assert journal.data("second") == [b"order-3", b"order-4"]
    assert ("first", key, "shutdown_requested") in journal.events


@pytest.fixture
def ticking(quota_clock: FakeClock) -> Iterator[None]:
    """Advance the quotas' frozen clock a second every 50 ms while a polling test runs."""
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(0.05):
            quota_clock.advance(1)

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join()


@pytest.mark.usefixtures("ticking")
def test_polling_drains_a_split_parent_before_its_children(
    streams: StreamsService,
    make_stream: MakeStream,
    workers: Callable[[str, Journal], Workers],
    kinesis: Any,
    tmp_path: Path,
) -> None:
    name = make_stream(shard_count=1)
    before = [f"before-{i}" for i in range(30)]
    _put(streams, name, before)
    streams.split_shard("shardId-000000000000", str(MAX_HASH_KEY // 2), stream_name=name)
    after = [f"after-{i}" for i in range(30)]
    _put(streams, name, after)

    journal = Journal()
    group = workers(name, journal)
    worker = group.start("poller", PollingRetrieval(kinesis, _settings(tmp_path)))
    _wait(lambda: len(journal.data()) >= 60, "all 60 records")
    with journal.lock:
        order = [(s.shard_id, s.data.decode()) for s in journal.seen]
        events = list(journal.events)
    assert sorted(d for _, d in order) == sorted(before + after)
    parent = [d for shard, d in order if shard == "shardId-000000000000"]
    assert parent == before  # in order, all of them, and first
    assert {shard for shard, _ in order[len(before) :]} == {
        "shardId-000000000001",
        "shardId-000000000002",
    }
    assert events.index(("poller", "shardId-000000000000", "shard_ended")) < min(
        events.index(("poller", child, "initialize"))
        for child in ("shardId-000000000001", "shardId-000000000002")
    )
    store = worker.store
    assert store.get_lease("shardId-000000000000") is None or (
        store.get_lease("shardId-000000000000").is_finished  # type: ignore[union-attr]
    )
