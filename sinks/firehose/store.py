"""The S3 side of delivery: PutObject into the destination's bucket, retried like Firehose does.

Firehose retries a failed S3 delivery for up to 24 hours; here a worker retries with backoff for
`s3_retry_s`, then raises `DeliveryError` naming the bucket and key (the service restarts the
worker; nothing was committed, so nothing is lost). A missing bucket is not created: AWS reports
`S3.NoSuchBucket` and keeps retrying until someone creates it.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from cadabra.config import AwsSettings, S3Settings
from cadabra.errors import DeliveryError
from cadabra.stack.clients import s3_client

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["ObjectStore", "bucket_of"]

logger = logging.getLogger(__name__)

_BUCKET_ARN = "arn:aws:s3:::"


def bucket_of(bucket_arn: str) -> str:
    if not bucket_arn.startswith(_BUCKET_ARN) or len(bucket_arn) == len(_BUCKET_ARN):
        raise DeliveryError(f"BucketARN {bucket_arn!r} is not of the form arn:aws:s3:::<bucket>")
    return bucket_arn[len(_BUCKET_ARN) :]


class ObjectStore:
    def __init__(
        self,
        s3: S3Settings | None = None,
        aws: AwsSettings | None = None,
        *,
        retry_s: float = 60.0,
        client: S3Client | None = None,
    ) -> None:
        self._client = client or s3_client(s3, aws)
        self._retry_s = retry_s

    def put(
        self,
        bucket: str,
        key: str,
        body: bytes,
        content_type: str,
        stop: threading.Event | None = None,
    ) -> None:
        """Store the object; retried until `s3_retry_s` passes or `stop` is set."""
        deadline = time.monotonic() + self._retry_s
        delay = 0.2
        while True:
            try:
                self._client.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)
                return
            except (ClientError, BotoCoreError) as exc:
                code = _error_code(exc)
                if time.monotonic() + delay > deadline:
                    raise DeliveryError(
                        f"S3.{code}: could not write s3://{bucket}/{key} for "
                        f"{self._retry_s:.0f} s: {exc}"
                    ) from exc
                logger.warning("S3.%s writing s3://%s/%s, retrying: %s", code, bucket, key, exc)
                if (stop or threading.Event()).wait(delay):
                    raise DeliveryError(f"stopped while writing s3://{bucket}/{key}") from exc
                delay = min(delay * 2, 5.0)


def _error_code(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "Unknown"))
    return type(exc).__name__
