"""The Kafka cluster's configuration files: one KRaft node (broker + controller) per broker.

Pure rendering, no I/O, so the files are unit-tested. Every node is a combined broker and
controller; the static quorum lists them all (`controller.quorum.voters`), so storage is formatted
without `--standalone`. With three or more brokers the cluster replicates like a small production
one: replication factor 3 and min.insync.replicas 2 for data, offsets and transactions.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from pathlib import Path

from cadabra.stack.state import StackLayout

__all__ = [
    "KafkaNode",
    "bootstrap_servers",
    "kafka_nodes",
    "new_cluster_id",
    "quorum_voters",
    "render_log4j2",
    "render_server_properties",
]

HOST = "127.0.0.1"


@dataclass(frozen=True)
class KafkaNode:
    """One combined broker+controller process."""

    node_id: int
    port: int
    controller_port: int
    data_dir: Path
    config_file: Path

    @property
    def name(self) -> str:
        return f"kafka-{self.node_id}"


def kafka_nodes(layout: StackLayout) -> list[KafkaNode]:
    """Node i (from 0) gets id i+1, ports kafka_port + 2i and controller_port + 2i."""
    return [
        KafkaNode(
            node_id=i + 1,
            port=layout.kafka_port + 2 * i,
            controller_port=layout.controller_port + 2 * i,
            data_dir=layout.data_dir / "kafka" / f"node-{i + 1}",
            config_file=layout.conf_dir / f"kafka-{i + 1}.properties",
        )
        for i in range(layout.brokers)
    ]


def bootstrap_servers(nodes: list[KafkaNode]) -> str:
    return ",".join(f"{HOST}:{node.port}" for node in nodes)


def quorum_voters(nodes: list[KafkaNode]) -> str:
    return ",".join(f"{node.node_id}@{HOST}:{node.controller_port}" for node in nodes)


def new_cluster_id() -> str:
    """A Kafka cluster id (what `StorageTool random-uuid` prints), without starting a JVM."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def _replication(brokers: int) -> tuple[int, int]:
    """(replication factor, min.insync.replicas) for a cluster of `brokers`."""
    factor = min(3, brokers)
    return factor, 2 if factor >= 3 else 1


def render_server_properties(node: KafkaNode, nodes: list[KafkaNode]) -> str:
    factor, min_isr = _replication(len(nodes))
    lines = {
        "process.roles": "broker,controller",
        "node.id": str(node.node_id),
        "controller.quorum.voters": quorum_voters(nodes),
        "listeners": f"PLAINTEXT://{HOST}:{node.port},CONTROLLER://{HOST}:{node.controller_port}",
        "advertised.listeners": f"PLAINTEXT://{HOST}:{node.port}",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "inter.broker.listener.name": "PLAINTEXT",
        "log.dirs": str(node.data_dir),
        "num.partitions": "1",
        "default.replication.factor": str(factor),
        "min.insync.replicas": str(min_isr),
        "offsets.topic.replication.factor": str(factor),
        "transaction.state.log.replication.factor": str(factor),
        "transaction.state.log.min.isr": str(min_isr),
        "share.coordinator.state.topic.replication.factor": str(factor),
        "share.coordinator.state.topic.min.isr": str(min_isr),
        "group.initial.rebalance.delay.ms": "0",
    }
    header = f"# Written by `cadabra stack up`: node {node.node_id} of {len(nodes)}.\n"
    return header + "".join(f"{key}={value}\n" for key, value in lines.items())


def render_log4j2() -> str:
    """INFO to stdout, which the stack appends to the node's log file."""
    return (
        "status = warn\n"
        "appender.out.type = Console\n"
        "appender.out.name = OUT\n"
        "appender.out.layout.type = PatternLayout\n"
        "appender.out.layout.pattern = [%d] %p %m (%c)%n\n"
        "rootLogger.level = INFO\n"
        "rootLogger.appenderRef.out.ref = OUT\n"
        # The per-request and state-change loggers are chatty at INFO on a busy broker.
        "logger.request.name = kafka.request.logger\n"
        "logger.request.level = WARN\n"
        "logger.state.name = state.change.logger\n"
        "logger.state.level = WARN\n"
    )
