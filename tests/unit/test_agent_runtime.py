"""The agent end to end on real files with an in-memory destination: delivery exactly once through
rotations, partial failures, restarts; truncation; skipped records; status line and metrics."""

from __future__ import annotations

import shutil
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from producers.agent.agent import Agent
from producers.agent.config import parse_config
from producers.agent.sender import Entry
from producers.agent.settings import AgentSettings

THROTTLED = "ProvisionedThroughputExceededException"


class FakeDestination:
    """Accepts entries; `verdict(call, index)` may return an error code for an entry."""

    def __init__(self, verdict: Callable[[int, int], str | None] = lambda c, i: None) -> None:
        self.label = "KinesisStream:fake"
        self.verdict = verdict
        self.accepted: list[Entry] = []
        self.attempts = 0
        self.calls = 0
        self.lock = threading.Lock()

    def put(self, entries: Sequence[Entry]) -> list[str | None]:
        with self.lock:
            self.calls += 1
            codes = [self.verdict(self.calls, i) for i in range(len(entries))]
            self.attempts += len(entries)
            self.accepted += [e for e, code in zip(entries, codes, strict=True) if code is None]
            return codes

    def data(self) -> Counter[bytes]:
        with self.lock:
            return Counter(e.data for e in self.accepted)


@pytest.fixture
def agents() -> Iterator[list[Agent]]:
    started: list[Agent] = []
    yield started
    for agent in started:
        if agent.store is not None and agent.runners and agent.runners[0].thread.is_alive():
            agent.stop(flush=False)


def run(
    agents: list[Agent], tmp_path: Path, destination: Any, pattern: str = "*.log", **keys: Any
) -> Agent:
    flow = {
        "filePattern": str(tmp_path / "logs" / pattern), "kinesisStream": "fake",
        "initialPosition": "START_OF_FILE", "maxBufferAgeMillis": 1000,
        "minTimeBetweenFilePollsMillis": 10, "retryInitialBackoffMillis": 1,
        "retryMaxBackoffMillis": 5, **keys,
    }  # fmt: skip
    raw = {"checkpointFile": str(tmp_path / "checkpoints"), "flows": [flow]}
    agent = Agent(parse_config(raw), destinations={0: destination})
    agents.append(agent)
    agent.start()
    return agent


def wait_for(condition: Callable[[], bool], timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def numbered(start: int, stop: int) -> str:
    return "".join(f"{i:05d}\n" for i in range(start, stop))


def expected(stop: int) -> Counter[bytes]:
    return Counter(f"{i:05d}\n".encode() for i in range(stop))


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    (tmp_path / "logs").mkdir()
    return tmp_path / "logs"


def test_rename_and_create_delivers_every_line_once(
    agents: list[Agent], tmp_path: Path, logs: Path
) -> None:
    fake = FakeDestination()
    run(agents, tmp_path, fake, pattern="app.log*")
    for rotation in range(5):
        with (logs / "app.log").open("a") as handle:
            handle.write(numbered(rotation * 300, rotation * 300 + 300))
        time.sleep(0.05)
        (logs / "app.log").rename(logs / f"app.log.{rotation}")
    wait_for(lambda: fake.data() == expected(1500))


def test_copytruncate_delivers_every_line_once(
    agents: list[Agent], tmp_path: Path, logs: Path
) -> None:
    fake = FakeDestination()
    run(agents, tmp_path, fake, pattern="app.log*")
    log = logs / "app.log"
    for rotation in range(5):
        with log.open("a") as handle:
            handle.write(numbered(rotation * 300, rotation * 300 + 300))
        time.sleep(0.05)
        shutil.copy(log, logs / f"app.log.{rotation}")
        log.write_text("")
    wait_for(lambda: fake.data() == expected(1500))


def test_new_timestamped_files_deliver_every_line_once(
    agents: list[Agent], tmp_path: Path, logs: Path
) -> None:
    fake = FakeDestination()
    run(agents, tmp_path, fake)
    for second in range(5):
        (logs / f"20190204-18301{second}.log").write_text(
            numbered(second * 300, second * 300 + 300)
        )
        time.sleep(0.05)
    wait_for(lambda: fake.data() == expected(1500))


def test_only_failed_entries_are_retried(agents: list[Agent], tmp_path: Path, logs: Path) -> None:
    fake = FakeDestination(lambda call, i: THROTTLED if call % 2 and i % 3 == 0 else None)
    (logs / "a.log").write_text(numbered(0, 1200))
    agent = run(agents, tmp_path, fake)
    wait_for(lambda: agent.metrics.records_sent == 1200)
    assert fake.data() == expected(1200)
    errors = agent.metrics.sample("RecordSendErrors", Destination="KinesisStream:fake")
    assert errors > 0 and fake.attempts == 1200 + errors


def test_a_restart_sends_neither_acknowledged_records_nor_loses_any(
    agents: list[Agent], tmp_path: Path, logs: Path
) -> None:
    (logs / "a.log").write_text(numbered(0, 700))
    # The first agent gets 500 + 200 records acknowledged, then the stream throttles for good.
    stuck = FakeDestination(
        lambda call, i: None if call == 1 or (i < 100 and call == 2) else THROTTLED
    )
    first = run(agents, tmp_path, stuck)
    wait_for(lambda: first.metrics.records_sent == 600)
    first.stop(flush=False)  # a crash: the partly acknowledged buffer is not checkpointed
    with (logs / "a.log").open("a") as handle:
        handle.write(numbered(700, 800))
    fine = FakeDestination()
    run(agents, tmp_path, fine)
    wait_for(lambda: (stuck.data() + fine.data()) == expected(800))
    assert not (set(stuck.data()) & set(fine.data()))


def test_records_over_the_limit_are_truncated_with_the_terminator(
    agents: list[Agent], tmp_path: Path, logs: Path
) -> None:
    (logs / "a.log").write_bytes(b"x" * 2_000_000 + b"\nshort\n")
    fake = FakeDestination()
    run(agents, tmp_path, fake, truncatedRecordTerminator="<cut>\n")
    wait_for(lambda: len(fake.data()) == 2)
    big = fake.accepted[0]
    assert len(big.data) + len(big.key or "") == 1024 * 1024  # KDS counts the partition key
    assert big.data.endswith(b"x<cut>\n")


def test_firehose_records_are_cut_at_1000_kib(
    agents: list[Agent], tmp_path: Path, logs: Path
) -> None:
    (logs / "a.log").write_bytes(b"y" * 1_500_000 + b"\n")
    fake = FakeDestination()
    flow = {"deliveryStream": "fake", "kinesisStream": None}
    run(agents, tmp_path, fake, **flow)
    wait_for(lambda: len(fake.data()) == 1)
    assert len(fake.accepted[0].data) == 1_024_000 and fake.accepted[0].key is None


def test_records_a_processing_option_cannot_convert_are_skipped_and_counted(
    agents: list[Agent], tmp_path: Path, logs: Path
) -> None:
    good = '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326\n'
    (logs / "a.log").write_text(good + "not an apache line\n" + good)
    fake = FakeDestination()
    options = [{"optionName": "LOGTOJSON", "logFormat": "COMMONAPACHELOG"}]
    agent = run(agents, tmp_path, fake, dataProcessingOptions=options)
    wait_for(lambda: agent.metrics.records_parsed == 3)
    agent.stop()
    assert sum(fake.data().values()) == 2
    assert all(b'"request":"GET /a.gif HTTP/1.0"' in e.data for e in fake.accepted)
    flow_id = agent.config.flows[0].id
    assert agent.metrics.sample("TotalRecordsSkipped", Flow=flow_id) == 1


def test_progress_line_and_metrics_endpoint(tmp_path: Path, logs: Path) -> None:
    from cadabra.stack.net import free_port_block

    (logs / "a.log").write_text(numbered(0, 10))
    port = free_port_block(1)
    raw = {
        "checkpointFile": str(tmp_path / "checkpoints"),
        "flows": [{"filePattern": str(logs / "*.log"), "kinesisStream": "fake",
                   "initialPosition": "START_OF_FILE", "maxBufferAgeMillis": 1000}],
    }  # fmt: skip
    fake = FakeDestination()
    agent = Agent(parse_config(raw), AgentSettings(metrics_port=port), destinations={0: fake})
    agent.start()
    try:
        wait_for(lambda: agent.metrics.records_sent == 10)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as response:
            text = response.read().decode()
    finally:
        agent.stop()
    assert 'AWSKinesisAgent_RecordSendAttempts_total{Destination="KinesisStream:fake"} 10.0' in text
    assert agent.progress().startswith(
        "Agent: Progress: 10 records parsed (60 bytes), and 10 records sent successfully to "
        "destinations. Uptime: "
    )
