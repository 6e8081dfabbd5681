"""THE crash test: the agent is SIGKILLed and restarted during a 100,000-line run.

The agent runs as a real process (`python -m producers.agent`) and is killed -9 five times while a
writer appends to, rotates (rename+create) and adds log files. At the end every line must be in
the stream exactly once. The agent records each batch before sending it and marks what the stream
acknowledged; after a kill it reads the stream back for the records whose answer died with the
process (RANDOM keys are unique), and sends again only those that did not arrive. AWS's agent
re-sends the whole unfinished buffer instead.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cadabra.config import QuotaSettings
from cadabra.quotas import QuotaRegistry
from cadabra.streams import StreamsService

LINES = 100_000
KILLS = 5


def read_stream(streams: StreamsService, name: str) -> list[bytes]:
    data: list[bytes] = []
    for shard in streams.list_shards(stream_name=name)["Shards"]:
        iterator = streams.get_shard_iterator(shard["ShardId"], "TRIM_HORIZON", stream_name=name)
        next_iterator = iterator["ShardIterator"]
        while next_iterator:
            page = streams.get_records(next_iterator)
            data += [r["Data"] for r in page["Records"]]
            if not page["Records"] and page.get("MillisBehindLatest", 0) == 0:
                break
            next_iterator = page.get("NextShardIterator")
    return data


def write_logs(folder: Path) -> None:
    """100,000 lines over a few seconds: app.log, rotated by rename+create, then a new file."""
    for i in range(0, LINES, 2_000):
        if i == 40_000:
            (folder / "app.log").rename(folder / "app.1.log")
        target = folder / ("app.log" if i < 80_000 else "20190204-183012.log")
        with target.open("a") as handle:
            handle.write(
                "".join(f"{n:06d} order line of the crash test\n" for n in range(i, i + 2000))
            )
        time.sleep(0.05)


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    if not db.exists():
        return []
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        try:
            return conn.execute(sql).fetchall()
        except sqlite3.OperationalError:  # tables not created yet
            return []


def delivered_bytes(db: Path) -> int:
    return sum(row[0] for row in query(db, "SELECT offset FROM FILE_CHECKPOINTS"))


def wait_for(condition: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def unacknowledged_lines(db: Path, folder: Path) -> set[bytes]:
    """The lines of the in-flight batch with no answer when the agent died: what AWS's agent
    would send again."""
    ids = {f"{s.st_dev}:{s.st_ino}": p for p in folder.glob("*.log") if (s := p.stat())}
    lines: set[bytes] = set()
    for file_id, start, end in query(
        db, "SELECT fileId, startOffset, endOffset FROM INFLIGHT_RECORDS WHERE acked = 0"
    ):
        with ids[file_id].open("rb") as handle:
            handle.seek(start)
            lines.add(handle.read(end - start))
    return lines


def test_sigkilled_agent_loses_nothing_and_resends_only_the_unacknowledged(
    tmp_path: Path, endpoint_url: str, streams: StreamsService, make_stream: Callable[..., str]
) -> None:
    streams.quotas = QuotaRegistry(QuotaSettings(enabled=False))
    stream = make_stream(2)
    logs, db = tmp_path / "logs", tmp_path / "checkpoints"
    logs.mkdir()
    config = tmp_path / "agent.json"
    config.write_text(
        json.dumps(
            {
                "kinesis.endpoint": endpoint_url,
                "checkpointFile": str(db),
                "log.statusReportingPeriodSeconds": 1,
                "flows": [
                    {
                        "filePattern": str(logs / "*.log"),
                        "kinesisStream": stream,
                        "initialPosition": "START_OF_FILE",
                        "maxBufferAgeMillis": 1000,
                    }
                ],
            }
        )
    )
    command = [sys.executable, "-m", "producers.agent", "--config", str(config)]
    output = (tmp_path / "agent.log").open("ab")
    writer = threading.Thread(target=write_logs, args=(logs,))
    writer.start()
    rng = random.Random(7)
    resendable: set[bytes] = set()
    agent: subprocess.Popen[bytes] | None = None
    try:
        for _ in range(KILLS):
            before = delivered_bytes(db)
            agent = subprocess.Popen(command, stdout=output, stderr=output)  # noqa: S603
            assert wait_for(lambda b=before: delivered_bytes(db) > b, 60), "no progress"  # type: ignore[misc]
            time.sleep(rng.uniform(0.0, 0.8))
            agent.send_signal(signal.SIGKILL)
            agent.wait(10)
            resendable |= unacknowledged_lines(db, logs)
        writer.join()
        total = sum(p.stat().st_size for p in logs.glob("*.log"))
        agent = subprocess.Popen(command, stdout=output, stderr=output)  # noqa: S603
        assert wait_for(lambda: delivered_bytes(db) == total, 120), "not everything delivered"
        agent.send_signal(signal.SIGTERM)
        assert agent.wait(30) == 0
    finally:
        writer.join()
        if agent is not None and agent.poll() is None:
            agent.kill()
        output.close()
    counts = Counter(read_stream(streams, stream))
    expected = {f"{n:06d} order line of the crash test\n".encode() for n in range(LINES)}
    assert set(counts) == expected  # nothing lost, nothing invented
    duplicates = {line: n - 1 for line, n in counts.items() if n > 1}
    print(f"kills={KILLS} in flight without an answer={len(resendable)} duplicates={duplicates}")
    assert not duplicates  # exactly once, although up to 500 records per kill had no answer
