"""Settings of Cadabra's DynamoDB stand-in (prefix `CADABRA_DYNAMODB_`).

Tables live in SQLite at `path` by default; a `url` of the form `postgresql://user:pass@host/db`
puts them in PostgreSQL instead (docker-compose runs one). Table ARNs use the region and account
of `cadabra.config.AwsSettings` (AWS_DEFAULT_REGION, CADABRA_ACCOUNT_ID).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DynamoDBSettings"]


class DynamoDBSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CADABRA_DYNAMODB_")

    # None = SQLite at `path`; "postgresql://..." (or "postgres://...") = that PostgreSQL database.
    url: SecretStr | None = None
    # The SQLite file (created with its folder on first use).
    path: Path = Path(".cadabra/dynamodb.sqlite3")
