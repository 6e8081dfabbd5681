"""`cadabra lambda run`: wiring and option checks (no services; runs are contract tests)."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from processors.lambda_runner.cli import register


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(lambda: None)
    register(app)
    return app


def test_run_is_registered_with_every_mapping_option() -> None:
    result = CliRunner().invoke(_app(), ["lambda", "run", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in (
        "--stream",
        "--starting-position",
        "--starting-timestamp",
        "--batch-size",
        "--batching-window",
        "--max-retries",
        "--max-record-age",
        "--bisect",
        "--report-batch-item-failures",
        "--on-failure",
    ):
        assert option in result.output


def test_out_of_range_settings_are_refused_before_connecting() -> None:
    args = ["lambda", "run", "mod:fn", "--stream", "s", "--batch-size", "10001"]
    result = CliRunner().invoke(_app(), args)
    assert result.exit_code == 2
    assert "batch_size" in result.output


def test_a_missing_handler_module_is_reported() -> None:
    args = ["lambda", "run", "no_such_module_xyz:fn", "--stream", "s"]
    result = CliRunner().invoke(_app(), args)
    assert result.exit_code == 1
    assert "Unable to import module 'no_such_module_xyz'" in result.output


def test_an_unreachable_endpoint_is_reported(tmp_path: object) -> None:
    from pathlib import Path

    root = Path(str(tmp_path))
    args = ["lambda", "run", "processors.lambda_runner.examples.order_history:lambda_handler"]
    args += ["--stream", "s", "--endpoint-url", "http://127.0.0.1:9", "--positions"]
    args += [str(root / "p.sqlite")]
    result = CliRunner().invoke(_app(), args)
    assert result.exit_code == 1
    assert "Could not connect" in result.output
