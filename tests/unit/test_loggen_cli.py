"""`cadabra generate` through typer's CliRunner, registered into a fresh app."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from producers.loggen import SyntheticSource
from producers.loggen.cli import register

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:
        """A root with a callback keeps `generate` a subcommand, as in cadabra's app."""

    return app


def test_generate_prints_the_scripts_lines_and_keeps_last_line_in_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    logs = tmp_path / "cadabra"
    result = runner.invoke(_app(), ["generate", "12", "--log-dir", str(logs), "--seed", "4"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["Writing 12 lines starting at line 0", "Wrote 12 lines."]
    assert f"Created log directory {logs}" in result.stderr
    assert (tmp_path / "LastLine.txt").read_text() == "12"
    (log,) = logs.glob("*.log")
    first = log.read_bytes().split(b"\r\n")[0].decode()
    assert first == ",".join(SyntheticSource(4).row(0))

    again = runner.invoke(_app(), ["generate", "3", "--log-dir", str(logs), "--seed", "4"])
    assert again.stdout.splitlines()[0] == "Writing 3 lines starting at line 12"
    assert (tmp_path / "LastLine.txt").read_text() == "15"


def test_generate_takes_its_defaults_from_the_environment(tmp_path: Path) -> None:
    env = {
        "CADABRA_LOGGEN_LOG_DIR": str(tmp_path / "logs"),
        "CADABRA_LOGGEN_STATE_FILE": str(tmp_path / "state.txt"),
        "CADABRA_LOGGEN_LINES": "7",
    }
    result = runner.invoke(_app(), ["generate"], env=env)
    assert result.exit_code == 0, result.output
    assert "Wrote 7 lines." in result.stdout
    assert (tmp_path / "state.txt").read_text() == "7"
    assert len(list((tmp_path / "logs").glob("*.log"))) == 1


def test_generate_reads_a_real_csv_source(tmp_path: Path) -> None:
    source = tmp_path / "OnlineRetail.csv"
    source.write_bytes(b"InvoiceNo,Country\r\n1,Espa\xf1a\r\n2,France\r\n")
    args = ["generate", "3", "--source", str(source), "--log-dir", str(tmp_path)]
    result = runner.invoke(_app(), [*args, "--state-file", str(tmp_path / "LastLine.txt")])
    assert result.exit_code == 0, result.output
    (log,) = tmp_path.glob("*.log")
    assert log.read_bytes().decode() == "1,España\r\n2,France\r\n1,España\r\n"
    assert "Wrapped around" in result.stderr


def test_generate_explains_a_log_dir_it_cannot_create(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    args = ["generate", "1", "--log-dir", str(tmp_path / "file" / "x")]
    result = runner.invoke(_app(), [*args, "--state-file", str(tmp_path / "LastLine.txt")])
    assert result.exit_code == 1
    assert "cannot create log directory" in result.stderr


def test_generate_refuses_zero_lines(tmp_path: Path) -> None:
    result = runner.invoke(_app(), ["generate", "0", "--log-dir", str(tmp_path)])
    assert result.exit_code == 2
