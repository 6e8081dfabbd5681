"""The Kinesis Agent process (Agent.java): every flow of agent.json, checkpoints and status lines.

`Agent(config).start()` positions each flow's files (from its checkpoints, else
`initialPosition`) and tails them in a thread per flow; `stop()` sends what was read (up to
`shutdownTimeoutMillis`) and checkpoints it; `stop(flush=False)` drops the buffers, as a killed
agent would, and the next start resumes from the checkpoints. Every
`log.statusReportingPeriodSeconds` it logs the AWS agent's progress line:
`Agent: Progress: N records parsed (B bytes), and M records sent successfully to destinations.
Uptime: Tms`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from producers.agent.checkpoints import CheckpointStore
from producers.agent.clients import destination_for
from producers.agent.config import AgentConfig, FlowConfig
from producers.agent.flow import FlowRunner
from producers.agent.metrics import AgentMetrics
from producers.agent.processing import build_pipeline
from producers.agent.sender import Destination, Sender
from producers.agent.settings import AgentSettings
from producers.agent.tailer import FileTailer

__all__ = ["Agent"]

logger = logging.getLogger(__name__)


class Agent:
    """A running agent; `destinations` (flow index → Destination) replaces the boto3 clients."""

    def __init__(
        self,
        config: AgentConfig,
        settings: AgentSettings | None = None,
        destinations: Mapping[int, Destination] | None = None,
    ) -> None:
        self.config = config
        self.settings = settings or AgentSettings()
        self.metrics = AgentMetrics(config.cloudwatch_namespace)
        self._stop = threading.Event()
        self._abort = threading.Event()
        self._clients: dict[str, Any] = {}
        self._destinations = dict(destinations or {})
        # Pipelines are built first: a bad dataProcessingOptions fails before anything starts.
        self._pipelines = [self._pipeline(flow) for flow in config.flows]
        self.store: CheckpointStore | None = None
        self.runners: list[FlowRunner] = []
        self._started = 0.0
        self._reporter = threading.Thread(target=self._report, name="agent-status", daemon=True)

    @staticmethod
    def _pipeline(flow: FlowConfig) -> Callable[[str], str] | None:
        if not flow.data_processing_options:
            return None
        return build_pipeline(flow.data_processing_options, f"{flow.where}.dataProcessingOptions")

    def start(self) -> None:
        logger.info("Agent: Starting up...")
        self._started = time.monotonic()
        self.store = CheckpointStore(self.config.checkpoint_file, self.config.checkpoint_ttl_days)
        for flow, pipeline in zip(self.config.flows, self._pipelines, strict=True):
            runner = self._runner(flow, pipeline, self.store)
            logger.info("Agent: Starting tailer for file %s", flow.id)
            runner.start()
            self.runners.append(runner)
        if self.settings.metrics_port is not None:
            self.metrics.serve(self.settings.metrics_port, self.settings.metrics_host)
        self._reporter.start()

    def _runner(
        self, flow: FlowConfig, pipeline: Callable[[str], str] | None, store: CheckpointStore
    ) -> FlowRunner:
        destination = self._destinations.get(flow.index) or destination_for(
            flow, self.config, self.settings, self._clients
        )
        tailer = FileTailer(flow, pipeline, self.metrics, self.config.checkpoint_ttl_days)
        sender = Sender(flow, destination, self.metrics, self._abort)
        return FlowRunner(flow, tailer, sender, store, self.metrics, self._stop)

    def stop(self, flush: bool = True) -> None:
        """Stop the flows: with `flush`, send and checkpoint what was read first."""
        logger.info("Agent: Shutting down...")
        if not flush:
            self._abort.set()
        self._stop.set()
        deadline = time.monotonic() + self.config.shutdown_timeout_ms / 1000
        for runner in self.runners:
            runner.join(max(0.0, deadline - time.monotonic()))
        self._abort.set()
        for runner in self.runners:
            runner.join()
        self._reporter.join()
        self.metrics.close()
        if self.store is not None:
            self.store.close()
        logger.info("Agent: Shut down completed. Uptime: %d ms", self.uptime_ms())

    def run_until(self, done: Callable[[], bool], timeout_s: float, poll_s: float = 0.05) -> bool:
        """Start, wait until `done()` or the timeout, stop with a flush; whether `done()` held."""
        self.start()
        deadline = time.monotonic() + timeout_s
        try:
            while not done() and time.monotonic() < deadline and self.healthy():
                time.sleep(poll_s)
            return done()
        finally:
            self.stop()

    def wait(self) -> None:
        """Block until `stop()` is called from elsewhere (a signal handler)."""
        while not self._stop.wait(1.0):
            if not self.healthy():
                raise RuntimeError("a flow of the agent stopped on an error; see the log")

    def healthy(self) -> bool:
        return all(runner.error is None for runner in self.runners)

    def uptime_ms(self) -> int:
        return int((time.monotonic() - self._started) * 1000) if self._started else 0

    def progress(self) -> str:
        return self.metrics.progress(self.uptime_ms())

    def _report(self) -> None:
        period = self.config.log_status_reporting_period_s
        while not self._stop.wait(period):
            logger.info("%s", self.progress())
        logger.info("%s", self.progress())
