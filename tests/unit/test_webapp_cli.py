"""`cadabra web`: options over CADABRA_WEB_* settings, registered on a fresh root app."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from processors.webapp import cli
from processors.webapp.settings import WebSettings


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[WebSettings]:
    calls: list[WebSettings] = []
    monkeypatch.setattr(cli, "serve", calls.append)
    return calls


def root() -> typer.Typer:
    app = typer.Typer()
    cli.register(app)

    @app.command()
    def other() -> None:  # a second command, so `web` is a subcommand as under `cadabra`
        """Nothing."""

    return app


def test_options_override_the_environment(
    served: list[WebSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CADABRA_WEB_PORT", "9000")
    monkeypatch.setenv("CADABRA_WEB_MAX_ALARMS", "7")
    monkeypatch.setenv("CADABRA_ENDPOINT_URL", "http://127.0.0.1:14567")
    result = CliRunner().invoke(root(), ["web", "--port", "8181", "--alarms-stream", "Alarms2"])
    assert result.exit_code == 0, result.output
    (settings,) = served
    assert (settings.port, settings.max_alarms, settings.alarms_stream) == (8181, 7, "Alarms2")
    assert settings.resolved_endpoint_url() == "http://127.0.0.1:14567"
    assert "http://127.0.0.1:8181" in result.output


def test_defaults(served: list[WebSettings], monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CADABRA_ENDPOINT_URL", "CADABRA_ENDPOINT_HOST", "CADABRA_ENDPOINT_PORT"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(root(), ["web"])
    assert result.exit_code == 0, result.output
    (settings,) = served
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert (settings.orders_table, settings.alarms_stream) == ("CadabraOrders", "OrderRateAlarms")
    assert (settings.max_alarms, settings.alarms_start) == (50, "LATEST")
    assert settings.resolved_endpoint_url() == "http://127.0.0.1:4567"


def test_a_bad_option_names_the_field(served: list[WebSettings]) -> None:
    result = CliRunner().invoke(root(), ["web", "--alarms-start", "AT_TIMESTAMP"])
    assert result.exit_code == 2
    assert "alarms_start" in result.output
    assert served == []
