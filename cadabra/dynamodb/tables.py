"""CreateTable's checks and the TableDescription DynamoDB answers with.

Tables are created ACTIVE (there is no provisioning to wait for; boto3's `table_exists` waiter
returns at its first DescribeTable). The key schema takes a HASH key and an optional RANGE key of
type S, N or B, each defined in AttributeDefinitions; both billing modes are accepted and shown.
Secondary indexes and streams are not reproduced (the endpoint refuses those members).
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from cadabra.dynamodb.errors import ValidationException
from cadabra.dynamodb.keys import KeyAttribute, KeySchema

__all__ = ["check_table_name", "new_description", "schema_of", "shown"]

_NAME = re.compile(r"[a-zA-Z0-9_.-]{3,255}")


def check_table_name(name: str) -> str:
    """The table a TableName (or table ARN) names; AWS's validation errors otherwise."""
    if name.startswith("arn:"):
        name = name.rpartition(":table/")[2]
    if not _NAME.fullmatch(name):
        raise ValidationException(
            f"1 validation error detected: Value '{name}' at 'tableName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and "
            "have length between 3 and 255"
        )
    return name


def new_description(request: dict[str, Any], region: str, account_id: str) -> dict[str, Any]:
    name = request["TableName"]
    key_schema = _key_schema(request.get("KeySchema"))
    definitions = _definitions(request.get("AttributeDefinitions"), key_schema)
    mode = request.get("BillingMode") or "PROVISIONED"
    now = datetime.now(UTC).timestamp()
    description: dict[str, Any] = {
        "AttributeDefinitions": definitions,
        "TableName": name,
        "KeySchema": key_schema,
        "CreationDateTime": now,
        "ProvisionedThroughput": _throughput(mode, request.get("ProvisionedThroughput")),
        "TableArn": f"arn:aws:dynamodb:{region}:{account_id}:table/{name}",
        "TableId": str(uuid.uuid4()),
        "DeletionProtectionEnabled": bool(request.get("DeletionProtectionEnabled")),
    }
    if mode == "PAY_PER_REQUEST":
        description["BillingModeSummary"] = {
            "BillingMode": mode,
            "LastUpdateToPayPerRequestDateTime": now,
        }
    return description


def _key_schema(elements: list[dict[str, str]] | None) -> list[dict[str, str]]:
    if not elements:
        raise ValidationException(
            "1 validation error detected: Value null at 'keySchema' failed to satisfy "
            "constraint: Member must not be null"
        )
    if len(elements) > 2:
        raise ValidationException(
            "1 validation error detected: Value at 'keySchema' failed to satisfy constraint: "
            "Member must have length less than or equal to 2"
        )
    if elements[0]["KeyType"] != "HASH":
        raise ValidationException(
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"
        )
    if len(elements) == 2 and elements[1]["KeyType"] != "RANGE":
        raise ValidationException(
            "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"
        )
    if len(elements) == 2 and elements[0]["AttributeName"] == elements[1]["AttributeName"]:
        raise ValidationException(
            "Invalid KeySchema: Both the Hash Key and the Range Key element in the KeySchema "
            "have the same name"
        )
    return [{"AttributeName": e["AttributeName"], "KeyType": e["KeyType"]} for e in elements]


def _definitions(
    definitions: list[dict[str, str]] | None, key_schema: list[dict[str, str]]
) -> list[dict[str, str]]:
    if not definitions:
        raise ValidationException(
            "1 validation error detected: Value null at 'attributeDefinitions' failed to satisfy "
            "constraint: Member must not be null"
        )
    defined = {d["AttributeName"] for d in definitions}
    keys = [e["AttributeName"] for e in key_schema]
    missing = [k for k in keys if k not in defined]
    if missing:
        raise ValidationException(
            "One or more parameter values were invalid: Some index key attributes are not "
            f"defined in AttributeDefinitions. Keys: [{', '.join(keys)}], AttributeDefinitions: "
            f"[{', '.join(sorted(defined))}]"
        )
    if len(definitions) != len(keys):
        raise ValidationException(
            "One or more parameter values were invalid: Number of attributes in KeySchema does "
            "not exactly match number of attributes defined in AttributeDefinitions"
        )
    return [
        {"AttributeName": d["AttributeName"], "AttributeType": d["AttributeType"]}
        for d in definitions
    ]


def _throughput(mode: str, throughput: dict[str, int] | None) -> dict[str, int]:
    if mode == "PROVISIONED" and not throughput:
        raise ValidationException(
            "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits "
            "must both be specified when BillingMode is PROVISIONED"
        )
    if mode == "PAY_PER_REQUEST" and throughput:
        raise ValidationException(
            "One or more parameter values were invalid: Neither ReadCapacityUnits nor "
            "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
        )
    given = throughput or {}
    return {
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": int(given.get("ReadCapacityUnits", 0)),
        "WriteCapacityUnits": int(given.get("WriteCapacityUnits", 0)),
    }


def schema_of(description: dict[str, Any]) -> KeySchema:
    types = {d["AttributeName"]: d["AttributeType"] for d in description["AttributeDefinitions"]}
    attributes = [
        KeyAttribute(e["AttributeName"], types[e["AttributeName"]])
        for e in description["KeySchema"]
    ]
    return KeySchema(attributes[0], attributes[1] if len(attributes) > 1 else None)


def shown(description: dict[str, Any], status: str, count: int, size: int) -> dict[str, Any]:
    """The TableDescription of an answer: timestamps as datetimes, status and counts added."""
    table: dict[str, Any] = json.loads(json.dumps(description))
    table["CreationDateTime"] = datetime.fromtimestamp(description["CreationDateTime"], UTC)
    summary = table.get("BillingModeSummary")
    if summary:
        summary["LastUpdateToPayPerRequestDateTime"] = datetime.fromtimestamp(
            summary["LastUpdateToPayPerRequestDateTime"], UTC
        )
    table.update(TableStatus=status, ItemCount=count, TableSizeBytes=size)
    return table
