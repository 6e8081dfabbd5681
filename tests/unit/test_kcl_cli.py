"""`cadabra kcl run`: registration, options and the factory's loading (no stream is read)."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from processors.kcl.cli import load_factory, register
from processors.kcl.records import KinesisClientRecord


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Root."""

    register(app)
    return app


def test_kcl_run_is_registered_with_its_options() -> None:
    result = CliRunner().invoke(_app(), ["kcl", "run", "--help"])
    assert result.exit_code == 0
    for option in ("--stream", "--app", "--mode", "--endpoint-url", "--initial-position"):
        assert option in result.output


def test_a_factory_that_does_not_load_is_a_usage_error() -> None:
    result = CliRunner().invoke(
        _app(), ["kcl", "run", "no_such_module_xyz:Factory", "--stream", "s", "--app", "a"]
    )
    assert result.exit_code == 2
    assert "cannot load" in result.output


def test_a_bad_mode_is_a_usage_error() -> None:
    args = ["kcl", "run", "processors.kcl.records:KinesisClientRecord", "--stream", "s"]
    result = CliRunner().invoke(_app(), [*args, "--app", "a", "--mode", "carrier-pigeon"])
    assert result.exit_code == 2
    assert "retrieval_mode" in result.output


def test_load_factory_resolves_module_and_name() -> None:
    assert load_factory("processors.kcl.records:KinesisClientRecord") is KinesisClientRecord
