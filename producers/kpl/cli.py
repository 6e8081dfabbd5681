"""`cadabra kpl put STREAM [FILE]`: put each line of a file as a user record, KPL-style.

Lines are aggregated and collected as the KPL does (settings `CADABRA_KPL_*`); a progress bar
counts stored user records; the summary names how many Kinesis records carried them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from producers.kpl.errors import KplError
from producers.kpl.producer import KinesisProducer
from producers.kpl.results import UserRecordResult
from producers.kpl.settings import KplSettings

__all__ = ["put", "register"]

_err = Console(stderr=True)

Stream = Annotated[str, typer.Argument(help="Kinesis stream name")]
File = Annotated[
    Path | None, typer.Argument(help="File of records, one a line (default: stdin)", dir_okay=False)
]
KeyColumn = Annotated[
    int | None,
    typer.Option(help="CSV column (from 0) holding the partition key; default: the line number"),
]
EndpointUrl = Annotated[
    str | None, typer.Option(help="Kinesis endpoint (env CADABRA_KPL_ENDPOINT_URL; unset = AWS)")
]
Aggregation = Annotated[
    bool | None,
    typer.Option(
        "--aggregation/--no-aggregation",
        help="Aggregate user records (env CADABRA_KPL_AGGREGATION_ENABLED, default on)",
    ),
]
BufferedTime = Annotated[
    int | None,
    typer.Option(
        help="RecordMaxBufferedTime in ms (env CADABRA_KPL_RECORD_MAX_BUFFERED_TIME, 100)"
    ),
]


def register(app: typer.Typer) -> None:
    """Add the `kpl` group (`kpl put`) to the root app."""
    group = typer.Typer(help="A KPL-style aggregating producer.", no_args_is_help=True)
    group.command("put")(put)
    app.add_typer(group, name="kpl")


def put(
    stream: Stream,
    file: File = None,
    key_column: KeyColumn = None,
    endpoint_url: EndpointUrl = None,
    aggregation: Aggregation = None,
    record_max_buffered_time: BufferedTime = None,
) -> None:
    """Put every line of FILE (or stdin) into STREAM through the KPL-style producer."""
    overrides: dict[str, Any] = {
        "endpoint_url": endpoint_url,
        "aggregation_enabled": aggregation,
        "record_max_buffered_time": record_max_buffered_time,
    }
    settings = KplSettings(**{k: v for k, v in overrides.items() if v is not None})
    source: TextIO = sys.stdin if file is None else file.open(encoding="utf-8")
    try:
        futures = _put_lines(settings, stream, source, key_column)
    except KplError as exc:
        _err.print(f"[red]{exc}[/red]", markup=True, highlight=False)
        raise typer.Exit(1) from exc
    finally:
        if file is not None:
            source.close()
    _report(futures)


def _records(source: TextIO, key_column: int | None) -> Iterator[tuple[str, bytes]]:
    for number, line in enumerate(source, start=1):
        text = line.rstrip("\n")
        if not text:
            continue
        key = str(number)
        if key_column is not None:
            fields = text.split(",")
            key = fields[key_column] if key_column < len(fields) and fields[key_column] else key
        yield key, text.encode()


def _put_lines(
    settings: KplSettings, stream: str, source: TextIO, key_column: int | None
) -> list[Future[UserRecordResult]]:
    futures: list[Future[UserRecordResult]] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with KinesisProducer(settings) as producer, Progress(*columns, console=_err) as progress:
        task = progress.add_task("stored", total=None)

        def done(_future: Any) -> None:
            progress.advance(task)

        for key, data in _records(source, key_column):
            future = producer.add_user_record(stream, key, data)
            future.add_done_callback(done)
            futures.append(future)
        progress.update(task, total=len(futures))
        producer.flush_sync()
    return futures


def _report(futures: list[Future[UserRecordResult]]) -> None:
    stored = [f.result() for f in futures if f.exception() is None]
    failed = [f.exception() for f in futures if f.exception() is not None]
    kinesis_records = len({(r.shard_id, r.sequence_number) for r in stored})
    typer.echo(
        f"Stored {len(stored)} user records in {kinesis_records} Kinesis records;"
        f" {len(failed)} failed."
    )
    if failed:
        _err.print(f"[red]first failure: {failed[0]}[/red]", markup=True, highlight=False)
        raise typer.Exit(1)
