"""The Glue Data Catalog's role: databases and tables defined by the DDL files of `sql/catalog/`.

Glue holds, per table, its columns with Hive types, partition keys, LOCATION, SerDe, storage
format and table parameters; Athena reads tables from it, and Firehose's record format
conversion reads a table's schema (`SchemaConfiguration.DatabaseName/TableName`) from it. Here
`Catalog.load(directory)` parses every `*.sql` file of a folder (sorted by name) with
`cadabra.athena.ddl`; `catalog.table(db, name)` answers, or raises `EntityNotFoundException`
("Table orders not found in database cadabra") as Glue's GetTable does. A table's database must
be created (CREATE DATABASE) before, in the same or an earlier file. Not reproduced: versions,
catalog ids, crawlers, partitions registered one by one (projection and Hive folders only).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from cadabra.athena.catalog_errors import DdlError, EntityNotFoundException
from cadabra.athena.ddl import CreateDatabase, CreateTable, Statement, parse_file
from cadabra.athena.hive_types import duckdb_type
from cadabra.athena.layout import TEMPLATE, object_glob, storage_format, table_layout

__all__ = ["Catalog", "Column", "Database", "Table"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Column:
    """A column as Glue stores it: lower-case name, Hive type string (`decimal(10,2)`)."""

    name: str
    type: str
    comment: str | None = None

    @property
    def duckdb_type(self) -> str:
        return duckdb_type(self.type)


@dataclass(frozen=True)
class Database:
    name: str
    comment: str | None = None
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    """A Glue table: schema, partition keys, where its objects are and how they are stored."""

    database: str
    name: str
    columns: list[Column]
    partition_columns: list[Column]
    location: str
    format: str  # parquet, orc, csv (delimited text), json
    layout: str  # none, hive, template
    serde: str | None = None
    serde_properties: dict[str, str] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)
    comment: str | None = None
    source: Path | None = None

    @property
    def bucket(self) -> str:
        return urlsplit(self.location).netloc

    @property
    def prefix(self) -> str:
        """The key prefix of LOCATION, without a leading slash (`orders/`)."""
        return urlsplit(self.location).path.lstrip("/")

    @property
    def qualified_name(self) -> str:
        return f"{self.database}.{self.name}"

    @property
    def all_columns(self) -> list[Column]:
        """Data columns, then partition columns, as Athena lists them."""
        return [*self.columns, *self.partition_columns]

    @property
    def template(self) -> str | None:
        return self.properties.get(TEMPLATE) if self.layout == "template" else None

    @property
    def glob(self) -> str:
        """The glob of the objects Athena would read for this table."""
        names = [column.name for column in self.partition_columns]
        return object_glob(self.location, self.layout, names, self.properties)

    def relocated(self, bucket: str | None = None, root: str = "") -> Table:
        """This table with LOCATION (and template) moved to `bucket` and under the key `root`."""
        old = f"s3://{self.bucket}/"
        new = f"s3://{bucket or self.bucket}/" + (root.strip("/") + "/" if root.strip("/") else "")
        properties = dict(self.properties)
        if self.template is not None and self.template.startswith(old):
            properties[TEMPLATE] = new + self.template[len(old) :]
        return dataclasses.replace(
            self, location=new + self.location[len(old) :], properties=properties
        )


class Catalog:
    """Databases and tables, looked up by (database, table) as Glue's GetTable does."""

    def __init__(self, databases: list[Database] | None = None) -> None:
        self.databases: dict[str, Database] = {db.name: db for db in databases or []}
        self._tables: dict[tuple[str, str], Table] = {}

    @classmethod
    def load(cls, directory: Path, default_database: str = "default") -> Catalog:
        """The catalog defined by `directory/*.sql` (by file name); a missing folder is empty."""
        catalog = cls()
        if not directory.is_dir():
            logger.warning("catalog folder %s does not exist: no tables", directory)
            return catalog
        for path in sorted(directory.glob("*.sql")):
            for statement in parse_file(path):
                catalog._define(statement, path, default_database)
        return catalog

    def _define(self, statement: Statement, path: Path, default_database: str) -> None:
        if isinstance(statement, CreateDatabase):
            if statement.name not in self.databases:  # IF NOT EXISTS or not, the first wins
                self.databases[statement.name] = Database(
                    statement.name, statement.comment, statement.properties
                )
            return
        table = _table(statement, path, statement.database or default_database)
        if table.database not in self.databases:
            raise DdlError(
                f"database {table.database} does not exist (CREATE DATABASE it first)",
                path=path,
                line=statement.line,
            )
        self.add(table)

    def add(self, table: Table) -> None:
        """Define (or replace) `table`; its database is created if needed."""
        self.databases.setdefault(table.database, Database(table.database))
        self._tables[(table.database, table.name)] = table

    def table(self, database: str, name: str) -> Table:
        """The table `database.name` (case-insensitive); EntityNotFoundException if unknown."""
        key = (database.lower(), name.lower())
        if key[0] not in self.databases:
            raise EntityNotFoundException(
                f"Database {database} not found.", database=database, table=name
            )
        if key not in self._tables:
            raise EntityNotFoundException(
                f"Table {name} not found in database {database}.", database=database, table=name
            )
        return self._tables[key]

    def tables(self, database: str | None = None) -> list[Table]:
        """Every table (of `database`), by database then name."""
        return [
            table
            for key, table in sorted(self._tables.items())
            if database is None or key[0] == database.lower()
        ]

    def __iter__(self) -> Iterator[Table]:
        return iter(self.tables())

    def __len__(self) -> int:
        return len(self._tables)

    def relocated(self, bucket: str | None = None, root: str = "") -> Catalog:
        """A copy whose every table lives in `bucket` under the key `root` (tests, other stacks)."""
        moved = Catalog(list(self.databases.values()))
        for table in self:
            moved.add(table.relocated(bucket, root))
        return moved


def _table(statement: CreateTable, path: Path, database: str) -> Table:
    """The Table a CREATE EXTERNAL TABLE defines; bad storage or projection is a DdlError."""
    partitions = [column.name for column in statement.partition_columns]
    clash = {column.name for column in statement.columns} & set(partitions)
    try:
        if clash:
            raise ValueError(f"partition columns repeat data columns: {', '.join(sorted(clash))}")
        form = storage_format(statement.stored_as, statement.input_format, statement.serde)
        layout = table_layout(statement.properties, partitions)
    except ValueError as exc:
        raise DdlError(
            f"table {database}.{statement.name}: {exc}", path=path, line=statement.line
        ) from None
    return Table(
        database=database,
        name=statement.name,
        columns=[Column(c.name, c.type, c.comment) for c in statement.columns],
        partition_columns=[Column(c.name, c.type, c.comment) for c in statement.partition_columns],
        location=statement.location,
        format=form,
        layout=layout,
        serde=statement.serde,
        serde_properties=dict(statement.serde_properties),
        properties=dict(statement.properties),
        comment=statement.comment,
        source=path,
    )
