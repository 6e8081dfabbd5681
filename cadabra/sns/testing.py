"""SNS behind a served endpoint app, and a boto3 SNS client on it: for tests and demos."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cadabra.endpoint.app import EndpointApp
from cadabra.endpoint.testing import serve_in_thread
from cadabra.sns.query import sns_query_service
from cadabra.sns.service import SnsService

__all__ = ["serve_sns", "sns_client"]


@contextmanager
def serve_sns(service: SnsService, port: int) -> Iterator[str]:
    """An endpoint app serving only SNS's query protocol on 127.0.0.1:port; yields its URL."""
    app = EndpointApp({}, query_services=[sns_query_service(service)])
    try:
        with serve_in_thread(app, port) as url:
            yield url
    finally:
        app.close()


def sns_client(endpoint_url: str, region: str = "us-east-1") -> Any:
    """A boto3 SNS client on the endpoint; no client-side retries, so errors surface."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "sns",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id="cadabra",
        aws_secret_access_key="cadabra-secret",  # noqa: S106 - the stack's default, not a secret
        config=Config(retries={"total_max_attempts": 1}),
    )
