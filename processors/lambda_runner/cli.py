"""`cadabra lambda run module:handler --stream S`: an event source mapping in the foreground.

Every option defaults to its `LambdaSettings` field, so each can also come from the environment
(`--batch-size` from CADABRA_LAMBDA_BATCH_SIZE, ...); the endpoint is CADABRA_ENDPOINT_URL.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from processors.lambda_runner.errors import LambdaError
from processors.lambda_runner.handlers import function_name_for, load_handler
from processors.lambda_runner.mapping import EventSourceMapping, kinesis_client
from processors.lambda_runner.settings import LambdaSettings

__all__ = ["lambda_app", "register"]

lambda_app = typer.Typer(
    help="Lambda-style functions on Kinesis streams (event source mappings).",
    no_args_is_help=True,
)
err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add the `lambda` command group to the root app."""
    app.add_typer(lambda_app, name="lambda")


def _timestamp(text: str | None) -> datetime | None:
    """ISO 8601 (UTC if no offset) or epoch seconds."""
    if text is None:
        return None
    try:
        return datetime.fromtimestamp(float(text), UTC)
    except ValueError:
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@contextmanager
def _failures() -> Iterator[None]:
    try:
        yield
    except ValidationError as exc:
        for error in exc.errors():
            err.print(f"[red]{'.'.join(map(str, error['loc'])) or 'settings'}: {error['msg']}[/]")
        raise typer.Exit(2) from exc
    except (LambdaError, ValueError, ClientError, BotoCoreError) as exc:
        err.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(1) from exc


def _status(mapping: EventSourceMapping) -> str:
    s = mapping.stats.snapshot()
    return (
        f"{mapping.function_name} on {mapping.stream}: {s['records_processed']:,} records in "
        f"{s['invocations']:,} invocations, {s['function_errors']:,} errors, "
        f"{s['records_discarded']:,} discarded, {s['throttles']:,} throttles, "
        f"iterator age {s['iterator_age_ms']:,} ms"
    )


@lambda_app.command()
def run(
    handler: Annotated[str, typer.Argument(help="module:function or file.function (from cwd)")],
    stream: Annotated[str, typer.Option(help="The Kinesis stream (EventSourceArn's name)")],
    function_name: Annotated[str | None, typer.Option(help="FunctionName (env ..._NAME)")] = None,
    starting_position: Annotated[
        str | None, typer.Option(help="TRIM_HORIZON, LATEST or AT_TIMESTAMP (default TRIM_HORIZON)")
    ] = None,
    starting_timestamp: Annotated[
        str | None, typer.Option(help="For AT_TIMESTAMP: ISO 8601 or epoch seconds")
    ] = None,
    batch_size: Annotated[int | None, typer.Option(help="BatchSize, 1-10000 (100)")] = None,
    batching_window: Annotated[
        float | None, typer.Option(help="MaximumBatchingWindowInSeconds, 0-300 (0)")
    ] = None,
    max_retries: Annotated[
        int | None, typer.Option(help="MaximumRetryAttempts, -1 = until expiry (-1)")
    ] = None,
    max_record_age: Annotated[
        int | None, typer.Option(help="MaximumRecordAgeInSeconds, -1 = retention (-1)")
    ] = None,
    bisect: Annotated[bool | None, typer.Option(help="BisectBatchOnFunctionError (off)")] = None,
    report_batch_item_failures: Annotated[
        bool | None, typer.Option(help="FunctionResponseTypes ReportBatchItemFailures (off)")
    ] = None,
    on_failure: Annotated[
        str | None, typer.Option(help="file:PATH (JSON lines) or kinesis:STREAM / stream ARN")
    ] = None,
    positions: Annotated[Path | None, typer.Option(help="SQLite file of shard positions")] = None,
    poll_interval: Annotated[
        float | None, typer.Option(help="Seconds between polls of an idle shard (1)")
    ] = None,
    endpoint_url: Annotated[
        str | None, typer.Option(help="Kinesis endpoint (env CADABRA_ENDPOINT_URL)")
    ] = None,
    duration: Annotated[
        float, typer.Option(help="Stop after this many seconds; 0 = until Ctrl-C")
    ] = 0.0,
    records: Annotated[
        int, typer.Option(help="Stop once this many records are done; 0 = no limit")
    ] = 0,
) -> None:
    """Poll the stream's shards and call HANDLER with AWS Kinesis events, as Lambda does."""
    overrides: dict[str, Any] = {
        "function_name": function_name,
        "starting_position": starting_position,
        "batch_size": batch_size,
        "batching_window_s": batching_window,
        "max_retries": max_retries,
        "max_record_age_s": max_record_age,
        "bisect": bisect,
        "report_batch_item_failures": report_batch_item_failures,
        "on_failure": on_failure,
        "positions_path": positions,
        "poll_interval_s": poll_interval,
    }
    with _failures():
        if starting_timestamp is not None:
            overrides["starting_timestamp"] = _timestamp(starting_timestamp)
        given = {key: value for key, value in overrides.items() if value is not None}
        settings = LambdaSettings(**given)
        if settings.function_name is None:
            settings = settings.model_copy(update={"function_name": function_name_for(handler)})
        function = load_handler(handler)
        client = kinesis_client(endpoint_url)
        mapping = EventSourceMapping(stream, function, settings, client=client)
        _run(mapping, duration, records)


def _done(mapping: EventSourceMapping, records: int) -> bool:
    stats = mapping.stats.snapshot()
    return 0 < records <= stats["records_processed"] + stats["records_discarded"]


def _run(mapping: EventSourceMapping, duration: float, records: int) -> None:
    deadline = time.monotonic() + duration if duration > 0 else None
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    mapping.start()
    try:
        with Progress(*columns, console=err, transient=True) as progress:
            task = progress.add_task(_status(mapping), total=None)
            while (deadline is None or time.monotonic() < deadline) and not _done(mapping, records):
                time.sleep(0.1)
                progress.update(task, description=_status(mapping))
    except KeyboardInterrupt:
        pass
    finally:
        mapping.stop()
    err.print(_status(mapping))
