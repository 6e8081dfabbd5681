"""`cadabra analytics run` as registered into a root app (no broker needed for these)."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from processors.analytics.cli import register


def root() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def test_run_help_lists_the_settings() -> None:
    result = CliRunner().invoke(root(), ["analytics", "run", "--help"])
    assert result.exit_code == 0
    for option in ("--mode", "--window", "--threshold", "--cooldown", "--starting-position"):
        assert option in result.output


def test_invalid_mode_is_refused_before_connecting() -> None:
    result = CliRunner().invoke(root(), ["analytics", "run", "--mode", "hive"])
    assert result.exit_code == 2
    assert "mode" in result.output
