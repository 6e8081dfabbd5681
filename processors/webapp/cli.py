"""`cadabra web`: the client app (order history and live alarms) in the foreground.

Every option defaults to its `WebSettings` field, so each also comes from the environment
(`--port` from CADABRA_WEB_PORT, ...); the AWS endpoint defaults to CADABRA_ENDPOINT_URL.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console

from processors.webapp.server import serve
from processors.webapp.settings import WebSettings

__all__ = ["register", "web"]

err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add the `web` command to the root app."""
    app.command("web")(web)


def web(
    host: Annotated[str | None, typer.Option(help="Listen address (127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port (8080)")] = None,
    endpoint_url: Annotated[
        str | None, typer.Option(help="AWS endpoint (DynamoDB, Kinesis); env CADABRA_ENDPOINT_URL")
    ] = None,
    orders_table: Annotated[
        str | None, typer.Option(help="DynamoDB order-history table (CadabraOrders)")
    ] = None,
    alarms_stream: Annotated[
        str | None, typer.Option(help="Kinesis stream of alarms (OrderRateAlarms)")
    ] = None,
    max_alarms: Annotated[int | None, typer.Option(help="Alarms kept for the panel (50)")] = None,
    alarms_start: Annotated[
        str | None, typer.Option(help="LATEST or TRIM_HORIZON for the alarm stream (LATEST)")
    ] = None,
) -> None:
    """Serve the client app: a customer's order history and a live panel of order-rate alarms."""
    overrides: dict[str, Any] = {
        "host": host,
        "port": port,
        "endpoint_url": endpoint_url,
        "orders_table": orders_table,
        "alarms_stream": alarms_stream,
        "max_alarms": max_alarms,
        "alarms_start": alarms_start,
    }
    try:
        settings = WebSettings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        for error in exc.errors():
            err.print(f"[red]{'.'.join(map(str, error['loc'])) or 'settings'}: {error['msg']}[/]")
        raise typer.Exit(2) from exc
    err.print(
        f"Cadabra client app on http://{settings.host}:{settings.port} "
        f"(table {settings.orders_table}, alarms {settings.alarms_stream} "
        f"at {settings.resolved_endpoint_url()})",
        highlight=False,
        soft_wrap=True,
    )
    serve(settings)
