"""Glue tables as DuckDB views, so a query says `FROM cadabra.orders` as it would in Athena.

Each Glue database becomes a DuckDB schema and each table a view over `read_parquet`,
`read_csv` or `read_json` of the glob of its objects (see `cadabra.athena.layout`), selecting
the declared columns with their declared types, then the partition columns: from Hive folder
names (`hive_partitioning`) or, for a projection template, from the object's URI by a regular
expression. Text is read as Athena's SerDes read it: LazySimpleSerDe (ROW FORMAT DELIMITED, `\\N`
is NULL, no quoting) or OpenCSVSerde (quotes, an empty field is '' for strings); a field that does
not parse as the column's type is NULL, as in Athena. DuckDB refuses a glob that matches no
object, so a table whose location is still empty becomes an empty view with the same columns
(Athena returns 0 rows there); `Engine.register_catalog` decides which by listing the glob.
ORC has no DuckDB reader: such tables are left out with a warning.
"""

from __future__ import annotations

from cadabra.athena.catalog import Column, Table
from cadabra.athena.extension import sql_literal
from cadabra.athena.hive_types import is_string_type
from cadabra.athena.layout import template_regex

__all__ = ["FILE_COLUMN", "quote_name", "schema_sql", "view_sql"]

FILE_COLUMN = "__cadabra_object_uri"
_OPEN_CSV = "opencsvserde"
_NESTED = ("array<", "map<", "struct<")


def quote_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def schema_sql(database: str) -> str:
    return f"CREATE SCHEMA IF NOT EXISTS {quote_name(database)}"


def view_sql(table: Table, *, has_objects: bool = True) -> str:
    """CREATE OR REPLACE VIEW <db>.<table> over the table's objects (or an empty one)."""
    name = f"{quote_name(table.database)}.{quote_name(table.name)}"
    if not has_objects:
        return f"CREATE OR REPLACE VIEW {name} AS {_empty_select(table)}"
    columns = [_data_column(table, column) for column in table.columns]
    columns += _partition_columns(table)
    select = ",\n  ".join(columns)
    return f"CREATE OR REPLACE VIEW {name} AS\nSELECT\n  {select}\nFROM {_reader(table)}"


def _empty_select(table: Table) -> str:
    typed = ", ".join(
        f"CAST(NULL AS {column.duckdb_type}) AS {quote_name(column.name)}"
        for column in table.all_columns
    )
    return f"SELECT {typed} WHERE false"


def _cast(expression: str, column: Column) -> str:
    return f"CAST({expression} AS {column.duckdb_type}) AS {quote_name(column.name)}"


def _is_nested(column: Column) -> bool:
    return column.type.startswith(_NESTED)


def _data_column(table: Table, column: Column) -> str:
    name = quote_name(column.name)
    if table.format == "parquet" or _is_nested(column):
        return _cast(name, column)
    if is_string_type(column.type):
        return f"{name} AS {name}"
    # Text and JSON scalars are read as VARCHAR: a value that does not parse is NULL, as in Athena.
    return f"TRY_CAST(NULLIF(trim({name}), '') AS {column.duckdb_type}) AS {name}"


def _partition_columns(table: Table) -> list[str]:
    if table.layout == "hive":
        return [_cast(quote_name(column.name), column) for column in table.partition_columns]
    if table.layout != "template":
        return []
    pattern, names = template_regex(table.properties)
    groups = {name: index for index, name in enumerate(names, start=1)}
    file = quote_name(FILE_COLUMN)
    return [
        _cast(f"regexp_extract({file}, {sql_literal(pattern)}, {groups[column.name]})", column)
        for column in table.partition_columns
    ]


def _reader(table: Table) -> str:
    options = [sql_literal(table.glob), f"filename = {sql_literal(FILE_COLUMN)}"]
    if table.layout == "hive":
        types = ", ".join(f"{sql_literal(c.name)}: 'VARCHAR'" for c in table.partition_columns)
        options += ["hive_partitioning = true", f"hive_types = {{{types}}}"]
    else:
        options.append("hive_partitioning = false")
    if table.format == "parquet":
        return f"read_parquet({', '.join([*options, 'union_by_name = true'])})"
    if table.format == "json":
        return f"read_json({', '.join([*options, *_json_options(table)])})"
    if table.format == "csv":
        return f"read_csv({', '.join([*options, *_csv_options(table)])})"
    raise ValueError(f"table {table.qualified_name}: DuckDB cannot read {table.format} objects")


def _text_columns(table: Table) -> str:
    """`columns = {...}` reading every scalar as VARCHAR (converted in the SELECT)."""
    types = ", ".join(
        f"{sql_literal(c.name)}: {sql_literal(c.duckdb_type if _is_nested(c) else 'VARCHAR')}"
        for c in table.columns
    )
    return f"columns = {{{types}}}"


def _json_options(table: Table) -> list[str]:
    return ["format = 'auto'", _text_columns(table)]


def _csv_options(table: Table) -> list[str]:
    properties = table.serde_properties
    if _OPEN_CSV in (table.serde or "").lower():
        delimiter = properties.get("separatorChar", ",")
        quote = properties.get("quoteChar", '"')
        escape = properties.get("escapeChar", quote)  # Excel's doubled quotes
        null = "\\N"
    else:  # LazySimpleSerDe: no quoting; Hive's default field delimiter is \001
        delimiter = properties.get("field.delim", properties.get("serialization.format", "\x01"))
        quote, escape = "", properties.get("escape.delim", "")
        null = properties.get("serialization.null.format", "\\N")
    skip = table.properties.get("skip.header.line.count", "0").strip() or "0"
    return [
        _text_columns(table),
        "header = false",
        f"skip = {int(skip)}",
        "auto_detect = false",
        f"delim = {sql_literal(delimiter)}",
        f"quote = {sql_literal(quote)}",
        f"escape = {sql_literal(escape)}",
        f"nullstr = {sql_literal(null or chr(0))}",
        "null_padding = true",
    ]
