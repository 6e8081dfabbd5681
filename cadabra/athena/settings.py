"""Settings of the Athena role: the DuckDB engine that queries the bucket (prefix CADABRA_ATHENA_).

Where the S3 server is and who calls it come from `cadabra.config.S3Settings` and `AwsSettings`;
these settings only shape the local engine (Athena's engine version and workgroup limits have no
equivalent here).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["AthenaSettings"]


class AthenaSettings(BaseSettings):
    """The DuckDB engine behind `cadabra query`."""

    model_config = SettingsConfigDict(env_prefix="CADABRA_ATHENA_")

    # The httpfs extension file; None = the one the `duckdb-extension-httpfs` package ships.
    httpfs_extension: Path | None = None
    # DuckDB worker threads (the machines have 2 cores shared with Kafka and the S3 server).
    threads: int = Field(default=2, gt=0)
    # DuckDB's memory limit, in its own notation ("1GB", "512MB").
    memory_limit: str = "1GB"
    # The catalog's DDL files; None = ./sql/catalog, else sql/catalog next to the installed package.
    catalog_dir: Path | None = None
    # The named queries; None = ./sql/queries, else sql/queries next to the installed package.
    queries_dir: Path | None = None
    # How `cadabra query` prints results: a rich table, CSV or JSON.
    output_format: Literal["table", "csv", "json"] = "table"
