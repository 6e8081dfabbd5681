"""`cadabra firehose run NAME` (one delivery stream's worker) and `cadabra firehose serve` (all).

`serve` is what `cadabra stack up` starts. Both stop on SIGINT/SIGTERM after delivering what they
have buffered; SIGKILL loses nothing either (offsets are committed only after objects are stored).
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from rich.console import Console

from cadabra.errors import CadabraError
from sinks.firehose.service import DeliveryContext, DeliveryService
from sinks.firehose.settings import DeliverySettings
from sinks.signals import stop_on_signals

__all__ = ["register", "run", "serve"]

_err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add the `firehose` group (`firehose run`, `firehose serve`) to the root app."""
    group = typer.Typer(help="Firehose delivery to S3.", no_args_is_help=True)
    group.command("run")(run)
    group.command("serve")(serve)
    app.add_typer(group, name="firehose")


def run(
    name: Annotated[str, typer.Argument(help="Delivery stream name")],
) -> None:
    """Deliver one delivery stream to S3 in the foreground, until Ctrl-C or its deletion."""
    logging.getLogger("sinks").setLevel(logging.INFO)
    stop = stop_on_signals()
    context = DeliveryContext(role="run")
    try:
        state = context.lookup(name)
        if state is None:
            _err.print(f"[red]Firehose {name} not found.[/red]")
            raise typer.Exit(1)
        worker = context.worker(state)
        _err.print(f"Delivering {name} from {worker.topic} (Ctrl-C stops after a last delivery)")
        worker.run(stop)
        delivered = context.metrics.records.labels(name)._value.get()
        _err.print(f"{name}: {int(delivered)} records delivered in {worker.deliveries} deliveries")
    except CadabraError as exc:
        _err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    finally:
        context.close()


def serve(
    port: Annotated[
        int | None,
        typer.Option(help="Metrics/health port (env CADABRA_DELIVERY_PORT, default 4568)"),
    ] = None,
) -> None:
    """Deliver every delivery stream, picking up new ones within seconds."""
    logging.getLogger("sinks").setLevel(logging.INFO)
    stop = stop_on_signals()
    settings = DeliverySettings()
    service = DeliveryService(DeliveryContext(settings=settings))
    service.serve(stop, port=settings.port if port is None else port)
