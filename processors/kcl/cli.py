"""`cadabra kcl run module:Factory --stream S --app NAME`: a KCL-style worker in the foreground.

The factory is a callable (a class, usually) returning a `ShardRecordProcessor`. SIGTERM or
Ctrl-C shuts the worker down gracefully: each processor gets `shutdown_requested(checkpointer)`
and the worker's leases are released for the application's other workers.
"""

from __future__ import annotations

import importlib
import logging
import signal
import threading
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.logging import RichHandler

from processors.kcl.processor import ShardRecordProcessorFactory
from processors.kcl.scheduler import Scheduler
from processors.kcl.settings import KclSettings

__all__ = ["load_factory", "register"]

err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add the `kcl` command group (`kcl run`) to `app`."""
    group = typer.Typer(help="KCL-style consumers: leases, checkpoints, record processors.")
    group.command(name="run")(run)
    app.add_typer(group, name="kcl")


def load_factory(spec: str) -> ShardRecordProcessorFactory:
    """`package.module:Name` → the callable it names."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise typer.BadParameter(f"{spec!r} is not of the form module:Factory")
    try:
        found: Any = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise typer.BadParameter(f"cannot load {spec}: {exc}") from exc
    if not callable(found):
        raise typer.BadParameter(f"{spec} is not callable")
    factory: ShardRecordProcessorFactory = found
    return factory


def run(
    factory: Annotated[str, typer.Argument(help="module:Factory returning a record processor")],
    stream: Annotated[str, typer.Option("--stream", help="Kinesis stream name")],
    application_name: Annotated[
        str, typer.Option("--app", help="Application name (names the lease table)")
    ],
    mode: Annotated[
        str | None,
        typer.Option(help="polling or fan_out (env CADABRA_KCL_RETRIEVAL_MODE, default polling)"),
    ] = None,
    endpoint_url: Annotated[
        str | None,
        typer.Option(help="Kinesis endpoint for polling (env CADABRA_ENDPOINT_URL)"),
    ] = None,
    initial_position: Annotated[
        str | None,
        typer.Option(help="TRIM_HORIZON or LATEST (env CADABRA_KCL_INITIAL_POSITION, LATEST)"),
    ] = None,
    worker_id: Annotated[str | None, typer.Option(help="Worker id (default host:uuid)")] = None,
) -> None:
    """Process a stream's shards with a record processor, sharing them with other workers."""
    given: dict[str, Any] = {"retrieval_mode": mode, "initial_position": initial_position}
    try:
        settings = KclSettings(**{k: v for k, v in given.items() if v is not None})
    except ValidationError as exc:
        raise typer.BadParameter(str(exc)) from exc
    processor_factory = load_factory(factory)
    logging.basicConfig(
        level=logging.INFO, format="%(message)s", handlers=[RichHandler(console=err)]
    )
    worker = Scheduler(
        application_name,
        stream,
        processor_factory,
        settings=settings,
        worker_id=worker_id,
        endpoint_url=endpoint_url,
    )
    _stop_on_signals(worker)
    err.print(f"[bold]kcl[/] worker {worker.worker_id} of {application_name} on {stream}")
    worker.run()


def _stop_on_signals(worker: Scheduler) -> None:
    if threading.current_thread() is not threading.main_thread():
        return  # signal handlers can only be set from the main thread (e.g. not in tests)

    def stop(_signum: int, _frame: object) -> None:
        threading.Thread(target=worker.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
