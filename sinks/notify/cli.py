"""`cadabra notify run`: SNS delivery in the foreground (what `cadabra stack up` starts).

It stops on Ctrl-C/SIGTERM after the deliveries under way; a message whose retries were cut
short stays uncommitted and is delivered again on the next start (at-least-once, as SNS).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cadabra.errors import CadabraError
from sinks.notify.notifier import Notifier
from sinks.notify.settings import NotifySettings
from sinks.signals import stop_on_signals

__all__ = ["register", "run"]

_err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add the `notify` group (`notify run`) to the root app."""
    group = typer.Typer(help="SNS delivery: webhooks, email, SMS.", no_args_is_help=True)
    group.command("run")(run)
    app.add_typer(group, name="notify")


def run(
    group_id: Annotated[
        str | None, typer.Option(help="Consumer group (env CADABRA_NOTIFY_GROUP_ID)")
    ] = None,
    smtp_host: Annotated[
        str | None, typer.Option(help="SMTP server (env CADABRA_NOTIFY_SMTP_HOST)")
    ] = None,
    smtp_port: Annotated[
        int | None, typer.Option(help="SMTP port (env CADABRA_NOTIFY_SMTP_PORT)")
    ] = None,
    sms_log: Annotated[
        Path | None, typer.Option(help="SMS JSON-lines file (env CADABRA_NOTIFY_SMS_LOG)")
    ] = None,
) -> None:
    """Deliver every SNS topic's messages to its subscriptions, until Ctrl-C."""
    logging.getLogger("sinks").setLevel(logging.INFO)
    given = {
        "group_id": group_id,
        "smtp_host": smtp_host,
        "smtp_port": smtp_port,
        "sms_log": sms_log,
    }
    settings = NotifySettings().model_copy(update={k: v for k, v in given.items() if v is not None})
    stop = stop_on_signals()
    try:
        notifier = Notifier(settings)
    except CadabraError as exc:
        _err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    _err.print(
        f"Delivering SNS messages from topics matching {notifier.pattern} "
        f"(group {settings.group_id}; Ctrl-C stops)"
    )
    notifier.run(stop)
    stats = notifier.stats
    _err.print(f"{stats.delivered} delivered, {stats.failed} failed, {stats.retries} retries")
