"""The files a flow tails (SourceFileTracker/TrackedFile): identity, position, rotation evidence.

A file is known by its identity (`dev:inode`, the AWS agent's FileId), not its name, so a rename
(logrotate's default rename+create) keeps its position. Its first bytes (`head`) recognise a
copy: copytruncate copies `app.log` to `app.log.1` then empties `app.log`; the copy has the same
head and continues from where the original was read, while the emptied original starts over.
"""

from __future__ import annotations

import glob
import logging
import os
import stat
from dataclasses import dataclass, field
from typing import BinaryIO

logger = logging.getLogger(__name__)

__all__ = ["HEAD_BYTES", "FileState", "TrackedFile", "file_id", "is_copy", "read_head", "scan"]

HEAD_BYTES = 1024
MIN_HEAD_BYTES = 16  # a shorter head is too likely to be shared by unrelated files


@dataclass(frozen=True)
class FileState:
    """One file matched by the flow's pattern, as `stat` saw it."""

    file_id: str
    path: str
    size: int
    mtime_ms: int


@dataclass
class TrackedFile:
    """A file being tailed: `offset` is where the next record starts (records before it were
    handed to the sender or skipped); `pending` holds bytes read after it, not yet a record."""

    file_id: str
    path: str
    size: int
    mtime_ms: int
    offset: int
    header_left: int = 0
    head: bytes = b""
    pending: bytes = b""
    matched: bool = True
    discarding: bool = False
    footer: bool = False
    handle: BinaryIO | None = field(default=None, repr=False)
    unreadable: bool = False  # warned about once; read as soon as it can be opened

    @property
    def read_position(self) -> int:
        return self.offset + len(self.pending)

    def reset(self, header_lines: int) -> None:
        """The file was truncated or replaced in place: read it again from its start."""
        self.offset = 0
        self.pending = b""
        self.head = b""
        self.discarding = False
        self.footer = False
        self.header_left = header_lines

    def open(self) -> BinaryIO | None:
        """The open handle, opening the path when it still holds this file."""
        if self.handle is not None:
            return self.handle
        try:
            handle = open(self.path, "rb")  # noqa: SIM115 - kept open across polls
        except PermissionError as exc:
            if not self.unreadable:  # as AWS's agent: say so, keep the file, try it again
                logger.warning("Cannot read %s (%s); it is tailed once it becomes readable",
                               self.path, exc.strerror)  # fmt: skip
            self.unreadable = True
            return None
        except OSError:
            return None
        self.unreadable = False
        if file_id(os.fstat(handle.fileno())) != self.file_id:
            handle.close()
            return None
        self.handle = handle
        return handle

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None

    def remember_head(self) -> None:
        """Keep the first HEAD_BYTES bytes (re-read while the file is shorter than that)."""
        if len(self.head) < HEAD_BYTES and self.handle is not None:
            self.head = os.pread(self.handle.fileno(), HEAD_BYTES, 0)


def file_id(info: os.stat_result) -> str:
    return f"{info.st_dev}:{info.st_ino}"


def scan(pattern: str) -> dict[str, FileState]:
    """Regular files matching the glob, by identity; files that vanish mid-scan are skipped."""
    found: dict[str, FileState] = {}
    for path in glob.glob(pattern):
        try:
            info = os.stat(path)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            key = file_id(info)
            found[key] = FileState(key, path, info.st_size, info.st_mtime_ns // 1_000_000)
    return found


def read_head(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(HEAD_BYTES)
    except OSError:
        return b""


def is_copy(candidate_head: bytes, original_head: bytes) -> bool:
    """Whether a new file is a copy of a tracked one: it starts with the original's first
    HEAD_BYTES bytes (all of the original when that was shorter; at least a line's worth)."""
    if len(original_head) < MIN_HEAD_BYTES:
        return False
    return candidate_head.startswith(original_head)
