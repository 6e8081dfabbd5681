"""The agent's metrics under the AWS agent's names (CloudWatch namespace `AWSKinesisAgent`).

Per destination (dimension `Destination`, e.g. `KinesisStream:CadabraOrders`): `BytesSent`,
`RecordSendAttempts`, `RecordSendErrors`, `ServiceErrors` (a PutRecords/PutRecordBatch call that
failed as a whole); per flow: `TotalRecordsParsed`, `TotalBytesConsumed`, `TotalRecordsSent`,
`TotalRecordsSkipped` (conversion errors), `TotalBytesBehind`. Prometheus counters in a registry
of their own (one per agent), served over HTTP when a port is given.
"""

from __future__ import annotations

import threading
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

__all__ = ["AgentMetrics"]


class AgentMetrics:
    """Counters of one agent, and the totals its progress line reports."""

    def __init__(self, namespace: str = "AWSKinesisAgent") -> None:
        self.registry = CollectorRegistry()
        self.namespace = ns = (
            "".join(c if c.isalnum() or c == "_" else "_" for c in namespace) or "AWSKinesisAgent"
        )
        self._lock = threading.Lock()
        self.records_parsed = 0
        self.bytes_consumed = 0
        self.records_sent = 0
        self._server: Any = None

        def counter(name: str, doc: str, label: str) -> Counter:
            return Counter(name, doc, [label], namespace=ns, registry=self.registry)

        self.bytes_sent = counter("BytesSent", "Bytes of records accepted", "Destination")
        self.send_attempts = counter("RecordSendAttempts", "Records in put calls", "Destination")
        self.send_errors = counter("RecordSendErrors", "Records a put call failed", "Destination")
        self.service_errors = counter("ServiceErrors", "Put calls that failed", "Destination")
        self.parsed_total = counter("TotalRecordsParsed", "Records parsed", "Flow")
        self.consumed_total = counter("TotalBytesConsumed", "Bytes read from files", "Flow")
        self.sent_total = counter("TotalRecordsSent", "Records delivered", "Flow")
        self.skipped_total = counter("TotalRecordsSkipped", "Records not converted", "Flow")
        self.behind = Gauge(
            "TotalBytesBehind", "Bytes not read yet", ["Flow"], namespace=ns, registry=self.registry
        )

    def sample(self, name: str, **labels: str) -> float:
        """A counter's or gauge's current value (0 before its first use)."""
        for suffix in ("_total", ""):
            value = self.registry.get_sample_value(f"{self.namespace}_{name}{suffix}", labels)
            if value is not None:
                return value
        return 0.0

    def serve(self, port: int, addr: str = "127.0.0.1") -> None:
        """Expose the metrics at http://addr:port/metrics."""
        self._server, _ = start_http_server(port, addr=addr, registry=self.registry)

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def parsed(self, flow: str) -> None:
        with self._lock:
            self.records_parsed += 1
        self.parsed_total.labels(flow).inc()

    def consumed(self, flow: str, size: int) -> None:
        if size:
            with self._lock:
                self.bytes_consumed += size
            self.consumed_total.labels(flow).inc(size)

    def processing_error(self, flow: str) -> None:
        self.skipped_total.labels(flow).inc()

    def attempted(self, destination: str, records: int) -> None:
        self.send_attempts.labels(destination).inc(records)

    def call_failed(self, destination: str) -> None:
        self.service_errors.labels(destination).inc()

    def sent(self, flow: str, destination: str, records: int, size: int, failed: int) -> None:
        with self._lock:
            self.records_sent += records
        self.sent_total.labels(flow).inc(records)
        self.bytes_sent.labels(destination).inc(size)
        self.send_errors.labels(destination).inc(failed)

    def bytes_behind(self, flow: str, size: int) -> None:
        self.behind.labels(flow).set(size)

    def progress(self, uptime_ms: int) -> str:
        """The AWS agent's status line (Agent.emitStatus)."""
        with self._lock:
            parsed, consumed, sent = self.records_parsed, self.bytes_consumed, self.records_sent
        return (
            f"Agent: Progress: {parsed} records parsed ({consumed} bytes), and {sent} records "
            f"sent successfully to destinations. Uptime: {uptime_ms}ms"
        )
