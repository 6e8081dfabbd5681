"""Where the client app reads: the order-history table and the alarm stream, as interfaces.

`OrdersSource` answers a DynamoDB Query on the table's partition key; `DynamoDBOrders` is the real
one (boto3's DynamoDB resource: `Table.query(KeyConditionExpression=Key("CustomerID").eq(n))`,
following LastEvaluatedKey through every 1 MB page). `AlarmsSource` hands out the alarms kept so
far; `AlarmBoard` is one, and `KinesisAlarms` (kinesis_alarms.py) fills one from Kinesis.
"""

from __future__ import annotations

from typing import Any, Protocol

from cadabra.config import AwsSettings
from processors.webapp.alarms import Alarm, AlarmsStatus

__all__ = ["AlarmsSource", "DynamoDBOrders", "OrdersSource", "aws_client", "dynamodb_table"]


class OrdersSource(Protocol):
    def query(self, customer_id: int) -> list[dict[str, Any]]:
        """Every item whose CustomerID is `customer_id`, in sort-key (OrderID) order."""
        ...


class AlarmsSource(Protocol):
    def since(self, after: int = 0) -> list[Alarm]:
        """The kept alarms numbered above `after`, oldest first."""
        ...

    def status(self) -> AlarmsStatus: ...


def _credentials(aws: AwsSettings) -> dict[str, str]:
    return {
        "region_name": aws.region,
        "aws_access_key_id": aws.access_key_id,
        "aws_secret_access_key": aws.secret_access_key.get_secret_value(),
    }


def aws_client(service: str, endpoint_url: str, aws: AwsSettings | None = None) -> Any:
    """A boto3 client of `service` on Cadabra's endpoint; one attempt (callers decide on retry)."""
    import boto3
    from botocore.config import Config

    config = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30)
    return boto3.client(  # type: ignore[call-overload]
        service, endpoint_url=endpoint_url, config=config, **_credentials(aws or AwsSettings())
    )


def dynamodb_table(table: str, endpoint_url: str, aws: AwsSettings | None = None) -> Any:
    """boto3's DynamoDB `Table` resource for `table` on the endpoint."""
    import boto3
    from botocore.config import Config

    config = Config(retries={"total_max_attempts": 2}, connect_timeout=5, read_timeout=30)
    resource = boto3.resource(  # type: ignore[call-overload]
        "dynamodb", endpoint_url=endpoint_url, config=config, **_credentials(aws or AwsSettings())
    )
    return resource.Table(table)


class DynamoDBOrders:
    """A customer's items from DynamoDB, by Query on the partition key CustomerID."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def query(self, customer_id: int) -> list[dict[str, Any]]:
        from boto3.dynamodb.conditions import Key

        request: dict[str, Any] = {"KeyConditionExpression": Key("CustomerID").eq(customer_id)}
        items: list[dict[str, Any]] = []
        while True:
            page = self.table.query(**request)
            items += page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return items
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
