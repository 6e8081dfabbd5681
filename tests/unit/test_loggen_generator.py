"""LogGenerator.py's behaviour: LastLine.txt continuation, wrap-around, CRLF CSV, real CSV input."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from itertools import islice
from pathlib import Path

import pytest

from producers.loggen import (
    CsvSource,
    LogGenerator,
    LogGeneratorError,
    LogGenSettings,
    RowSource,
    SyntheticSource,
)

FIRST = time.struct_time((2024, 5, 6, 7, 8, 9, 0, 127, -1))


def _ticking(start: time.struct_time = FIRST) -> Callable[[], time.struct_time]:
    """A local-time clock that moves one second per call."""
    seconds = iter(range(10_000))
    base = time.mktime(start)
    return lambda: time.localtime(base + next(seconds))


def _generator(
    tmp_path: Path,
    source: RowSource | None = None,
    clock: Callable[[], time.struct_time] = time.localtime,
) -> LogGenerator:
    source = source or SyntheticSource(5)
    return LogGenerator(source, tmp_path / "logs", tmp_path / "LastLine.txt", clock=clock)


def _lines(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def test_writes_n_rows_as_crlf_csv_without_header_named_by_local_time(tmp_path: Path) -> None:
    run = _generator(tmp_path, clock=lambda: FIRST).generate(25)
    assert run.files == (tmp_path / "logs" / "20240506-070809.log",)
    data = run.path.read_bytes()
    assert data.count(b"\r\n") == 25 and data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert _lines(run.path) == list(islice(SyntheticSource(5).rows(0), 25))
    assert run.created_dir


def test_continues_from_last_line_and_saves_it_without_newline(tmp_path: Path) -> None:
    generator = _generator(tmp_path, clock=_ticking())
    first = generator.generate(10)
    assert (tmp_path / "LastLine.txt").read_text() == "10"
    second = generator.generate(7)
    assert (second.start, second.next_start) == (10, 17)
    assert (tmp_path / "LastLine.txt").read_text() == "17"
    assert _lines(second.path) == [SyntheticSource(5).row(i) for i in range(10, 17)]
    assert first.path != second.path


def test_wraps_to_row_zero_at_the_end_of_the_data(tmp_path: Path) -> None:
    (tmp_path / "LastLine.txt").write_text("541900")
    run = _generator(tmp_path, clock=_ticking()).generate(20)
    source = SyntheticSource(5)
    assert len(run.files) == 2
    assert _lines(run.files[0]) == [source.row(i) for i in range(541_900, 541_909)]
    assert _lines(run.files[1]) == [source.row(i) for i in range(11)]
    assert run.next_start == 11
    assert (tmp_path / "LastLine.txt").read_text() == "11"


def test_a_wrap_within_one_second_appends_instead_of_truncating(tmp_path: Path) -> None:
    (tmp_path / "LastLine.txt").write_text("541905")
    run = _generator(tmp_path, clock=lambda: FIRST).generate(6)
    source = SyntheticSource(5)
    assert run.files == (tmp_path / "logs" / "20240506-070809.log",)
    expected = [source.row(i) for i in (541_905, 541_906, 541_907, 541_908, 0, 1)]
    assert _lines(run.path) == expected


def test_a_saved_row_past_the_end_starts_again_at_zero(tmp_path: Path) -> None:
    (tmp_path / "LastLine.txt").write_text("999999\n")
    run = _generator(tmp_path, clock=lambda: FIRST).generate(3)
    assert (run.start, run.next_start) == (999_999, 3)
    assert _lines(run.path) == [SyntheticSource(5).row(i) for i in range(3)]


@pytest.mark.parametrize("content", ["abc", "-4"])
def test_a_broken_last_line_file_is_named_in_the_error(tmp_path: Path, content: str) -> None:
    (tmp_path / "LastLine.txt").write_text(content)
    with pytest.raises(LogGeneratorError, match=r"LastLine\.txt"):
        _generator(tmp_path).generate(1)


def test_reports_progress_as_a_running_total(tmp_path: Path) -> None:
    seen: list[int] = []
    _generator(tmp_path, clock=lambda: FIRST).generate(25_000, seen.append)
    assert seen == [10_000, 20_000, 25_000]


def _latin1_fixture(path: Path) -> None:
    text = (
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\r\n"
        "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,"
        "United Kingdom\r\n"
        '536366,22633,"HAND WARMER, UNION JACK",6,12/1/2010 8:28,1.85,17850,United Kingdom\r\n'
        "536367,84879,CAFÉ CRÈME BIRD ORNAMENT,32,12/1/2010 8:34,1.69,,France\r\n"
    )
    path.write_bytes(text.encode("latin-1"))


def test_the_real_csv_is_read_as_latin1_and_rewritten_as_utf8(tmp_path: Path) -> None:
    csv_path = tmp_path / "OnlineRetail.csv"
    _latin1_fixture(csv_path)
    source = CsvSource(csv_path)
    assert (len(source), source.encoding) == (3, "latin-1")
    run = _generator(tmp_path, source, clock=lambda: FIRST).generate(5)
    text = run.path.read_text(encoding="utf-8")
    assert text.splitlines()[1] == (
        '536366,22633,"HAND WARMER, UNION JACK",6,12/1/2010 8:28,1.85,17850,United Kingdom'
    )
    assert "CAFÉ CRÈME BIRD ORNAMENT" in text
    invoices = [row[0] for row in _lines(run.path)]  # 3 rows, a wrap, 2 more: one file
    assert invoices == ["536365", "536366", "536367", "536365", "536366"]
    assert run.next_start == 2


def test_a_utf8_csv_is_kept_as_utf8(tmp_path: Path) -> None:
    csv_path = tmp_path / "OnlineRetail.csv"
    csv_path.write_text("h\r\nCAFÉ\r\n", encoding="utf-8")
    assert CsvSource(csv_path).encoding == "utf-8-sig"
    assert list(CsvSource(csv_path).rows()) == [["CAFÉ"]]


def test_settings_choose_the_source(tmp_path: Path) -> None:
    csv_path = tmp_path / "OnlineRetail.csv"
    _latin1_fixture(csv_path)
    settings = LogGenSettings(source=csv_path, log_dir=tmp_path, state_file=tmp_path / "s")
    assert isinstance(LogGenerator.from_settings(settings).source, CsvSource)
    seeded = LogGenerator.from_settings(LogGenSettings(seed=9)).source
    assert isinstance(seeded, SyntheticSource) and seeded.seed == 9


def test_zero_lines_and_an_unwritable_log_dir_are_errors(tmp_path: Path) -> None:
    with pytest.raises(LogGeneratorError, match="at least 1"):
        _generator(tmp_path).generate(0)
    (tmp_path / "file").write_text("")
    blocked = LogGenerator(SyntheticSource(), tmp_path / "file" / "logs", tmp_path / "LastLine")
    with pytest.raises(LogGeneratorError, match="CADABRA_LOGGEN_LOG_DIR"):
        blocked.run(1)
