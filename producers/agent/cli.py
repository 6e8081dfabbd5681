"""`cadabra agent --config agent.json`: the Kinesis Agent in the foreground.

SIGTERM or Ctrl-C stops it the way the AWS agent's shutdown hook does: what was read is sent and
checkpointed (up to `shutdownTimeoutMillis`). A SIGKILL loses nothing either: the next start
resumes from the checkpoints.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler

from producers.agent.agent import Agent
from producers.agent.config import load_config
from producers.agent.errors import AgentConfigError
from producers.agent.settings import AgentSettings

__all__ = ["register"]

err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add the `agent` command to `app`."""
    app.command(name="agent")(agent)


def agent(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="agent.json (env CADABRA_AGENT_CONFIG, default /etc/aws-kinesis/agent.json)",
        ),
    ] = None,
    endpoint_url: Annotated[
        str | None,
        typer.Option(
            help="Endpoint for flows whose agent.json endpoint is empty "
            "(env CADABRA_AGENT_ENDPOINT_URL, else CADABRA_ENDPOINT_URL)"
        ),
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(help="Serve Prometheus metrics on this port (env CADABRA_AGENT_METRICS_PORT)"),
    ] = None,
) -> None:
    """Tail the files of agent.json's flows and ship them to Kinesis and Firehose."""
    given: dict[str, object] = {
        "config": config,
        "endpoint_url": endpoint_url,
        "metrics_port": metrics_port,
    }
    settings = AgentSettings(**{k: v for k, v in given.items() if v is not None})  # type: ignore[arg-type]
    _configure_logging()
    try:
        runner = Agent(load_config(settings.config), settings)
    except AgentConfigError as exc:
        err.print(f"[red]{exc}[/red]", markup=True, highlight=False)
        raise typer.Exit(2) from exc
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    runner.start()
    try:
        with err.status(runner.progress()) as status:
            while not stop.wait(1.0):
                if not runner.healthy():
                    raise typer.Exit(1)
                status.update(runner.progress())
    finally:
        runner.stop()


def _configure_logging() -> None:
    """INFO for the agent's loggers (its progress lines); a handler only if none is set."""
    if not logging.getLogger().handlers:
        handler = RichHandler(console=err, show_path=False, show_time=True)
        logging.basicConfig(level=logging.WARNING, handlers=[handler], format="%(message)s")
    logging.getLogger("producers.agent").setLevel(logging.INFO)
