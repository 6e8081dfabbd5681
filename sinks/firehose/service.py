"""Firehose's delivery service: a worker per delivery stream, following them as they come and go.

`cadabra stack up` starts it (`python -m sinks.firehose`); `cadabra firehose serve` runs it in
the foreground. Every `discover_interval_s` it reads the delivery-stream registry: an ACTIVE stream
without a worker gets one (so a stream created later is delivered within seconds, like AWS's
CREATING → ACTIVE), a deleted stream's worker ends. A stream tagged `cadabra:delivery=manual` is
skipped: its worker is the user's `cadabra firehose run NAME`. A worker that fails (S3
unreachable for too long, a transformation function or catalog table that cannot be found) is
logged and restarted with backoff; it had committed nothing it had not stored. The service
answers HTTP on its port with its Prometheus metrics (the stack's readiness probe).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass, field

from prometheus_client import start_http_server

from cadabra.athena.settings import AthenaSettings
from cadabra.athena.sql_dirs import sql_dir
from cadabra.config import AwsSettings, FirehoseSettings, KafkaSettings, S3Settings
from cadabra.firehose.models import DeliveryStreamState, delivery_stream_arn
from cadabra.firehose.registry import DeliveryStreamRegistry
from cadabra.streams.topics import TopicAdmin
from sinks.firehose.metrics import DeliveryMetrics
from sinks.firehose.plan import DeliveryPlan
from sinks.firehose.settings import DeliverySettings
from sinks.firehose.store import ObjectStore
from sinks.firehose.worker import DeliveryWorker

__all__ = ["MANUAL_TAG", "DeliveryContext", "DeliveryService", "manual"]

logger = logging.getLogger(__name__)

_BACKOFF_S = (1.0, 5.0, 15.0, 60.0)
# A delivery stream tagged `cadabra:delivery=manual` is left to `cadabra firehose run NAME`.
MANUAL_TAG = "cadabra:delivery"


def manual(state: DeliveryStreamState) -> bool:
    return state.tags.get(MANUAL_TAG) == "manual"


@dataclass
class DeliveryContext:
    """Everything a worker needs besides its delivery stream: settings, registry, store, metrics."""

    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    firehose: FirehoseSettings = field(default_factory=FirehoseSettings)
    settings: DeliverySettings = field(default_factory=DeliverySettings)
    s3: S3Settings = field(default_factory=S3Settings)
    aws: AwsSettings = field(default_factory=AwsSettings)
    metrics: DeliveryMetrics = field(default_factory=DeliveryMetrics)
    # Names this process's consumers (static group membership): "service" or "run".
    role: str = "service"

    def __post_init__(self) -> None:
        admin = TopicAdmin(self.kafka.bootstrap, self.kafka.replication_factor)
        self.registry = DeliveryStreamRegistry(
            self.kafka.bootstrap, self.firehose.state_topic, admin
        )
        self.store = ObjectStore(self.s3, self.aws, retry_s=self.settings.s3_retry_s)

    def lookup(self, name: str) -> DeliveryStreamState | None:
        self.registry.refresh()
        return self.registry.get(name)

    def plan(self, state: DeliveryStreamState) -> DeliveryPlan:
        arn = delivery_stream_arn(self.aws.region, self.aws.account_id, state.name)
        catalog_dir = sql_dir("catalog", AthenaSettings().catalog_dir)
        return DeliveryPlan.from_state(state, arn, self.aws.region, catalog_dir)

    def worker(self, state: DeliveryStreamState) -> DeliveryWorker:
        return DeliveryWorker(
            state,
            self.lookup,
            self.plan,
            self.store,
            kafka=self.kafka,
            firehose_topic_prefix=self.firehose.topic_prefix,
            settings=self.settings,
            metrics=self.metrics,
            instance_id=f"{socket.gethostname()}-{self.role}",
        )

    def close(self) -> None:
        self.registry.close()


@dataclass
class _Running:
    created_ms: int
    stop: threading.Event
    thread: threading.Thread
    failures: int = 0
    retry_at: float = 0.0


class DeliveryService:
    def __init__(self, context: DeliveryContext | None = None) -> None:
        self.context = context or DeliveryContext()
        self._running: dict[str, _Running] = {}
        self._failures: dict[str, int] = {}

    def serve(self, stop: threading.Event, *, port: int | None = None) -> None:
        """Discover and deliver until `stop` is set; metrics over HTTP when `port` is given."""
        if port is not None:
            start_http_server(port, "127.0.0.1", registry=self.context.metrics.registry)
        try:
            while not stop.is_set():
                try:
                    self.sync()
                except Exception:  # a broker restarting: the registry answers again later
                    logger.warning("could not read the delivery streams; retrying", exc_info=True)
                stop.wait(self.context.settings.discover_interval_s)
        finally:
            self.close()

    def sync(self) -> None:
        """Start workers for ACTIVE streams that lack one, stop those of deleted streams."""
        registry = self.context.registry
        registry.refresh()
        active = {}
        for name in registry.names():
            state = registry.get(name)
            if state is not None and state.status == "ACTIVE" and not manual(state):
                active[name] = state
        for name, running in list(self._running.items()):
            state = active.get(name)
            if state is None or state.created_ms != running.created_ms:
                running.stop.set()  # the thread ends on its own, after its last delivery
                del self._running[name]
        now = time.monotonic()
        for name, state in active.items():
            worker = self._running.get(name)
            if worker is None or (not worker.thread.is_alive() and now >= worker.retry_at):
                self._start(state)

    def workers(self) -> list[str]:
        return sorted(name for name, r in self._running.items() if r.thread.is_alive())

    def _start(self, state: DeliveryStreamState) -> None:
        stop = threading.Event()
        thread = threading.Thread(
            target=self._work, args=(state, stop), name=f"firehose-{state.name}", daemon=True
        )
        self._running[state.name] = _Running(state.created_ms, stop, thread)
        thread.start()

    def _work(self, state: DeliveryStreamState, stop: threading.Event) -> None:
        try:
            self.context.worker(state).run(stop)
            self._failures.pop(state.name, None)
        except Exception:
            failures = self._failures[state.name] = self._failures.get(state.name, 0) + 1
            delay = _BACKOFF_S[min(failures, len(_BACKOFF_S)) - 1]
            logger.exception("%s: delivery failed; restarting in %.0f s", state.name, delay)
            current = self._running.get(state.name)
            if current is not None:
                current.retry_at = time.monotonic() + delay

    def close(self) -> None:
        for running in self._running.values():
            running.stop.set()
        for running in self._running.values():
            running.thread.join()
        self._running.clear()
        self.context.close()
