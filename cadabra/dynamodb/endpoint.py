"""DynamoDB behind Cadabra's endpoint: target prefix DynamoDB_20120810, AWS JSON 1.0.

Each operation maps onto a DynamoDBService method (request members as keyword arguments). Members
of AWS's model that Cadabra does not reproduce (secondary indexes, streams, parallel scans and the
legacy pre-expression parameters) are refused with a ValidationException naming them rather than
silently ignored; members that change nothing here (ConsistentRead, ReturnConsumedCapacity, Tags,
SSESpecification, TableClass) are accepted and ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore import xform_name

from cadabra.dynamodb.errors import ValidationException
from cadabra.dynamodb.service import DynamoDBService
from cadabra.endpoint.app import Service
from cadabra.endpoint.operations import Handler, adapt

__all__ = ["TARGET_PREFIX", "dynamodb_operations", "dynamodb_service"]

TARGET_PREFIX = "DynamoDB_20120810"
_LEGACY = ("Expected", "ConditionalOperator", "AttributesToGet")
_REFUSED: dict[str, tuple[str, ...]] = {
    "CreateTable": (
        "LocalSecondaryIndexes",
        "GlobalSecondaryIndexes",
        "StreamSpecification",
        "GlobalTableSourceArn",
        "VectorIndexes",
    ),
    "DescribeTable": (),
    "ListTables": (),
    "DeleteTable": (),
    "PutItem": _LEGACY,
    "GetItem": _LEGACY,
    "DeleteItem": _LEGACY,
    "BatchWriteItem": (),
    "Query": (*_LEGACY, "IndexName", "KeyConditions", "QueryFilter"),
    "Scan": (*_LEGACY, "IndexName", "ScanFilter", "Segment", "TotalSegments"),
}


def dynamodb_service(service: DynamoDBService) -> Service:
    return Service("dynamodb", dynamodb_operations(service))


def dynamodb_operations(service: DynamoDBService) -> dict[str, Handler]:
    """AWS operation name → handler(request document) → response document."""
    table: dict[str, Handler] = {}
    for operation, refused in _REFUSED.items():
        method: Callable[..., dict[str, Any]] = getattr(service, xform_name(operation))
        table[operation] = _refusing(refused, adapt(method))
    return table


def _refusing(refused: tuple[str, ...], handler: Handler) -> Handler:
    def guarded(request: dict[str, Any]) -> dict[str, Any]:
        for member in refused:
            if request.get(member) not in (None, [], {}):
                raise ValidationException(f"{member} is not supported by Cadabra's DynamoDB")
        return handler(request)

    guarded.__name__ = handler.__name__
    return guarded
