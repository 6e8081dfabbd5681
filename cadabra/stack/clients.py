"""Clients of the stack's services, configured the way S3Proxy and KRaft need.

Current boto3 sends flexible checksums (CRC32 trailers) that S3Proxy answers with
NotImplemented; `when_required` sends them only where S3 mandates them, as MinIO and AWS accept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from confluent_kafka.admin import AdminClient

from cadabra.config import AwsSettings, S3Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["CHECKSUM_ENV", "aws_client", "ensure_bucket", "kafka_admin", "s3_client"]

CHECKSUM_ENV = {
    "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required",
    "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
}


def s3_client(
    s3: S3Settings | None = None,
    aws: AwsSettings | None = None,
    *,
    endpoint_url: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    region: str | None = None,
) -> S3Client:
    """A boto3 S3 client for the stack's S3 server; keywords override the settings."""
    s3 = s3 or S3Settings()
    aws = aws or AwsSettings()
    config = Config(
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        s3={"addressing_style": "path"},
        retries={"max_attempts": 3, "mode": "standard"},
    )
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url or s3.endpoint_url,
        aws_access_key_id=access_key or aws.access_key_id,
        aws_secret_access_key=secret_key or aws.secret_access_key.get_secret_value(),
        region_name=region or aws.region,
        config=config,
    )


def aws_client(service: str, endpoint_url: str, aws: AwsSettings | None = None) -> Any:
    """A boto3 client of `service` (kinesis, firehose, dynamodb, sns) at Cadabra's endpoint."""
    aws = aws or AwsSettings()
    make: Any = boto3.client
    return make(
        service,
        endpoint_url=endpoint_url,
        region_name=aws.region,
        aws_access_key_id=aws.access_key_id,
        aws_secret_access_key=aws.secret_access_key.get_secret_value(),
        config=Config(retries={"mode": "standard", "max_attempts": 5}),
    )


def ensure_bucket(client: S3Client, bucket: str) -> bool:
    """Create `bucket` unless it exists; True when it was created."""
    if not 3 <= len(bucket) <= 63:
        raise ValueError(f"S3 bucket names have 3 to 63 characters, not {bucket!r}")
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
            raise
        client.create_bucket(Bucket=bucket)
        return True
    return False


def kafka_admin(bootstrap: str, **config: Any) -> AdminClient:
    """A confluent_kafka AdminClient; `config` adds librdkafka properties."""
    return AdminClient({"bootstrap.servers": bootstrap, **config})
