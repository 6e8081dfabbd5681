"""The course's LogGenerator.py: OnlineRetail rows appended to `/var/log/cadabra/*.log`.

Behaves like the Sundog script (`sudo ./LogGenerator.py [N]`): N lines a run (default 100),
continuing from the row saved in `LastLine.txt` (missing = row 0, saved without a newline), each
run writing to a file named after the local time (`%Y%m%d-%H%M%S.log`) with `csv.writer`'s Excel
dialect — `,`, minimal quoting, `\\r\\n` line endings, no header — and wrapping to row 0 at the end
of the data.

One deliberate difference: when a run wraps within the same second, the script reopens the same
file name in `'w'` mode and truncates the lines it has just written. Here every log file is
opened for appending, so both parts are kept (in one file, or two when the second changed).
"""

from __future__ import annotations

import csv
import logging
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from producers.loggen.errors import LogGeneratorError
from producers.loggen.settings import LogGenSettings
from producers.loggen.source import CsvSource, RowSource
from producers.loggen.synthetic import SyntheticSource

__all__ = ["LogGenerator", "LogRun", "StateFile", "source_from"]

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]
_CHUNK = 10_000  # rows per csv.writerows call and per progress report


@dataclass(frozen=True)
class LogRun:
    """What one run did: rows `start`.. written to `files`, `next_start` saved for the next."""

    start: int
    lines: int
    next_start: int
    files: tuple[Path, ...]
    created_dir: bool

    @property
    def path(self) -> Path:
        """The file holding the run's last lines."""
        return self.files[-1]


class StateFile:
    """`LastLine.txt`: the number of data rows already written, i.e. the next row to write."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> int:
        if not self.path.exists():
            return 0
        value = 0
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.strip():  # the script keeps the last line's number
                value = self._number(line)
        return value

    def write(self, row: int) -> None:
        try:
            self.path.write_text(str(row), encoding="utf-8")
        except OSError as exc:
            raise LogGeneratorError(f"cannot write {self.path}: {exc.strerror}") from exc

    def _number(self, line: str) -> int:
        try:
            value = int(line)
        except ValueError:
            raise LogGeneratorError(f"{self.path}: {line!r} is not a row number") from None
        if value < 0:
            raise LogGeneratorError(f"{self.path}: row number {value} is negative")
        return value


def source_from(settings: LogGenSettings) -> RowSource:
    """The real CSV when `source` is set, else the seeded stand-in."""
    if settings.source is not None:
        return CsvSource(settings.source)
    return SyntheticSource(settings.seed)


class LogGenerator:
    """`run(n)` writes the next n rows of `source` as a log file in `log_dir`."""

    def __init__(
        self,
        source: RowSource,
        log_dir: Path,
        state_file: Path,
        *,
        clock: Callable[[], time.struct_time] = time.localtime,
    ) -> None:
        self.source = source
        self.log_dir = log_dir
        self.state = StateFile(state_file)
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: LogGenSettings | None = None) -> LogGenerator:
        settings = settings or LogGenSettings()
        return cls(source_from(settings), settings.log_dir, settings.state_file)

    def run(self, lines: int, on_progress: Progress | None = None) -> Path:
        """Write `lines` lines; the file holding the last of them."""
        return self.generate(lines, on_progress).path

    def generate(self, lines: int, on_progress: Progress | None = None) -> LogRun:
        """Write `lines` lines, reporting the running total to `on_progress`; what was done."""
        if lines < 1:
            raise LogGeneratorError(f"lines must be at least 1, got {lines}")
        total = len(self.source)
        if total == 0:
            raise LogGeneratorError("the source has no data rows")
        created = self._ensure_log_dir()
        start = self.state.read()
        position = start if start < total else 0  # the script writes nothing, then wraps
        written, files = 0, list[Path]()
        while written < lines:
            path = self._log_path()
            wanted = min(lines - written, total - position)
            count = self._append(path, position, wanted, written, on_progress)
            if count == 0:
                raise LogGeneratorError(f"the source gave no row at row {position} of {total}")
            if not files or files[-1] != path:
                files.append(path)
            written += count
            position = 0 if position + count >= total else position + count
        self.state.write(position)
        return LogRun(start, written, position, tuple(files), created)

    def _ensure_log_dir(self) -> bool:
        if self.log_dir.is_dir():
            return False
        try:
            self.log_dir.mkdir(parents=True)
        except OSError as exc:
            raise LogGeneratorError(
                f"cannot create log directory {self.log_dir}: {exc.strerror} "
                "(choose another with --log-dir or CADABRA_LOGGEN_LOG_DIR)"
            ) from exc
        logger.info("Created log directory %s", self.log_dir)
        return True

    def _log_path(self) -> Path:
        return self.log_dir / time.strftime("%Y%m%d-%H%M%S.log", self._clock())

    def _append(
        self, path: Path, position: int, count: int, before: int, on_progress: Progress | None
    ) -> int:
        """Append rows position..position+count to `path`; the number written."""
        done = 0
        try:
            with (
                path.open("a", encoding="utf-8", newline="") as out,
                closing(self.source.rows(position)) as rows,
            ):
                writer = csv.writer(out)  # Excel dialect: minimal quoting, \r\n
                while done < count:
                    chunk = list(islice(rows, min(_CHUNK, count - done)))
                    if not chunk:
                        break
                    writer.writerows(chunk)
                    done += len(chunk)
                    if on_progress is not None:
                        on_progress(before + done)
        except OSError as exc:
            raise LogGeneratorError(f"cannot write {path}: {exc.strerror}") from exc
        return done
