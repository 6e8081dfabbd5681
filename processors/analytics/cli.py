"""`cadabra analytics run`: the transaction-rate alarm application in the foreground.

Every option defaults to its `AnalyticsSettings` field, so each can also come from the
environment (`--mode` from CADABRA_ANALYTICS_MODE, ...); Kafka is CADABRA_KAFKA_BOOTSTRAP.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from cadabra.errors import CadabraError
from processors.analytics.app import AnalyticsApp, AnalyticsRunner
from processors.analytics.settings import AnalyticsSettings

__all__ = ["analytics_app", "register"]

analytics_app = typer.Typer(
    help="Kinesis Data Analytics: the transaction-rate alarm (a Faust app).",
    no_args_is_help=True,
)
err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add the `analytics` command group to the root app."""
    app.add_typer(analytics_app, name="analytics")


@contextmanager
def _failures() -> Iterator[None]:
    try:
        yield
    except ValidationError as exc:
        for error in exc.errors():
            err.print(f"[red]{'.'.join(map(str, error['loc'])) or 'settings'}: {error['msg']}[/]")
        raise typer.Exit(2) from exc
    except CadabraError as exc:
        err.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(1) from exc


def status(app: AnalyticsApp) -> str:
    a, s = app.analyzer.stats, app.stats
    line = (
        f"{app.settings.application_name} ({app.settings.mode}) "
        f"{app.settings.source_stream} -> {app.settings.output_stream}: "
        f"{a.orders:,} orders, {s.written:,} alarm rows, {a.suppressed:,} in cooldown, "
        f"{s.duplicates:,} already written, {a.replayed:,} replayed"
    )
    if a.late:
        line += f", {a.late:,} late"
    return line + (f", last {s.last_row}" if s.last_row else "")


@analytics_app.command()
def run(
    mode: Annotated[str | None, typer.Option(help="sql (2019 KDA SQL) or flink (2023)")] = None,
    source_stream: Annotated[str | None, typer.Option(help="Input stream (CadabraOrders)")] = None,
    output_stream: Annotated[
        str | None, typer.Option(help="Output stream, made with 1 shard if missing")
    ] = None,
    application_name: Annotated[
        str | None, typer.Option(help="Application name (TransactionRateMonitor)")
    ] = None,
    window: Annotated[float | None, typer.Option(help="Window length in seconds (10)")] = None,
    threshold: Annotated[int | None, typer.Option(help="Orders per window to alarm (10)")] = None,
    cooldown: Annotated[
        float | None, typer.Option(help="At most one alarm per this many seconds; 0 = off")
    ] = None,
    starting_position: Annotated[
        str | None, typer.Option(help="NOW / LATEST or TRIM_HORIZON, for a new application")
    ] = None,
    duration: Annotated[
        float, typer.Option(help="Stop after this many seconds; 0 = until Ctrl-C")
    ] = 0.0,
    rows: Annotated[int, typer.Option(help="Stop once this many rows are written; 0 = no")] = 0,
) -> None:
    """Count orders in windows and write an alarm row when a window reaches the threshold."""
    overrides: dict[str, Any] = {
        "mode": mode,
        "source_stream": source_stream,
        "output_stream": output_stream,
        "application_name": application_name,
        "window_s": window,
        "threshold": threshold,
        "cooldown_s": cooldown,
        "starting_position": starting_position,
    }
    with _failures():
        settings = AnalyticsSettings(**{k: v for k, v in overrides.items() if v is not None})
        runner = AnalyticsRunner(AnalyticsApp(settings))
        _run(runner, duration, rows)


def _run(runner: AnalyticsRunner, duration: float, rows: int) -> None:
    stopping: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda number, _frame: stopping.append(number))
    deadline = time.monotonic() + duration if duration > 0 else None
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    app = runner.app
    runner.start()
    try:
        with Progress(*columns, console=err, transient=True) as progress:
            task = progress.add_task(status(app), total=None)
            while runner.alive and not stopping and not 0 < rows <= app.stats.written:
                if deadline is not None and time.monotonic() >= deadline:
                    break
                time.sleep(0.1)
                progress.update(task, description=status(app))
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        err.print(status(app), highlight=False, soft_wrap=True)
        runner.stop()
