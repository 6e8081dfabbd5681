"""`cadabra generate [N]`: the course's `sudo ./LogGenerator.py [N]`, with a progress bar.

stdout carries the script's two lines ("Writing N lines starting at line S", "Wrote N lines.");
the progress bar, the files written and a created log folder go to stderr.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)

from producers.loggen.errors import LogGeneratorError
from producers.loggen.generator import LogGenerator, LogRun
from producers.loggen.settings import LogGenSettings

__all__ = ["generate", "register"]

_err = Console(stderr=True)

Lines = Annotated[
    int | None,
    typer.Argument(help="Lines to write (env CADABRA_LOGGEN_LINES, default 100)", min=1),
]
LogDir = Annotated[
    Path | None,
    typer.Option(
        help="Folder of the log files (env CADABRA_LOGGEN_LOG_DIR, default /var/log/cadabra)"
    ),
]
Source = Annotated[
    Path | None,
    typer.Option(
        help="The real OnlineRetail.csv (env CADABRA_LOGGEN_SOURCE; default: built-in seeded data)",
        dir_okay=False,
    ),
]
Seed = Annotated[
    int | None, typer.Option(help="Seed of the built-in data (env CADABRA_LOGGEN_SEED, default 42)")
]
StatePath = Annotated[
    Path | None,
    typer.Option(help="Next-row file (env CADABRA_LOGGEN_STATE_FILE, default ./LastLine.txt)"),
]


def register(app: typer.Typer) -> None:
    """Add `generate` to the root app."""
    app.command("generate")(generate)


def generate(
    lines: Lines = None,
    log_dir: LogDir = None,
    source: Source = None,
    seed: Seed = None,
    state_file: StatePath = None,
) -> None:
    """Write OnlineRetail orders as CSV log lines, like the course's LogGenerator.py."""
    settings = _settings(
        lines=lines, log_dir=log_dir, source=source, seed=seed, state_file=state_file
    )
    try:
        generator = LogGenerator.from_settings(settings)
        typer.echo(f"Writing {settings.lines} lines starting at line {generator.state.read()}")
        run = _with_progress(generator, settings.lines)
    except LogGeneratorError as exc:
        _err.print(f"[red]{exc}[/red]", markup=True, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    _report(run)
    typer.echo(f"Wrote {run.lines} lines.")


def _settings(**overrides: Any) -> LogGenSettings:
    """The options given on the command line over the environment's settings."""
    return LogGenSettings(**{key: value for key, value in overrides.items() if value is not None})


def _with_progress(generator: LogGenerator, lines: int) -> LogRun:
    columns = (
        TextColumn("writing"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
    )
    quiet = not _err.is_terminal  # no bar in logs and pipes
    with Progress(*columns, console=_err, transient=True, disable=quiet) as progress:
        task = progress.add_task("lines", total=lines)
        return generator.generate(lines, lambda done: progress.update(task, completed=done))


def _report(run: LogRun) -> None:
    if run.created_dir:
        _err.print(f"Created log directory {run.files[0].parent}", highlight=False, soft_wrap=True)
    for path in run.files:
        _err.print(f"→ {path}", highlight=False, soft_wrap=True)
    if run.next_start < run.start + run.lines:
        _err.print(f"Wrapped around to row 0; next run starts at line {run.next_start}")
