"""`cadabra query` through typer's CliRunner, registered into a fresh app (no S3 needed: the
catalog folders are empty, so nothing is listed in the bucket)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cadabra.athena.commands import register

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:
        """A root with a callback keeps `query` a subcommand, as in cadabra's app."""

    return app


@pytest.fixture
def dirs(tmp_path: Path) -> list[str]:
    catalog, queries = tmp_path / "catalog", tmp_path / "queries"
    catalog.mkdir()
    queries.mkdir()
    (queries / "squares.sql").write_text(
        "-- Squares up to a limit.\n-- param upto = 3\n"
        "SELECT i AS n, i * i AS square FROM range(1, CAST($upto AS INTEGER) + 1) t(i)\n"
    )
    return ["--catalog-dir", str(catalog), "--queries-dir", str(queries)]


def test_sql_prints_csv_and_json(dirs: list[str]) -> None:
    sql = "SELECT 42 AS answer, 'a,b' AS text, NULL AS nothing, DATE '2011-02-13' AS day"
    result = runner.invoke(_app(), ["query", sql, "--format", "csv", *dirs])
    assert result.exit_code == 0, result.output
    assert list(csv.reader(io.StringIO(result.stdout))) == [
        ["answer", "text", "nothing", "day"],
        ["42", "a,b", "", "2011-02-13"],
    ]
    result = runner.invoke(_app(), ["query", sql, "--format", "json", *dirs])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"answer": 42, "text": "a,b", "nothing": None, "day": "2011-02-13"}
    ]


def test_a_named_query_prints_a_table_and_takes_params(dirs: list[str]) -> None:
    result = runner.invoke(_app(), ["query", "squares", *dirs])
    assert result.exit_code == 0, result.output
    assert "squares" in result.stdout
    assert "3 rows" in result.stdout
    result = runner.invoke(
        _app(), ["query", "squares", "--param", "upto=5", "--format", "csv", *dirs]
    )
    assert result.stdout.splitlines()[-1] == "5,25"


def test_format_comes_from_the_environment(dirs: list[str]) -> None:
    env = {"CADABRA_ATHENA_OUTPUT_FORMAT": "json"}
    result = runner.invoke(_app(), ["query", "squares", *dirs], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0] == {"n": 1, "square": 1}


def test_list_shows_names_parameters_and_descriptions(dirs: list[str]) -> None:
    result = runner.invoke(_app(), ["query", "--list", *dirs])
    assert result.exit_code == 0, result.output
    assert "squares" in result.stdout
    assert "upto=3" in result.stdout
    assert "Squares up to a limit." in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["SELEC 1"], "Parser Error: syntax error at or near"),
        (["SELECT * FROM cadabra.orders"], 'Table with name "cadabra.orders" does not exist'),
        (["squares", "--param", "up=1"], "query squares has no parameter up"),
        (["squares", "--param", "upto"], "--param 'upto': expected NAME=VALUE"),
        (["missing"], "named query missing not found"),
        (["squares", "--format", "xml"], "--format must be one of table, csv, json"),
        ([], "give SQL or a named query"),
    ],
)
def test_failures_print_the_message_and_exit_1(
    dirs: list[str], args: list[str], message: str
) -> None:
    result = runner.invoke(_app(), ["query", *args, *dirs])
    assert result.exit_code == 1
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.output
    assert result.stdout == ""
