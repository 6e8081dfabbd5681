"""The AWS resources of the Cadabra pipelines, made through the endpoint as the course makes them.

Kinesis streams `CadabraOrders` and `OrderRateAlarms` (one shard each); Firehose `PurchaseLogs`
(the agent's raw CSV lines to `purchase-logs/`, GZIP) and `OrdersParquet` (CadabraOrders as
source, converted to Parquet with the catalog's `cadabra.orders` to `orders/`); the DynamoDB
table `CadabraOrders` (CustomerID, OrderID); the SNS topic `CadabraAlarms` with an SMS
subscription (logged) and the demo's own webhook. Each run starts from empty resources: what a
previous run left is deleted first, so the counts are this run's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from cadabra.config import AwsSettings, S3Settings
from cadabra.stack.clients import aws_client, s3_client

__all__ = ["DemoResources", "Hints"]

ORDERS = "CadabraOrders"
ALARMS = "OrderRateAlarms"
PURCHASE_LOGS = "PurchaseLogs"
ORDERS_PARQUET = "OrdersParquet"
TOPIC = "CadabraAlarms"
SMS_NUMBER = "+15555550100"
ROLE = "arn:aws:iam::{account}:role/cadabra-demo"
PREFIXES = ("purchase-logs/", "orders/", "errors/")


@dataclass(frozen=True)
class Hints:
    """The demo's buffering hints: AWS's defaults (300 s) shortened so objects land in time."""

    interval_s: int = 10
    size_mb: int = 1


class DemoResources:
    def __init__(self, endpoint_url: str, aws: AwsSettings, s3: S3Settings) -> None:
        self.aws, self.s3 = aws, s3
        self.kinesis = aws_client("kinesis", endpoint_url, aws)
        self.firehose = aws_client("firehose", endpoint_url, aws)
        self.dynamodb = aws_client("dynamodb", endpoint_url, aws)
        self.sns = aws_client("sns", endpoint_url, aws)
        self.bucket = s3_client(s3, aws)
        self.topic_arn = ""

    # -- from scratch --------------------------------------------------------------------

    def reset(self) -> None:
        for name in (PURCHASE_LOGS, ORDERS_PARQUET):
            _ignore_missing(
                lambda n=name: self.firehose.delete_delivery_stream(DeliveryStreamName=n)
            )
        for name in (ORDERS, ALARMS):
            _ignore_missing(lambda n=name: self.kinesis.delete_stream(StreamName=n))
            self.kinesis.get_waiter("stream_not_exists").wait(
                StreamName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150}
            )
        _ignore_missing(lambda: self.dynamodb.delete_table(TableName=ORDERS))
        for prefix in PREFIXES:
            self._empty(prefix)

    def _empty(self, prefix: str) -> None:
        pages = self.bucket.get_paginator("list_objects_v2")
        for page in pages.paginate(Bucket=self.s3.bucket, Prefix=prefix):
            # One by one: S3Proxy does not take DeleteObjects with the checksum boto3 sends.
            for item in page.get("Contents", []):
                self.bucket.delete_object(Bucket=self.s3.bucket, Key=item["Key"])

    def create(self, hints: Hints, webhook_url: str) -> None:
        for name in (ORDERS, ALARMS):
            self.kinesis.create_stream(StreamName=name, ShardCount=1)
        for name in (ORDERS, ALARMS):
            self.kinesis.get_waiter("stream_exists").wait(
                StreamName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100}
            )
        self._delivery_streams(hints)
        self.dynamodb.create_table(
            TableName=ORDERS,
            KeySchema=[
                {"AttributeName": "CustomerID", "KeyType": "HASH"},
                {"AttributeName": "OrderID", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "CustomerID", "AttributeType": "N"},
                {"AttributeName": "OrderID", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        self.topic_arn = self.sns.create_topic(Name=TOPIC)["TopicArn"]
        for protocol, endpoint in (("sms", SMS_NUMBER), ("http", webhook_url)):
            self.sns.subscribe(TopicArn=self.topic_arn, Protocol=protocol, Endpoint=endpoint)

    def _delivery_streams(self, hints: Hints) -> None:
        role = ROLE.format(account=self.aws.account_id)
        bucket_arn = f"arn:aws:s3:::{self.s3.bucket}"
        self.firehose.create_delivery_stream(
            DeliveryStreamName=PURCHASE_LOGS,
            DeliveryStreamType="DirectPut",
            ExtendedS3DestinationConfiguration={
                "RoleARN": role,
                "BucketARN": bucket_arn,
                "Prefix": "purchase-logs/",
                "ErrorOutputPrefix": "errors/purchase-logs/!{firehose:error-output-type}/",
                "BufferingHints": {
                    "SizeInMBs": hints.size_mb,
                    "IntervalInSeconds": hints.interval_s,
                },
                "CompressionFormat": "GZIP",
            },
        )
        stream_arn = self.kinesis.describe_stream_summary(StreamName=ORDERS)[
            "StreamDescriptionSummary"
        ]["StreamARN"]
        self.firehose.create_delivery_stream(
            DeliveryStreamName=ORDERS_PARQUET,
            DeliveryStreamType="KinesisStreamAsSource",
            KinesisStreamSourceConfiguration={"KinesisStreamARN": stream_arn, "RoleARN": role},
            ExtendedS3DestinationConfiguration={
                "RoleARN": role,
                "BucketARN": bucket_arn,
                "Prefix": "orders/",
                "ErrorOutputPrefix": "errors/orders/!{firehose:error-output-type}/",
                "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": hints.interval_s},
                "DataFormatConversionConfiguration": {
                    "SchemaConfiguration": {
                        "DatabaseName": "cadabra",
                        "TableName": "orders",
                        "RoleARN": role,
                    },
                    "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {}}},
                    "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {}}},
                },
            },
        )


def _ignore_missing(call: Any) -> None:
    try:
        call()
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("ResourceNotFoundException", "NotFound"):
            raise
