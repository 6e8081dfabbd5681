"""Settings pick the store; the endpoint's operation table refuses what is not reproduced."""

from __future__ import annotations

from pathlib import Path

import pytest

from cadabra.dynamodb import DynamoDBService, DynamoDBSettings, ValidationException, open_store
from cadabra.dynamodb.endpoint import dynamodb_operations, dynamodb_service
from cadabra.dynamodb.sqlite_store import SqliteStore


def test_sqlite_is_the_default_at_the_configured_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert DynamoDBSettings().url is None
    assert DynamoDBSettings().path == Path(".cadabra/dynamodb.sqlite3")
    monkeypatch.setenv("CADABRA_DYNAMODB_PATH", str(tmp_path / "deep" / "orders.sqlite3"))
    store = open_store(DynamoDBSettings())
    try:
        assert isinstance(store, SqliteStore)
        assert (tmp_path / "deep" / "orders.sqlite3").exists()
    finally:
        store.close()


def test_a_url_selects_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CADABRA_DYNAMODB_URL", "postgresql://cadabra:secret@db:5432/cadabra")
    settings = DynamoDBSettings()
    assert settings.url is not None
    assert "secret" not in repr(settings)
    assert settings.url.get_secret_value().startswith("postgresql://")


def test_the_endpoint_serves_the_operations_and_refuses_indexes(tmp_path: Path) -> None:
    service = DynamoDBService(SqliteStore(tmp_path / "d.sqlite3"))
    try:
        assert dynamodb_service(service).model == "dynamodb"
        operations = dynamodb_operations(service)
        assert {"CreateTable", "Query", "Scan", "BatchWriteItem", "PutItem"} <= set(operations)
        with pytest.raises(ValidationException, match="IndexName is not supported"):
            operations["Query"]({"TableName": "CadabraOrders", "IndexName": "ByDate"})
        listed = operations["ListTables"]({})
        assert listed == {"TableNames": []}
    finally:
        service.close()
