"""The httpfs extension (Athena's S3 reader), loaded from the installed `duckdb-extension-httpfs`.

The package ships the signed extension binary at
`duckdb_extension_httpfs/extensions/v<duckdb version>/httpfs.duckdb_extension`; `LOAD '<path>'`
loads it from there. Autoinstall and autoload of known extensions are off on every connection
(see `cadabra.athena.engine`), so a missing file is an `ExtensionError`, never a download.
"""

from __future__ import annotations

import importlib.resources
import importlib.util
import logging
from pathlib import Path

import duckdb

from cadabra.athena.errors import ExtensionError

__all__ = ["HTTPFS_PACKAGE", "httpfs_extension_path", "load_extension", "sql_literal"]

logger = logging.getLogger(__name__)

HTTPFS_PACKAGE = "duckdb_extension_httpfs"


def sql_literal(text: str) -> str:
    """`text` as a SQL string literal (DuckDB's statements like LOAD take no bound parameters)."""
    return "'" + text.replace("'", "''") + "'"


def httpfs_extension_path() -> Path:
    """The httpfs extension file of the installed `duckdb-extension-httpfs`, for this DuckDB."""
    if importlib.util.find_spec(HTTPFS_PACKAGE) is None:
        raise ExtensionError(
            f"The Python package {HTTPFS_PACKAGE} is not installed "
            "(pip install duckdb-extension-httpfs matching the duckdb version)"
        )
    root = Path(str(importlib.resources.files(HTTPFS_PACKAGE)))
    return root / "extensions" / f"v{duckdb.__version__}" / "httpfs.duckdb_extension"


def load_extension(connection: duckdb.DuckDBPyConnection, path: Path) -> None:
    """LOAD the extension file at `path` into `connection`; its absence is an ExtensionError."""
    if not path.is_file():
        raise ExtensionError(f"DuckDB extension file not found: {path}")
    try:
        connection.execute(f"LOAD {sql_literal(str(path))}")
    except duckdb.Error as exc:
        raise ExtensionError(f"DuckDB could not load {path}: {exc}") from exc
    logger.debug("loaded DuckDB extension %s", path)
