"""Tailing files step by step: records, multi-line, headers, truncation, rotations, positions."""

from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from producers.agent.config import parse_config
from producers.agent.metrics import AgentMetrics
from producers.agent.records import java_double, partition_key, split_multiline, truncate
from producers.agent.sender import Backoff
from producers.agent.tailer import FileTailer

OPEN: list[FileTailer] = []


@pytest.fixture(autouse=True)
def close_tailers() -> Iterator[None]:
    yield
    while OPEN:
        OPEN.pop().close()


def new_tailer(tmp_path: Path, keys: dict[str, Any]) -> FileTailer:
    flow = {"filePattern": str(tmp_path / "*.log"), "kinesisStream": "s", **keys}
    result = FileTailer(parse_config({"flows": [flow]}).flows[0], None, AgentMetrics())
    OPEN.append(result)
    return result


def tailer(tmp_path: Path, pattern: str = "*.log", **keys: Any) -> FileTailer:
    keys = {"filePattern": str(tmp_path / pattern), "initialPosition": "START_OF_FILE", **keys}
    result = new_tailer(tmp_path, keys)
    result.start([])
    return result


def drain(tail: FileTailer) -> list[bytes]:
    """Refresh and poll until nothing more comes (two quiet polls flush multi-line records)."""
    out: list[bytes] = []
    quiet = 0
    while quiet < 2:
        tail.refresh()
        records = tail.poll(10_000)
        out += [r.data for r in records if r.data is not None]
        quiet = 0 if records or tail.bytes_behind() else quiet + 1
    return out


def lines(start: int, stop: int) -> str:
    return "".join(f"line {i}\n" for i in range(start, stop))


def test_lines_keep_their_newline_and_a_partial_line_waits(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text("one\ntwo\nthr")
    tail = tailer(tmp_path)
    assert drain(tail) == [b"one\n", b"two\n"]
    with log.open("a") as handle:
        handle.write("ee\n")
    assert drain(tail) == [b"three\n"]


def test_multi_line_records_start_at_the_pattern(tmp_path: Path) -> None:
    (tmp_path / "a.log").write_text(
        "2024-01-01 boom\n  at a\n  at b\n2024-01-02 ok\n2024-01-03 trace\n  at c\n"
    )
    tail = tailer(tmp_path, multiLineStartPattern=r"\d{4}-\d\d-\d\d")
    assert drain(tail) == [
        b"2024-01-01 boom\n  at a\n  at b\n",
        b"2024-01-02 ok\n",
        b"2024-01-03 trace\n  at c\n",
    ]


def test_split_multiline_keeps_the_open_record_until_flushed() -> None:
    buffer = b"A 1\n x\nA 2\n y\n"
    assert split_multiline(buffer, re.compile("A"), flush=False) == [7]
    assert split_multiline(buffer, re.compile("A"), flush=True) == [7, 14]


def test_skip_header_lines_applies_to_each_file_from_its_start(tmp_path: Path) -> None:
    (tmp_path / "a.log").write_text("h1\nh2\nrow 1\n")
    tail = tailer(tmp_path, skipHeaderLines=2)
    assert drain(tail) == [b"row 1\n"]
    (tmp_path / "b.log").write_text("h1\nh2\nrow 2\n")
    assert drain(tail) == [b"row 2\n"]


def test_end_of_file_skips_what_exists_and_reads_what_comes(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text("old 1\nold 2\npart")
    tail = new_tailer(tmp_path, {})
    positions = tail.start([])
    assert [p.offset for p in positions] == [len("old 1\nold 2\n")]  # last record boundary
    with log.open("a") as handle:
        handle.write("ial\nnew\n")
    assert drain(tail) == [b"partial\n", b"new\n"]


def test_rename_and_create_reads_the_rest_of_the_old_file_then_the_new(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text(lines(0, 10))
    tail = tailer(tmp_path, pattern="app.log")  # the rotated name does not match the pattern
    assert len(drain(tail)) == 10
    with log.open("a") as handle:
        handle.write(lines(10, 15))
    log.rename(tmp_path / "app.log.1")
    log.write_text(lines(15, 20))
    assert drain(tail) == [f"line {i}\n".encode() for i in range(10, 20)]
    assert len(tail.files) == 1  # the rotated file was finished and dropped


def test_copytruncate_seen_before_the_truncation(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text(lines(0, 60))
    tail = tailer(tmp_path, pattern="app.log*")
    assert len(drain(tail)) == 60
    with log.open("a") as handle:
        handle.write(lines(60, 100))
    shutil.copy(log, tmp_path / "app.log.1")
    tail.refresh()  # the copy is seen while app.log still holds everything
    log.write_text("")
    with log.open("a") as handle:
        handle.write(lines(100, 105))
    assert sorted(drain(tail)) == sorted(f"line {i}\n".encode() for i in range(60, 105))


def test_copytruncate_seen_with_the_truncation(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text(lines(0, 60))
    tail = tailer(tmp_path, pattern="app.log*")
    assert len(drain(tail)) == 60
    with log.open("a") as handle:
        handle.write(lines(60, 100))
    shutil.copy(log, tmp_path / "app.log.1")
    log.write_text(lines(100, 105))  # truncated and refilled before the next refresh
    assert sorted(drain(tail)) == sorted(f"line {i}\n".encode() for i in range(60, 105))


def test_truncation_in_place_reads_the_file_again(tmp_path: Path) -> None:
    log = tmp_path / "20190204-183012.log"  # LogGenerator reopening its per-second file
    log.write_text(lines(0, 50))
    tail = tailer(tmp_path)
    assert len(drain(tail)) == 50
    log.write_text(lines(50, 52))
    assert drain(tail) == [b"line 50\n", b"line 51\n"]


def test_restart_resumes_from_the_checkpointed_position(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text(lines(0, 10))
    first = tailer(tmp_path)
    records = first.poll(100)
    checkpoint = first.checkpoint(records[4].file_id, records[4].end)
    first.close()
    second = new_tailer(tmp_path, {})
    second.start([checkpoint])
    assert drain(second) == [f"line {i}\n".encode() for i in range(5, 10)]


def test_a_runaway_record_is_cut_and_the_rest_of_it_discarded(tmp_path: Path) -> None:
    (tmp_path / "a.log").write_bytes(b"x" * (5 * 1024 * 1024 + 10) + b"\nnext\n")
    data = drain(tailer(tmp_path))
    assert [len(d) for d in data] == [5 * 1024 * 1024, 5]


def test_truncate_and_partition_keys_follow_the_aws_agent() -> None:
    assert truncate(b"abcdef\n", 5, b"\n") == b"abcd\n"
    assert truncate(b"abc\n", 5, b"...") == b"abc\n"
    data = b"line\n"
    assert (
        partition_key("DETERMINISTIC", data, random.Random(1))
        == hashlib.md5(data, usedforsecurity=False).hexdigest()
    )
    key = partition_key("RANDOM", data, random.Random(1))
    assert 0 <= float(key) < 1_000_000 and "." in key
    assert java_double(0.0005) == "5.0E-4" and java_double(12.0) == "12.0"


def test_backoff_doubles_to_the_cap_with_jitter_and_recovers() -> None:
    backoff = Backoff(100, 1_000, random.Random(3))
    assert backoff.delay_ms() == 0
    delays = []
    for _ in range(6):
        backoff.on_failure()
        delays.append(backoff.delay_ms())
    for failures, delay in enumerate(delays, start=1):
        base = min(1_000, 100 * 2 ** (failures - 1))
        assert 0.7 * base <= delay <= 1.3 * base
    backoff.on_success()  # 6 failures / 10 < 1: healthy again
    assert backoff.delay_ms() == 0


def test_files_are_read_through_an_open_handle_after_deletion(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text(lines(0, 3))
    tail = tailer(tmp_path)
    tail.refresh()
    with log.open("a") as handle:
        handle.write("tail without newline")
    os.unlink(log)
    assert drain(tail) == [b"line 0\n", b"line 1\n", b"line 2\n", b"tail without newline"]


def test_an_unreadable_file_is_reported_and_read_once_it_can_be(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Root reads any file, so the refusal is the operating system's answer, injected."""
    import builtins

    from producers.agent import files

    (tmp_path / "a.log").write_text(lines(0, 3))
    locked = tmp_path / "b.log"
    locked.write_text(lines(3, 6))
    refuse = {str(locked)}
    real_open = builtins.open

    def guarded_open(path: Any, *args: Any, **kwargs: Any) -> Any:
        if str(path) in refuse:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(files, "open", guarded_open, raising=False)
    tail = tailer(tmp_path)
    read: list[bytes] = []
    for _ in range(5):  # `drain` would wait for the unreadable bytes: poll a few times instead
        tail.refresh()
        read += [r.data for r in tail.poll(10_000) if r.data is not None]
    assert sorted(read) == [f"line {i}\n".encode() for i in range(3)]
    assert f"Cannot read {locked}" in caplog.text
    assert tail.bytes_behind() == len(lines(3, 6))  # kept, not dropped
    refuse.clear()
    assert sorted(drain(tail)) == [f"line {i}\n".encode() for i in range(3, 6)]
