"""The native stack's pieces that need no service: configs, state file, readiness, caching."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cadabra.config import AwsSettings, StackSettings
from cadabra.errors import ServiceStartError, StackError
from cadabra.stack.kafka_config import (
    kafka_nodes,
    new_cluster_id,
    render_log4j2,
    render_server_properties,
)
from cadabra.stack.maven import resolve_classpath
from cadabra.stack.readiness import Deadline, tail, wait_until_answers
from cadabra.stack.s3 import render_logback, render_s3proxy_properties
from cadabra.stack.state import StackLayout, StackState, load_state, save_state


def _props(text: str) -> dict[str, str]:
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def _layout(tmp_path: Path, brokers: int) -> StackLayout:
    settings = StackSettings(home=tmp_path, brokers=brokers, kafka_port=9092, controller_port=9093)
    return StackLayout.from_settings(settings)


def test_one_broker_is_a_single_voter_kraft_node(tmp_path: Path) -> None:
    (node,) = kafka_nodes(_layout(tmp_path, 1))
    props = _props(render_server_properties(node, [node]))
    assert props["process.roles"] == "broker,controller"
    assert props["node.id"] == "1"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:9093"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:9092"
    assert props["log.dirs"] == str(tmp_path / "data" / "kafka" / "node-1")
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["min.insync.replicas"] == "1"
    assert "log.message.timestamp.type" not in props  # streams set it per topic


def test_three_brokers_interleave_ports_and_replicate_three_ways(tmp_path: Path) -> None:
    nodes = kafka_nodes(_layout(tmp_path, 3))
    assert [(n.port, n.controller_port) for n in nodes] == [
        (9092, 9093),
        (9094, 9095),
        (9096, 9097),
    ]
    assert len({n.data_dir for n in nodes}) == 3
    props = _props(render_server_properties(nodes[2], nodes))
    assert props["node.id"] == "3"
    voters = "1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097"
    assert props["controller.quorum.voters"] == voters
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:9096,CONTROLLER://127.0.0.1:9097"
    assert props["default.replication.factor"] == "3"
    assert props["min.insync.replicas"] == "2"
    assert props["offsets.topic.replication.factor"] == "3"
    assert props["transaction.state.log.replication.factor"] == "3"
    assert props["transaction.state.log.min.isr"] == "2"


def test_cluster_ids_look_like_kafkas() -> None:
    ids = {new_cluster_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_-]{21}", cid) for cid in ids)


def test_logging_configs_write_info_to_stdout() -> None:
    assert "rootLogger.level = INFO" in render_log4j2()
    assert "appender.out.type = Console" in render_log4j2()
    assert '<root level="INFO">' in render_logback()


def test_s3proxy_properties_use_nio2_and_the_aws_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    layout = _layout(tmp_path, 1).model_copy(update={"s3_port": 9123})
    props = _props(render_s3proxy_properties(layout, AwsSettings()))
    assert props["jclouds.provider"] == "filesystem-nio2"
    assert props["jclouds.filesystem.basedir"] == str(tmp_path / "data" / "s3")
    assert props["s3proxy.endpoint"] == "http://127.0.0.1:9123"
    assert (props["s3proxy.identity"], props["s3proxy.credential"]) == ("key", "secret")


def test_state_file_round_trip(tmp_path: Path) -> None:
    state = StackState.started(_layout(tmp_path, 3))
    state.pids.update({"kafka-1": 11, "kafka-2": 12, "kafka-3": 13, "s3": 14})
    state.env["CADABRA_KAFKA_BOOTSTRAP"] = "127.0.0.1:9092"
    save_state(state)
    assert load_state(tmp_path) == state
    assert (tmp_path / "state.json").stat().st_mode & 0o077 == 0  # it holds the secret
    assert load_state(tmp_path / "elsewhere") is None


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_deadline_error_names_the_service_and_its_log(tmp_path: Path) -> None:
    clock = FakeClock()
    calls: list[float] = []

    def probe() -> bool:
        calls.append(clock())
        raise ConnectionRefusedError("connection refused")

    log = tmp_path / "kafka-1.log"
    with pytest.raises(ServiceStartError) as caught:
        wait_until_answers("kafka-1", log, probe, Deadline(5.0, clock), sleep=clock.sleep)
    assert caught.value.service == "kafka-1"
    assert caught.value.log_file == str(log)
    message = str(caught.value)
    assert "kafka-1" in message and str(log) in message and "within 5 s" in message
    assert "ConnectionRefusedError: connection refused" in message
    assert calls[-1] - calls[0] == pytest.approx(5.0)


def test_a_dead_process_fails_at_once_with_its_log_tail(tmp_path: Path) -> None:
    clock = FakeClock()
    log = tmp_path / "s3.log"
    log.write_text("".join(f"line {i}\n" for i in range(100)) + "Failed to bind to 9000\n")
    with pytest.raises(ServiceStartError, match="exited during startup") as caught:
        wait_until_answers(
            "s3", log, lambda: False, Deadline(60.0, clock), alive=lambda: False, sleep=clock.sleep
        )
    assert "Failed to bind to 9000" in str(caught.value)
    assert "line 80" not in str(caught.value)
    assert clock() == 100.0  # no waiting for the deadline


def test_a_probe_that_answers_returns_at_once(tmp_path: Path) -> None:
    clock = FakeClock()
    wait_until_answers("s3", tmp_path / "s3.log", lambda: True, Deadline(1.0, clock))
    assert clock() == 100.0


def test_tail_reads_only_the_last_lines(tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    log.write_text("".join(f"{i}\n" for i in range(100_000)))
    assert tail(log, 3) == "99997\n99998\n99999"
    assert tail(tmp_path / "missing.log", 3) == ""


def _fake_mvn(tmp_path: Path, jar: Path) -> Path:
    """A stand-in for mvn that writes `jar` as the classpath and counts its runs."""
    script = tmp_path / "mvn"
    script.write_text(
        "#!/bin/sh\n"
        f"echo run >> {tmp_path / 'runs'}\n"
        'for arg in "$@"; do case "$arg" in -Dmdep.outputFile=*) '
        f'printf %s {jar} > "${{arg#-Dmdep.outputFile=}}";; esac; done\n'
    )
    script.chmod(0o755)
    return script


def test_the_classpath_is_cached_until_a_jar_vanishes(tmp_path: Path) -> None:
    jar = tmp_path / "a.jar"
    jar.write_bytes(b"")
    pom = tmp_path / "svc.xml"
    pom.write_text("<project/>")
    mvn = str(_fake_mvn(tmp_path, jar))
    cache = tmp_path / "cache"
    assert resolve_classpath(pom, cache, mvn) == str(jar)
    assert resolve_classpath(pom, cache, mvn) == str(jar)
    assert (tmp_path / "runs").read_text().count("run") == 1
    jar.unlink()
    resolve_classpath(pom, cache, mvn)
    assert (tmp_path / "runs").read_text().count("run") == 2


def test_a_missing_mvn_says_how_to_install_it(tmp_path: Path) -> None:
    pom = tmp_path / "svc.xml"
    pom.write_text("<project/>")
    with pytest.raises(StackError, match="install Maven"):
        resolve_classpath(pom, tmp_path / "cache", mvn=str(tmp_path / "no-mvn"))
