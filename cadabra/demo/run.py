"""Running the pipeline demo from the CLI: set up, run, summarise, report, stop."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from cadabra.config import AwsSettings, S3Settings
from cadabra.demo.pipeline import DemoOptions, DemoOutcome, PipelineDemo
from cadabra.demo.report import DemoReport, write_report
from cadabra.demo.resources import DemoResources
from cadabra.demo.summary import athena_results, summary_rows

__all__ = ["run_demo"]


def run_demo(
    env: dict[str, str],
    *,
    lines: int,
    report: Path,
    timeout_s: float,
    web_port: int,
    keep: bool,
    console: Console,
) -> bool:
    """True when every pipeline delivered what it should; the report is written either way."""
    names = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")
    aws = AwsSettings.model_validate({k: env[k] for k in names if k in env})
    s3 = S3Settings(
        endpoint_url=env.get("CADABRA_S3_ENDPOINT_URL", S3Settings().endpoint_url),
        bucket=env.get("CADABRA_S3_BUCKET", S3Settings().bucket),
    )
    resources = DemoResources(env["CADABRA_ENDPOINT_URL"], aws, s3)
    options = DemoOptions(lines=lines, report=report, timeout_s=timeout_s, web_port=web_port)
    demo = PipelineDemo(options, env, resources, console)
    try:
        outcome = demo.run()
        results, parquet_rows = athena_results(s3, aws, outcome.lines)
        web_url = f"http://127.0.0.1:{web_port}/"
        rows = summary_rows(outcome, parquet_rows, web_url)
        _print(console, rows, results, outcome)
        document = DemoReport(rows, demo.series(outcome), outcome.alarm_seconds, results)
        outcome.report = write_report(document, report)
        console.print(f"HTML report with charts: {report.resolve()}")
        ok = outcome.ok and parquet_rows >= outcome.lines
    finally:
        if keep:
            console.print(f"The roles keep running (--keep); their logs: {demo.folder / 'logs'}")
        else:
            demo.stop()
    return ok


def _print(
    console: Console,
    rows: list[tuple[str, str]],
    results: dict[str, tuple[list[str], list[tuple[object, ...]]]],
    outcome: DemoOutcome,
) -> None:
    summary = Table(title="Cadabra demo: summary", title_justify="left")
    summary.add_column("what")
    summary.add_column("", justify="right")
    for name, value in rows:
        summary.add_row(name, value)
    console.print(summary)
    for name, (columns, found) in results.items():
        table = Table(title=f"cadabra query {name}", title_justify="left")
        for column in columns:
            table.add_column(column)
        for row in found[:10]:
            table.add_row(*(str(cell) for cell in row))
        console.print(table)
    if not outcome.complete:
        console.print("[red]The pipelines did not deliver everything before the timeout.[/red]")
    for name in outcome.failed_roles:
        console.print(f"[red]{name} stopped on its own; see its log.[/red]")
