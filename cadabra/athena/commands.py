"""`cadabra query`: Athena's StartQueryExecution + GetQueryResults, on DuckDB over the bucket.

`cadabra query "SELECT ..."` runs SQL; `cadabra query NAME` runs the named query
`sql/queries/NAME.sql` (`--param k=v` fills its `$k`); `cadabra query --list` lists the named
queries. The Glue catalog of `sql/catalog/` is registered first, so SQL says `FROM cadabra.orders`.
A failing query prints DuckDB's message (Athena's StateChangeReason) and exits 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table as RichTable

from cadabra.athena.catalog import Catalog
from cadabra.athena.engine import Engine, QueryResult
from cadabra.athena.errors import AthenaError
from cadabra.athena.named import load_named_queries, looks_like_name, named_query, parse_params
from cadabra.athena.output import FORMATS, render
from cadabra.athena.settings import AthenaSettings
from cadabra.athena.sql_dirs import sql_dir

__all__ = ["query", "register", "run_query"]

_err = Console(stderr=True)

SqlOrName = Annotated[
    str | None, typer.Argument(help="SQL to run, or the NAME of a query in sql/queries/")
]
Format = Annotated[
    str | None,
    typer.Option(
        "--format", help="table, csv or json (env CADABRA_ATHENA_OUTPUT_FORMAT, default table)"
    ),
]
Params = Annotated[
    list[str] | None,
    typer.Option("--param", help="NAME=VALUE for the query's $NAME (repeatable)"),
]
ListFlag = Annotated[bool, typer.Option("--list", help="List the named queries and exit")]
CatalogDir = Annotated[
    Path | None,
    typer.Option(
        help="Folder of the catalog's DDL files (env CADABRA_ATHENA_CATALOG_DIR, "
        "default sql/catalog)",
        file_okay=False,
    ),
]
QueriesDir = Annotated[
    Path | None,
    typer.Option(
        help="Folder of the named queries (env CADABRA_ATHENA_QUERIES_DIR, default sql/queries)",
        file_okay=False,
    ),
]


def register(app: typer.Typer) -> None:
    """Add `query` to the root app."""
    app.command("query")(query)


def query(
    sql_or_name: SqlOrName = None,
    output_format: Format = None,
    param: Params = None,
    list_queries: ListFlag = False,
    catalog_dir: CatalogDir = None,
    queries_dir: QueriesDir = None,
) -> None:
    """Run SQL or a named query on the catalog's tables (Athena on DuckDB)."""
    settings = AthenaSettings()
    queries = sql_dir("queries", queries_dir or settings.queries_dir)
    chosen = output_format or settings.output_format
    if chosen not in FORMATS:
        _fail(f"--format must be one of {', '.join(FORMATS)}, got {chosen!r}")
    if list_queries:
        _list(queries)
        return
    if not sql_or_name:
        _fail("give SQL or a named query (see cadabra query --list)")
    catalog_path = sql_dir("catalog", catalog_dir or settings.catalog_dir)
    try:
        with _err.status("Running the query (catalog registered first)..."):
            params = parse_params(param or [])
            result, title = run_query(sql_or_name, params, catalog_path, queries)
    except AthenaError as exc:
        _fail(exc.message)
    render(result, chosen, Console(), title)


def run_query(
    sql_or_name: str,
    params: dict[str, str],
    catalog_dir: Path,
    queries_dir: Path,
    engine: Engine | None = None,
) -> tuple[QueryResult, str | None]:
    """(the result, the named query's name or None) of SQL or a named query, on `engine` (one
    made from the settings if None) with the catalog of `catalog_dir` registered."""
    bound: dict[str, str | None] = dict(params)
    title, sql = None, sql_or_name
    if looks_like_name(sql_or_name):
        named = named_query(queries_dir, sql_or_name)
        bound, title, sql = named.bind(params), named.name, named.sql
    catalog = Catalog.load(catalog_dir)
    if engine is not None:
        engine.register_catalog(catalog)
        return engine.query(sql, bound or None), title
    with Engine() as own:
        own.register_catalog(catalog)
        return own.query(sql, bound or None), title


def _list(queries: Path) -> None:
    table = RichTable(title=f"Named queries in {queries}")
    for column in ("name", "parameters", "description"):
        table.add_column(column, overflow="fold")
    for named in load_named_queries(queries).values():
        params = ", ".join(
            name if name in named.required else f"{name}={named.defaults[name] or 'NULL'}"
            for name in named.parameters
        )
        table.add_row(named.name, params, named.description)
    Console().print(table)


def _fail(message: str) -> NoReturn:
    _err.print(f"[red]{message}[/red]", markup=True, highlight=False, soft_wrap=True)
    raise typer.Exit(1)
