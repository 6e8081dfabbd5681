"""Errors of the Glue Data Catalog role: bad DDL, unknown tables, unknown named queries.

Glue answers a lookup of a missing table with `EntityNotFoundException` ("Table orders not found")
and Athena refuses DDL it cannot parse with a FAILED query naming the line; Cadabra raises the
same shapes while loading `sql/catalog/*.sql` and `sql/queries/*.sql`.
"""

from __future__ import annotations

from pathlib import Path

from cadabra.athena.errors import AthenaError

__all__ = [
    "CatalogError",
    "DdlError",
    "EntityNotFoundException",
    "NamedQueryError",
]


class CatalogError(AthenaError):
    """The Glue Data Catalog's role: databases and tables from `.sql` files."""

    code = "InvalidInputException"


class DdlError(CatalogError):
    """A catalog file is not DDL Cadabra understands; names the file, line and what was expected."""

    def __init__(self, message: str, *, path: Path | None = None, line: int = 0) -> None:
        where = f"{path}:{line}: " if path is not None else f"line {line}: "
        super().__init__(where + message)
        self.path = path
        self.line = line


class EntityNotFoundException(CatalogError):
    """Glue's answer to a database or table that the catalog does not hold."""

    code = "EntityNotFoundException"

    def __init__(self, message: str, *, database: str, table: str | None = None) -> None:
        super().__init__(message)
        self.database = database
        self.table = table


class NamedQueryError(CatalogError):
    """A named query is missing, malformed, or given parameters it does not declare."""
