"""Where the `sql/catalog/` and `sql/queries/` folders are (Glue's catalog, Athena's named queries).

A setting wins (CADABRA_ATHENA_CATALOG_DIR, CADABRA_ATHENA_QUERIES_DIR); else `sql/<name>`
under the current directory (a clone's root); else `sql/<name>` next to the installed packages
(an editable install run from elsewhere). When none exists, the current directory's path is
returned, and the catalog it names is empty.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["PACKAGE_ROOT", "sql_dir"]

# The folder holding the `cadabra` package: a clone's root for an editable install.
PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def sql_dir(name: str, configured: Path | None = None, cwd: Path | None = None) -> Path:
    """The folder `sql/<name>` ("catalog" or "queries") to use."""
    if configured is not None:
        return configured
    local = (cwd or Path.cwd()) / "sql" / name
    if local.is_dir():
        return local
    installed = PACKAGE_ROOT / "sql" / name
    return installed if installed.is_dir() else local
