"""The `cadabra` command: one root typer app, a subcommand group per role.

Every option defaults to its settings field, so each one can also come from the environment
(`--brokers` from CADABRA_STACK_BROKERS, `--home` from CADABRA_STACK_HOME, ...); only the settings
classes read the environment.
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from cadabra.config import EndpointSettings, KafkaSettings, StackSettings
from cadabra.errors import StackError
from cadabra.stack import NativeStack, tail

__all__ = ["app", "stack_app"]

app = typer.Typer(help="Cadabra: AWS Kinesis and Firehose on Kafka and S3.", no_args_is_help=True)
stack_app = typer.Typer(
    help="Local services without Docker: Kafka (KRaft) and an S3 server.", no_args_is_help=True
)
app.add_typer(stack_app, name="stack")
containers_app = typer.Typer(
    help="Where no Docker engine runs: podman and the local images the tests use.",
    no_args_is_help=True,
)
app.add_typer(containers_app, name="containers")

err = Console(stderr=True)

Home = Annotated[
    Path | None, typer.Option(help="Stack folder (env CADABRA_STACK_HOME, default .cadabra)")
]


@app.callback()
def main() -> None:
    """Configure logging once for every command (library code adds no handlers)."""
    handler = RichHandler(console=err, show_path=False, show_time=False)
    logging.basicConfig(level=logging.WARNING, handlers=[handler], format="%(message)s")
    logging.getLogger("cadabra").setLevel(logging.INFO)
    # librdkafka reports a restarting broker as warnings; clients retry, users need not see them.
    logging.getLogger("cadabra.kafka").setLevel(logging.ERROR)


def _stack(**overrides: Any) -> NativeStack:
    """A NativeStack whose settings take the given options over the environment."""
    given = {key: value for key, value in overrides.items() if value is not None}
    return NativeStack(StackSettings(**given))


@contextmanager
def _failures() -> Iterator[None]:
    """Turn stack errors into a red message and exit code 1."""
    try:
        yield
    except StackError as exc:
        err.print(f"[red]{exc}[/red]", markup=True, highlight=False)
        raise typer.Exit(1) from exc


@stack_app.command()
def up(
    home: Home = None,
    brokers: Annotated[
        int | None, typer.Option(help="Kafka brokers (env CADABRA_STACK_BROKERS, default 1)")
    ] = None,
    kafka_port: Annotated[
        int | None, typer.Option(help="First broker port (env CADABRA_STACK_KAFKA_PORT)")
    ] = None,
    controller_port: Annotated[
        int | None,
        typer.Option(help="First controller port (env CADABRA_STACK_CONTROLLER_PORT)"),
    ] = None,
    s3_port: Annotated[
        int | None, typer.Option(help="S3 server port (env CADABRA_STACK_S3_PORT)")
    ] = None,
    timeout: Annotated[
        float | None, typer.Option(help="Start deadline, s (env CADABRA_STACK_START_TIMEOUT_S)")
    ] = None,
) -> None:
    """Start Kafka and the S3 server (does nothing when they already run)."""
    stack = _stack(
        home=home,
        brokers=brokers,
        kafka_port=kafka_port,
        controller_port=controller_port,
        s3_port=s3_port,
        start_timeout_s=timeout,
    )
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with _failures(), Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("starting the stack", total=None)
        report = stack.up(on_step=lambda step: progress.update(task, description=step))
    if report.already_running:
        err.print(f"The stack in {stack.home} already runs.")
    else:
        started = ", ".join(report.started)
        err.print(f"Started {started} in {report.elapsed_s:.1f} s (home {stack.home}).")
    err.print('Point clients at it with: eval "$(cadabra stack env --export)"')


@stack_app.command()
def down(
    home: Home = None,
    purge: Annotated[bool, typer.Option(help="Also delete data, logs and configs")] = False,
) -> None:
    """Stop every service of the stack."""
    stack = _stack(home=home)
    with _failures():
        stopped = stack.down(purge=purge)
    err.print(f"Stopped {', '.join(stopped)}." if stopped else "Nothing was running.")


@stack_app.command()
def status(home: Home = None) -> None:
    """Show each service process: pid, port, alive, answering."""
    stack = _stack(home=home)
    table = Table("service", "pid", "port", "alive", "answering", "log")
    for row in stack.status():
        mark = {True: "[green]yes[/green]", False: "[red]no[/red]"}
        pid = str(row.pid) if row.pid is not None else "-"
        cells = (row.name, pid, str(row.port), mark[row.alive], mark[row.answering])
        table.add_row(*cells, str(row.log_file))
    Console().print(table)


@stack_app.command()
def env(
    home: Home = None,
    export: Annotated[bool, typer.Option(help="Prefix each line with `export `")] = False,
) -> None:
    """Print KEY=value lines for clients: eval "$(cadabra stack env --export)"."""
    stack = _stack(home=home)
    if not stack.is_running():
        err.print(f"warning: no stack runs in {stack.home}; these are the values `up` would use")
    prefix = "export " if export else ""
    for key, value in stack.env().items():
        typer.echo(f"{prefix}{key}={shlex.quote(value)}")


@stack_app.command()
def logs(
    service: Annotated[str, typer.Argument(help="kafka, kafka-2, s3, ...")] = "kafka",
    lines: Annotated[int, typer.Option("--lines", "-n", help="How many last lines")] = 50,
    home: Home = None,
) -> None:
    """Print the last lines of a service's log."""
    stack = _stack(home=home)
    with _failures():
        log_file = stack.log_file(service)
    err.print(f"==> {log_file} <==")
    typer.echo(tail(log_file, lines))


def _native_unless_named(home: Path | None) -> dict[str, str] | None:
    """Start the native stack (as `stack up`) when no stack is named; its env, else None."""
    if "bootstrap" in KafkaSettings().model_fields_set:
        return None
    up(home=home, brokers=None, kafka_port=None, controller_port=None, s3_port=None, timeout=None)
    return _stack(home=home).env()


@app.command()
def demo(
    lines: Annotated[int, typer.Option(help="Log lines the generator writes")] = 2_000,
    keep: Annotated[bool, typer.Option(help="Leave the stack and the roles running")] = False,
    report: Annotated[Path, typer.Option(help="Where the HTML report goes")] = Path(
        "cadabra-demo.html"
    ),
    timeout: Annotated[float, typer.Option(help="Longest wait for the pipelines, s")] = 180.0,
    web_port: Annotated[int, typer.Option(help="Port of the order-history web app")] = 8080,
    home: Home = None,
) -> None:
    """The course's Cadabra pipelines end to end: agent, streams, alarm, orders, S3, Athena."""
    from cadabra.demo.run import run_demo

    started = _native_unless_named(home)
    env = started if started is not None else _client_env()
    try:
        ok = run_demo(
            env,
            lines=lines,
            report=report,
            timeout_s=timeout,
            web_port=web_port,
            keep=keep,
            console=err,
        )
    finally:
        if started is not None and not keep:
            _stack(home=home).down()
            err.print("Stopped the stack (`--keep` leaves it running).")
    if not ok:
        raise typer.Exit(1)


def _client_env() -> dict[str, str]:
    """The stack this shell names (CADABRA_* variables), as `stack env` would print it."""
    import os

    env = {k: v for k, v in os.environ.items() if k.startswith(("CADABRA_", "AWS_"))}
    env.setdefault("CADABRA_ENDPOINT_URL", f"http://127.0.0.1:{EndpointSettings().port}")
    return env


@app.command()
def overload(
    seconds: Annotated[int, typer.Option(help="How long orders are offered")] = 10,
    factor: Annotated[float, typer.Option(help="Offered load, x the shard's limit")] = 3.0,
    home: Home = None,
) -> None:
    """Offer CadabraOrders 3x its shard's limit and show throttling and retries (no loss)."""
    from cadabra.overload_demo import run_overload_demo
    from cadabra.streams import StreamsService
    from producers.orders import OrderGenerator

    started = _native_unless_named(home)
    kafka = KafkaSettings()
    if started is not None:
        kafka = KafkaSettings(bootstrap=started["CADABRA_KAFKA_BOOTSTRAP"])
    streams = StreamsService(kafka)
    orders = ((order.partition_key, order.to_csv().encode()) for order in OrderGenerator())
    try:
        report = run_overload_demo(streams, orders, seconds=seconds, factor=factor)
    finally:
        streams.close()
    steady = [row.accepted for row in report.seconds[1:seconds]]
    err.print(
        f"{report.generated:,} orders offered at {factor:g}x; the shard accepted "
        f"{sum(steady) / max(1, len(steady)):,.0f} records/s after its first-second burst; "
        f"read back {report.stored:,}: {report.lost} lost, {report.duplicates} duplicated."
    )
    err.print("The stack keeps running: `cadabra stack status`, `cadabra stack down`.")
    if report.lost or report.duplicates:
        raise typer.Exit(1)


@app.command()
def endpoint(
    host: Annotated[str | None, typer.Option(help="Address (env CADABRA_ENDPOINT_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (env CADABRA_ENDPOINT_PORT)")] = None,
) -> None:
    """Serve the Kinesis and Firehose APIs (AWS JSON 1.1 and CBOR) in the foreground."""
    from cadabra.endpoint.server import serve

    settings = EndpointSettings()
    overrides: dict[str, object] = {"host": host, "port": port}
    serve(settings.model_copy(update={k: v for k, v in overrides.items() if v is not None}))


def _register_query() -> None:
    from cadabra.athena.commands import register as register_query

    register_query(app)


def _register_roles() -> None:
    """The producers', processors' and sinks' commands: cadabra imports them only here."""
    from processors.analytics.cli import register as register_analytics
    from processors.kcl.cli import register as register_kcl
    from processors.lambda_runner.cli import register as register_lambda
    from processors.webapp.cli import register as register_web
    from producers.agent.cli import register as register_agent
    from producers.kpl.cli import register as register_kpl
    from producers.loggen.cli import register as register_loggen
    from sinks.firehose.cli import register as register_firehose
    from sinks.notify.cli import register as register_notify

    registers = (
        register_loggen,
        register_agent,
        register_kpl,
        register_kcl,
        register_lambda,
        register_firehose,
        register_web,
        register_analytics,
        register_notify,
    )
    for register in registers:
        register(app)


@containers_app.command("up")
def containers_up() -> None:
    """Install and configure podman, serve its Docker API, build the local images (cached).

    Skipped with a one-line notice where a Docker engine answers or when not run as root.
    """
    from cadabra.containers import ENV_FILE, prepare

    with _failures():
        outcome = prepare(err)
    if not outcome.prepared:
        err.print(outcome.notice, highlight=False)
        return
    total = sum(seconds for _, seconds, _ in outcome.steps)
    err.print(f"containers ready in {total:.0f} s; variables for the tests in {ENV_FILE}")


_register_query()
_register_roles()
