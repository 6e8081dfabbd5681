"""Where the log generator's rows come from: the real OnlineRetail.csv, or a row source like it.

`CsvSource` reads the course's `OnlineRetail.csv` the way LogGenerator.py does: `csv.reader`,
header skipped, each run re-reading from the top and skipping the rows already written. The
file's encoding is detected: UTF-8 when every byte decodes as UTF-8, else Latin-1 (exports of the
UCI data set are often Latin-1; the 2023 script reads it with `encoding='latin-1'`), so any file
reads without errors and the rows are written out as UTF-8.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Generator
from itertools import islice
from pathlib import Path
from typing import Protocol, TextIO

from producers.loggen.errors import LogGeneratorError

__all__ = ["CsvSource", "RowSource", "detect_encoding"]

_CHUNK = 1 << 20


class RowSource(Protocol):
    """A fixed number of data rows, readable from any row on."""

    def __len__(self) -> int: ...

    def rows(self, start: int = 0) -> Generator[list[str], None, None]:
        """The rows from `start` to the end of the data."""
        ...


def detect_encoding(path: Path) -> str:
    """`utf-8-sig` when the whole file is valid UTF-8, else `latin-1`."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as raw:
            while chunk := raw.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8-sig"


class CsvSource:
    """OnlineRetail.csv (or any CSV with a header line): its data rows, header excluded."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise LogGeneratorError(f"source file {path} does not exist")
        self.path = path
        self.encoding = detect_encoding(path)
        self._length: int | None = None

    def __len__(self) -> int:
        if self._length is None:
            with self._open() as handle:
                self._length = max(0, sum(1 for _ in csv.reader(handle)) - 1)
        return self._length

    def rows(self, start: int = 0) -> Generator[list[str], None, None]:
        with self._open() as handle:
            reader = csv.reader(handle)
            next(reader, None)  # the header
            yield from islice(reader, start, None)

    def _open(self) -> TextIO:
        return self.path.open(encoding=self.encoding, errors="replace", newline="")
