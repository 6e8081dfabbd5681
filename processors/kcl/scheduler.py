"""The worker (the KCL 2.x Scheduler): leases, shard sync and one consumer per leased shard.

`Scheduler(application_name, stream, processor_factory, ...)`: the lease table is
`<lease_db_path>` table `<application_name>`; retrieval is polling through the Kinesis endpoint
(boto3, `endpoint_url`) or fan-out reading Kafka through `cadabra.streams` (settings'
`retrieval_mode`, or pass a `Retrieval`). `run()` blocks: it syncs shards into leases (at start,
every shardSyncIntervalMillis and when a shard ends), starts the lease coordinator, and every
shardConsumerDispatchPollIntervalMillis starts a shard consumer for each newly held lease.
`shutdown()` is graceful: each processor gets `shutdown_requested(checkpointer)`, then the
worker's leases are released for other workers. `halt()` stops like a crash: no callbacks, no
release (other workers take the leases after the failover time).
"""

from __future__ import annotations

import logging
import socket
import threading
import uuid

from cadabra.config import EndpointSettings, KafkaSettings
from cadabra.quotas import Clock, MonotonicClock
from processors.kcl.coordinator import LeaseCoordinator
from processors.kcl.errors import KclError
from processors.kcl.lease import Lease
from processors.kcl.processor import ShardRecordProcessorFactory
from processors.kcl.retrieval import Retrieval
from processors.kcl.settings import KclSettings
from processors.kcl.shard_consumer import ShardConsumer
from processors.kcl.shard_sync import ShardInfo, ShardSyncer
from processors.kcl.sqlite_store import SqliteLeaseStore
from processors.kcl.store import LeaseStore

__all__ = ["Scheduler", "Worker", "default_retrieval"]

_LOG = logging.getLogger(__name__)


def default_retrieval(
    application_name: str, settings: KclSettings, endpoint_url: str | None = None
) -> Retrieval:
    """The retrieval the settings name: polling through the endpoint, or fan-out on Kafka."""
    if settings.retrieval_mode == "fan_out":
        from cadabra.streams import StreamsService
        from processors.kcl.fan_out import FanOutRetrieval

        return FanOutRetrieval(StreamsService(KafkaSettings()), application_name)
    from processors.kcl.polling import PollingRetrieval

    endpoint = EndpointSettings()
    url = endpoint_url or endpoint.url or f"http://{endpoint.host}:{endpoint.port}"
    return PollingRetrieval.from_endpoint(url, settings)


class Scheduler:
    def __init__(
        self,
        application_name: str,
        stream: str,
        processor_factory: ShardRecordProcessorFactory,
        *,
        settings: KclSettings | None = None,
        retrieval: Retrieval | None = None,
        lease_store: LeaseStore | None = None,
        worker_id: str | None = None,
        endpoint_url: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.application_name = application_name
        self.stream = stream
        self.settings = settings or KclSettings()
        self.worker_id = worker_id or f"{socket.gethostname()}:{uuid.uuid4().hex[:12]}"
        self._factory = processor_factory
        self.retrieval = retrieval or default_retrieval(
            application_name, self.settings, endpoint_url
        )
        self.store = lease_store or SqliteLeaseStore(self.settings.lease_db_path, application_name)
        self.coordinator = LeaseCoordinator(self.store, self.worker_id, self.settings, clock)
        self.syncer = ShardSyncer(
            self.store,
            lambda: self.retrieval.list_shards(stream),
            self.settings.initial_position,
            self.settings.cleanup_leases_upon_shard_completion,
        )
        self.consumers: dict[str, ShardConsumer] = {}
        self._stopping = threading.Event()
        self._halted = threading.Event()
        self._started = threading.Event()
        self._finished = threading.Event()
        self._sync_soon = threading.Event()
        self._wake = threading.Event()

    # -- running ------------------------------------------------------------------------------

    def run(self) -> None:
        """Process the stream until `shutdown()` or `halt()`."""
        self._finished.clear()
        self._started.set()
        try:
            self.store.create_lease_table_if_not_exists()
            self._sync_shards()
            self.coordinator.start()
            self._loop()
        finally:
            self._stop()
            self._finished.set()

    def _loop(self) -> None:
        dispatch_s = self.settings.shard_consumer_dispatch_poll_ms / 1000
        sync_s = self.settings.shard_sync_interval_ms / 1000
        next_sync = _now() + sync_s
        while not self._stopping.is_set():
            self._dispatch()
            if self._sync_soon.is_set() or _now() >= next_sync:
                self._sync_soon.clear()
                self._sync_shards()
                next_sync = _now() + sync_s
            self._wake.wait(dispatch_s)
            self._wake.clear()

    def _sync_shards(self) -> None:
        try:
            created = self.syncer.sync()
        except (KclError, OSError) as exc:
            _LOG.warning("Shard sync of %s failed: %s", self.stream, exc)
            return
        if created:
            _LOG.info("Worker %s created leases %s", self.worker_id, created)
            self.coordinator.request_take()

    def _dispatch(self) -> None:
        for key in [k for k, c in self.consumers.items() if not c.thread.is_alive()]:
            del self.consumers[key]
        for key, (lease, token) in self.coordinator.renewer.held_leases().items():
            if key not in self.consumers and not lease.is_finished:
                self.consumers[key] = self._consumer(lease, token)
                self.consumers[key].thread.start()

    def _consumer(self, lease: Lease, token: str) -> ShardConsumer:
        stop = threading.Event()
        fetcher = self.retrieval.fetcher(self.stream, lease.shard_id, stop)
        consumer = ShardConsumer(
            lease,
            token,
            self._factory(),
            fetcher,
            self.coordinator.renewer,
            self.store,
            self._shard_ended,
            retry_s=self.settings.parent_shard_poll_ms / 1000,
            wake=stop,
        )
        return consumer

    def _shard_ended(self, children: list[ShardInfo]) -> None:
        created = self.syncer.create_children(children)
        if created:
            _LOG.info("Worker %s created child leases %s", self.worker_id, created)
            self.coordinator.request_take()
        else:
            self._sync_soon.set()
        self._wake.set()

    # -- stopping -----------------------------------------------------------------------------

    def shutdown(self, timeout_s: float | None = None) -> bool:
        """Graceful shutdown; whether `run()` finished within the timeout."""
        self._stopping.set()
        self._wake.set()
        return not self._started.is_set() or self._finished.wait(timeout_s)

    def halt(self) -> None:
        """Stop as if the process died: no processor callbacks, leases left to expire."""
        self._halted.set()
        self.shutdown()

    def _stop(self) -> None:
        self._stopping.set()
        halted = self._halted.is_set()
        for consumer in self.consumers.values():
            consumer.halt() if halted else consumer.request_shutdown()
        timeout_s = self.settings.shutdown_timeout_ms / 1000
        deadline = _now() + timeout_s
        for consumer in self.consumers.values():
            consumer.thread.join(max(0.0, deadline - _now()))
        self.coordinator.stop(release=not halted)
        self.consumers.clear()


def _now() -> float:
    return MonotonicClock().now_ns() / 1e9


Worker = Scheduler
