"""Tailing a flow's files (FileTailer + AbstractParser): new data as it is appended, as records.

Files matching `filePattern` are read oldest first (by modification time), each from its own
position, so a log rotated by rename+create is finished under its new name while the new file is
read from its start; a file that no longer matches the pattern is read to its end through the
handle already open, then dropped. A file shorter than its position was truncated (copytruncate,
or LogGenerator reopening its per-second file) and is read again from the start; a new file whose
first bytes equal a tracked file's is the copy of a copytruncate and continues from that file's
position. At the first start (no checkpoints) `initialPosition` decides: START_OF_FILE reads
existing files from the start, END_OF_FILE positions at each file's last record boundary.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable

from producers.agent.checkpoints import Checkpoint
from producers.agent.config import (
    FIREHOSE_MAX_BUFFER_BYTES,
    KINESIS_MAX_BUFFER_BYTES,
    FlowConfig,
)
from producers.agent.errors import DataConversionError
from producers.agent.files import FileState, TrackedFile, is_copy, read_head, scan
from producers.agent.metrics import AgentMetrics
from producers.agent.records import Record, split_lines, split_multiline

__all__ = ["FileTailer"]

logger = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024
GONE_KEPT_S = 300.0
Pipeline = Callable[[str], str]


class FileTailer:
    """Reads one flow's files into records; positions are in-memory, checkpoints are the
    caller's (it saves them once the records are delivered)."""

    def __init__(
        self, flow: FlowConfig, pipeline: Pipeline | None, metrics: AgentMetrics, ttl_days: int = 7
    ) -> None:
        self.flow = flow
        self.pipeline = pipeline
        self.metrics = metrics
        self.ttl_ms = ttl_days * 86_400_000
        self.files: dict[str, TrackedFile] = {}
        self._truncated: dict[str, tuple[int, bytes, int]] = {}
        # Files that stopped matching lately, kept in case a rename raced the scan.
        self._gone: dict[str, tuple[TrackedFile, float]] = {}
        self._refreshes = 0
        self._runaway = (
            KINESIS_MAX_BUFFER_BYTES
            if flow.destination_type == "kinesis"
            else FIREHOSE_MAX_BUFFER_BYTES
        )

    # -- start and refresh -------------------------------------------------------------------

    def start(self, checkpoints: Iterable[Checkpoint]) -> list[Checkpoint]:
        """Position every current file; returns the positions to save as the first checkpoint."""
        known = {point.file_id: point for point in checkpoints}
        now_ms = int(time.time() * 1000)
        for state in scan(self.flow.file_pattern).values():
            offset = self._initial_offset(state, known, now_ms)
            self.files[state.file_id] = self._track(state, offset)
        return [self.checkpoint(tracked.file_id, tracked.offset) for tracked in self.files.values()]

    def _initial_offset(self, state: FileState, known: dict[str, Checkpoint], now_ms: int) -> int:
        point = known.get(state.file_id)
        if point is not None:
            return point.offset if point.offset <= state.size else 0
        if known:  # the flow ran before: a file it never saw appeared while it was stopped
            return state.size if now_ms - state.mtime_ms > self.ttl_ms else 0
        if self.flow.initial_position == "START_OF_FILE":
            return 0
        return _last_line_boundary(state)

    def _track(self, state: FileState, offset: int) -> TrackedFile:
        header = self.flow.skip_header_lines if offset == 0 else 0
        tracked = TrackedFile(
            state.file_id, state.path, state.size, state.mtime_ms, offset, header_left=header
        )
        tracked.head = read_head(state.path)
        tracked.open()  # a rename out of the pattern must not lose what is still unread
        return tracked

    def refresh(self) -> None:
        """Re-list the pattern: follow renames, notice truncations, copies and new files."""
        found = scan(self.flow.file_pattern)
        # What truncated files held, kept for one more refresh: their copy may be seen later.
        self._truncated = {k: v for k, v in self._truncated.items() if v[2] == self._refreshes}
        self._refreshes += 1
        for tracked in self.files.values():
            state = found.get(tracked.file_id)
            tracked.matched = state is not None
            if state is not None:
                self._update(tracked, state)
        for state in found.values():
            if state.file_id not in self.files:
                self.files[state.file_id] = self._new_file(state)

    def _update(self, tracked: TrackedFile, state: FileState) -> None:
        if state.path != tracked.path:
            logger.info("%s: %s was renamed to %s", self.flow.id, tracked.path, state.path)
            tracked.path = state.path
        if state.size < tracked.read_position:
            logger.info(
                "%s: %s was truncated (%d < %d bytes); reading it from the start",
                self.flow.id, state.path, state.size, tracked.read_position,
            )  # fmt: skip
            self._truncated[tracked.file_id] = (tracked.offset, tracked.head, self._refreshes)
            tracked.reset(self.flow.skip_header_lines)
        elif state.size > tracked.size:
            tracked.remember_head()  # a short head grows with the file, for copy detection
        tracked.size, tracked.mtime_ms = state.size, state.mtime_ms

    def _new_file(self, state: FileState) -> TrackedFile:
        head = read_head(state.path)
        gone = self._gone.pop(state.file_id, None)
        if gone is not None and head.startswith(gone[0].head):
            # Seen again (a scan raced a rename): the same file, where it was.
            tracked = gone[0]
            tracked.path, tracked.matched = state.path, True
            tracked.open()
            return tracked
        for key, (offset, old_head, _) in self._truncated.items():
            if key != state.file_id and is_copy(head, old_head):
                return self._copy(state, head, min(offset, state.size), key)
        for original in self.files.values():
            if original.file_id != state.file_id and is_copy(head, original.head):
                # Copied but not truncated yet: the copy holds what the original had.
                position = min(original.offset, state.size)
                original.offset, original.pending = max(original.offset, state.size), b""
                return self._copy(state, head, position, original.file_id)
        logger.info("%s: new file %s", self.flow.id, state.path)
        tracked = self._track(state, 0)
        tracked.head = head
        return tracked

    def _copy(self, state: FileState, head: bytes, position: int, original: str) -> TrackedFile:
        logger.info(
            "%s: %s is a copy of file %s (copytruncate); continuing it from byte %d",
            self.flow.id, state.path, original, position,
        )  # fmt: skip
        tracked = TrackedFile(state.file_id, state.path, state.size, state.mtime_ms, position)
        tracked.head = head
        tracked.open()
        return tracked

    # -- reading --------------------------------------------------------------------------

    def poll(self, max_records: int) -> list[Record]:
        """Records appended since the last poll, oldest file first, about `max_records`."""
        records: list[Record] = []
        for tracked in sorted(self.files.values(), key=lambda f: (f.mtime_ms, f.path)):
            if len(records) >= max_records:
                break
            records += self._read(tracked)
        self._drop_finished()
        return records

    def bytes_behind(self) -> int:
        return sum(max(0, f.size - f.read_position) for f in self.files.values() if f.matched)

    def _read(self, tracked: TrackedFile) -> list[Record]:
        handle = None if tracked.footer else tracked.open()
        if handle is None:
            return []
        chunk = os.pread(handle.fileno(), CHUNK_BYTES, tracked.read_position)
        tracked.remember_head()
        self.metrics.consumed(self.flow.id, len(chunk))
        tracked.pending += chunk
        self._skip(tracked)
        records = self._split(tracked, flush=not chunk)
        if not chunk and not tracked.matched and tracked.pending:
            records.append(self._take(tracked, len(tracked.pending)))  # last unterminated line
        return records

    def _skip(self, tracked: TrackedFile) -> None:
        """Drop header lines and the rest of a runaway record."""
        while tracked.header_left > 0 or tracked.discarding:
            newline = tracked.pending.find(b"\n")
            if newline < 0:
                if tracked.discarding:
                    tracked.offset += len(tracked.pending)
                    tracked.pending = b""
                return
            tracked.offset += newline + 1
            tracked.pending = tracked.pending[newline + 1 :]
            if tracked.discarding:
                tracked.discarding = False
            else:
                tracked.header_left -= 1

    def _split(self, tracked: TrackedFile, *, flush: bool) -> list[Record]:
        pattern = self.flow.multi_line_start_pattern
        buffer = tracked.pending
        ends = (
            split_lines(buffer)
            if pattern is None
            else split_multiline(buffer, pattern, flush=flush)
        )
        records: list[Record] = []
        consumed = 0
        for end in ends:  # records are cut from the buffer once, at the end (not one by one)
            records.append(self._record(tracked, consumed, end - consumed))
            consumed = end
            if tracked.footer:
                tracked.pending = tracked.pending[consumed:]
                return records[:-1]
        tracked.pending = tracked.pending[consumed:]
        if not ends and len(tracked.pending) > self._runaway:
            logger.warning(
                "%s: Detected record larger than buffer size (%d bytes) in %s at offset %d. "
                "Discarding data until next record.",
                self.flow.id, self._runaway, tracked.path, tracked.offset,
            )  # fmt: skip
            records.append(self._take(tracked, self._runaway))
            tracked.discarding = True
            self._skip(tracked)
        return records

    def _take(self, tracked: TrackedFile, length: int) -> Record:
        """The record at the start of the buffer, cut from it."""
        record = self._record(tracked, 0, length)
        tracked.pending = tracked.pending[length:]
        return record

    def _record(self, tracked: TrackedFile, at: int, length: int) -> Record:
        """The record of `length` bytes at `at` in the buffer (the caller cuts the buffer)."""
        raw = tracked.pending[at : at + min(length, self._runaway)]  # a runaway record is cut here
        start = tracked.offset
        tracked.offset += length
        footer = self.flow.file_footer_pattern
        if footer is not None and footer.match(raw.decode("utf-8", "replace")):
            tracked.footer = True
        self.metrics.parsed(self.flow.id)
        return Record(tracked.file_id, tracked.path, start, start + length, self._convert(raw))

    def _convert(self, raw: bytes) -> bytes | None:
        if self.pipeline is None:
            return raw
        try:
            return self.pipeline(raw.decode("utf-8", "replace")).encode("utf-8")
        except DataConversionError as exc:
            self.metrics.processing_error(self.flow.id)
            logger.warning("%s: Cannot process input data: %s; record skipped", self.flow.id, exc)
            return None

    def _drop_finished(self) -> None:
        now = time.monotonic()
        for key, tracked in list(self.files.items()):
            if not tracked.matched and (tracked.handle is None or _at_end(tracked)):
                tracked.close()
                del self.files[key]
                self._gone[key] = (tracked, now)
        for key, (_, since) in list(self._gone.items()):
            if now - since > GONE_KEPT_S:
                del self._gone[key]

    # -- checkpoints ----------------------------------------------------------------------

    def checkpoint(self, file_id: str, offset: int, path: str = "") -> Checkpoint:
        """A checkpoint row for `file_id` delivered up to `offset`."""
        tracked = self.files.get(file_id)
        if tracked is None:
            return Checkpoint(path, file_id, 0, offset, offset)
        return Checkpoint(tracked.path, file_id, tracked.mtime_ms, tracked.size, offset)

    def close(self) -> None:
        for tracked in self.files.values():
            tracked.close()


def _at_end(tracked: TrackedFile) -> bool:
    if tracked.handle is None or tracked.pending:
        return tracked.handle is None
    return os.fstat(tracked.handle.fileno()).st_size <= tracked.read_position


def _last_line_boundary(state: FileState) -> int:
    """END_OF_FILE: just after the last `\\n` of the file (0 when it has none)."""
    try:
        with open(state.path, "rb") as handle:
            position = state.size
            while position > 0:
                start = max(0, position - CHUNK_BYTES)
                chunk = os.pread(handle.fileno(), position - start, start)
                newline = chunk.rfind(b"\n")
                if newline >= 0:
                    return start + newline + 1
                position = start
    except OSError:
        return 0
    return 0
