"""One leased shard's processing (the KCL's ShardConsumer and its task states).

States, as the KCL's: wait for the parent shards' leases to reach SHARD_END; initialize the
processor at the lease's checkpoint; fetch, deaggregate and hand over batches (records at or
before the checkpoint skipped); at the shard's end call `shard_ended` until the processor has
checkpointed SHARD_END, create the children's leases and let the lease go. Before each fetch the
consumer checks it still holds the lease (else `lease_lost()`) and whether the worker shuts down
(then `shutdown_requested(checkpointer)`). An exception from `process_records` is logged and the
batch is not retried, as in the KCL.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from processors.kcl.checkpointer import RecordProcessorCheckpointer
from processors.kcl.errors import KclError, ShutdownException
from processors.kcl.lease import Lease
from processors.kcl.processor import ShardRecordProcessor
from processors.kcl.records import deaggregate_records
from processors.kcl.renewer import LeaseRenewer
from processors.kcl.retrieval import FetchResult, RecordsFetcher
from processors.kcl.sequence import ExtendedSequenceNumber
from processors.kcl.shard_sync import ShardInfo
from processors.kcl.store import LeaseStore

__all__ = ["ShardConsumer"]

_LOG = logging.getLogger(__name__)


class ShardConsumer:
    def __init__(
        self,
        lease: Lease,
        token: str,
        processor: ShardRecordProcessor,
        fetcher: RecordsFetcher,
        renewer: LeaseRenewer,
        store: LeaseStore,
        on_shard_end: Callable[[list[ShardInfo]], None],
        retry_s: float,
        wake: threading.Event | None = None,
    ) -> None:
        self.lease = lease
        self._token = token
        self._processor = processor
        self._fetcher = fetcher
        self._renewer = renewer
        self._store = store
        self._on_shard_end = on_shard_end
        self._retry_s = retry_s
        self.shutdown_requested = threading.Event()
        self.halted = threading.Event()
        # Set by both: interrupts waits (the scheduler shares it with the fetcher).
        self.wake = wake or threading.Event()
        self._last = lease.checkpoint
        self.checkpointer = RecordProcessorCheckpointer(
            lease.shard_id, lease.checkpoint, self._update_checkpoint
        )
        self.thread = threading.Thread(target=self.run, name=f"kcl-{lease.shard_id}", daemon=True)

    def _update_checkpoint(
        self, checkpoint: ExtendedSequenceNumber, children: tuple[str, ...] | None
    ) -> Lease:
        return self._renewer.update_checkpoint(
            self.lease.lease_key, self._token, checkpoint, children
        )

    def request_shutdown(self) -> None:
        self.shutdown_requested.set()
        self.wake.set()

    def halt(self) -> None:
        self.halted.set()
        self.wake.set()

    def _holds(self) -> bool:
        return self._renewer.holds(self.lease.lease_key, self._token)

    def run(self) -> None:
        try:
            if not self._wait_for_parents():
                return
            self._processor.initialize(self.lease.shard_id, self.lease.checkpoint)
            self._fetcher.start(self.lease.checkpoint)
            self._loop()
        except Exception:
            _LOG.exception("Shard consumer of %s failed", self.lease.shard_id)
        finally:
            self._fetcher.close()

    def _parents_done(self) -> bool:
        for parent in self.lease.parent_shard_ids:
            lease = self._store.get_lease(parent)
            if lease is not None and not lease.is_finished:
                _LOG.debug("%s waits for parent %s", self.lease.shard_id, parent)
                return False
        return True

    def _wait_for_parents(self) -> bool:
        while not self._parents_done():
            if self.wake.wait(self._retry_s) or not self._holds():
                return False
        return self._holds() and not self.wake.is_set()

    def _loop(self) -> None:
        while True:
            if self.halted.is_set():
                return
            if not self._holds():
                self._processor.lease_lost()
                return
            if self.shutdown_requested.is_set():
                self._processor.shutdown_requested(self.checkpointer)
                return
            result = self._fetcher.fetch()
            if result is None or self.halted.is_set():
                continue
            self._deliver(result)
            if result.is_shard_end:
                self._shard_end(result.child_shards or [])
                return

    def _deliver(self, result: FetchResult) -> None:
        lease = self.lease
        records = deaggregate_records(
            result.records, lease.starting_hash_key, lease.ending_hash_key, after=self._last
        )
        if not records:
            return
        self._last = records[-1].extended_sequence_number
        self.checkpointer.largest_permitted = self._last
        try:
            self._processor.process_records(records, self.checkpointer, result.millis_behind_latest)
        except ShutdownException:
            _LOG.info("Lease of %s lost while processing", lease.shard_id)
        except Exception:
            _LOG.exception("process_records of %s failed; the batch is skipped", lease.shard_id)

    def _shard_end(self, children: list[ShardInfo]) -> None:
        self.checkpointer.largest_permitted = ExtendedSequenceNumber.shard_end()
        self.checkpointer.child_shard_ids = tuple(c.shard_id for c in children)
        while not self.checkpointer.last_checkpoint_value.is_shard_end:
            if self.halted.is_set() or not self._holds():
                self._processor.lease_lost()
                return
            try:
                self._processor.shard_ended(self.checkpointer)
            except KclError as exc:
                _LOG.warning("shard_ended of %s: %s", self.lease.shard_id, exc)
            if not self.checkpointer.last_checkpoint_value.is_shard_end:
                _LOG.error(
                    "Application didn't checkpoint at end of shard %s; retrying",
                    self.lease.shard_id,
                )
                if self.shutdown_requested.is_set():
                    return
                self.halted.wait(self._retry_s)
        self._on_shard_end(children)
        self._renewer.drop(self.lease.lease_key, self._token)
