"""Cadabra's Amazon DynamoDB stand-in: tables and items in SQLite or PostgreSQL.

The course's order-history pipeline ends in the DynamoDB table `CadabraOrders` (partition key
CustomerID, sort key OrderID); this package serves that table behind the endpoint, so boto3's
`dynamodb` client and resource work against it by `endpoint_url` only.
"""

from __future__ import annotations

from cadabra.dynamodb.errors import (
    ConditionalCheckFailedException,
    DynamoDBError,
    ResourceInUseException,
    ResourceNotFoundException,
    ValidationException,
)
from cadabra.dynamodb.service import DynamoDBService, open_store
from cadabra.dynamodb.settings import DynamoDBSettings
from cadabra.dynamodb.store import TableStore

__all__ = [
    "ConditionalCheckFailedException",
    "DynamoDBError",
    "DynamoDBService",
    "DynamoDBSettings",
    "ResourceInUseException",
    "ResourceNotFoundException",
    "TableStore",
    "ValidationException",
    "open_store",
]
