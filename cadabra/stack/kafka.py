"""Apache Kafka in KRaft mode from its Maven Central jars: one JVM per broker.

Storage is formatted once per node with one cluster id kept in `<home>/data/kafka/cluster.json`;
when the quorum changes (another broker count or controller ports) the old data is wiped and the
nodes are formatted again, since a KRaft log cannot move to a different static quorum.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from functools import partial

from cadabra.config import StackSettings
from cadabra.errors import StackError
from cadabra.stack.clients import kafka_admin
from cadabra.stack.kafka_config import (
    KafkaNode,
    bootstrap_servers,
    kafka_nodes,
    new_cluster_id,
    quorum_voters,
    render_log4j2,
    render_server_properties,
)
from cadabra.stack.maven import POM_DIR, resolve_classpath
from cadabra.stack.net import tcp_answers
from cadabra.stack.process import ProcessSpec
from cadabra.stack.service import ServiceProcess, StepCallback
from cadabra.stack.state import StackLayout

__all__ = ["KafkaComponent", "brokers_answer"]

logger = logging.getLogger(__name__)

FORMAT_TIMEOUT_S = 120.0


def brokers_answer(port: int, expected: int) -> bool:
    """True when the broker on `port` answers a metadata call listing `expected` brokers."""
    if not tcp_answers(port):
        return False
    admin = kafka_admin(f"127.0.0.1:{port}", log_level=0)
    return len(admin.list_topics(timeout=2.0).brokers) >= expected


class KafkaComponent:
    """The brokers of the native stack."""

    name = "kafka"

    def __init__(self, layout: StackLayout, settings: StackSettings) -> None:
        self.layout = layout
        self.settings = settings
        self.nodes = kafka_nodes(layout)
        self.log4j_file = layout.conf_dir / "kafka-log4j2.properties"
        self._classpath = ""

    @property
    def bootstrap(self) -> str:
        return bootstrap_servers(self.nodes)

    def processes(self) -> list[ServiceProcess]:
        brokers = len(self.nodes)
        return [
            ServiceProcess(
                node.name,
                self.name,
                node.port,
                self.layout.log_file(node.name),
                partial(brokers_answer, node.port, brokers),
                (node.controller_port,),
            )
            for node in self.nodes
        ]

    def prepare(self, on_step: StepCallback) -> None:
        on_step("resolving Kafka jars (mvn)")
        self._classpath = resolve_classpath(
            POM_DIR / "kafka.xml", self.layout.cache_dir, self.settings.mvn
        )
        self._write_configs()
        on_step("formatting Kafka storage")
        self._format_storage()

    def _write_configs(self) -> None:
        self.layout.conf_dir.mkdir(parents=True, exist_ok=True)
        self.log4j_file.write_text(render_log4j2())
        for node in self.nodes:
            node.config_file.write_text(render_server_properties(node, self.nodes))

    def _cluster_id(self) -> str:
        """The cluster id for this quorum; a different quorum wipes the old nodes' data."""
        meta = self.layout.data_dir / "kafka" / "cluster.json"
        voters = quorum_voters(self.nodes)
        if meta.exists():
            known = json.loads(meta.read_text())
            if known.get("voters") == voters:
                return str(known["cluster_id"])
            logger.warning("Kafka quorum changed (%s -> %s): wiping its data", known, voters)
            shutil.rmtree(meta.parent)
        meta.parent.mkdir(parents=True, exist_ok=True)
        cluster_id = new_cluster_id()
        meta.write_text(json.dumps({"cluster_id": cluster_id, "voters": voters}))
        return cluster_id

    def _format_storage(self) -> None:
        cluster_id = self._cluster_id()
        pending = [n for n in self.nodes if not (n.data_dir / "meta.properties").exists()]
        runs = [(node, self._start_format(node, cluster_id)) for node in pending]
        for node, run in runs:
            self._finish_format(node, run)

    def _start_format(self, node: KafkaNode, cluster_id: str) -> subprocess.Popen[str]:
        argv = [self.settings.java, *self._jvm_base(128), "kafka.tools.StorageTool"]
        argv += ["format", "-t", cluster_id, "-c", str(node.config_file)]
        return subprocess.Popen(  # noqa: S603 - argv built here, no shell
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

    def _finish_format(self, node: KafkaNode, run: subprocess.Popen[str]) -> None:
        try:
            output, _ = run.communicate(timeout=FORMAT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            run.kill()
            run.communicate()
            raise StackError(f"formatting {node.name} took over {FORMAT_TIMEOUT_S:g} s") from None
        if run.returncode != 0:
            raise StackError(f"formatting {node.name} failed:\n{output.strip()}")
        logger.info("formatted %s: %s", node.name, output.strip().splitlines()[-1:])

    def _jvm_base(self, heap_mb: int) -> list[str]:
        log4j = f"-Dlog4j2.configurationFile={self.log4j_file}"
        return [f"-Xmx{heap_mb}m", log4j, "-Djava.awt.headless=true", "-cp", self._classpath]

    def _heap_mb(self) -> int:
        if len(self.nodes) > 1:
            return self.settings.kafka_cluster_heap_mb
        return self.settings.kafka_heap_mb

    def launch(self, process: str) -> ProcessSpec:
        node = next(n for n in self.nodes if n.name == process)
        argv = [self.settings.java, *self._jvm_base(self._heap_mb()), "kafka.Kafka"]
        return ProcessSpec(
            name=node.name,
            argv=(*argv, str(node.config_file)),
            log_file=self.layout.log_file(node.name),
            pid_file=self.layout.pid_file(node.name),
            marker=self.layout.marker(node.name),
        )

    def after_start(self) -> None:
        """Nothing to do: topics are created by the streams layer."""

    def env(self) -> dict[str, str]:
        return {"CADABRA_KAFKA_BOOTSTRAP": self.bootstrap}
