"""CADABRA_AUTH=sigv4: the endpoint verifies signatures and rejects callers as Kinesis does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config

from cadabra.config import AuthSettings
from cadabra.endpoint.app import EndpointApp, Service
from cadabra.endpoint.auth import Authenticator
from cadabra.endpoint.kinesis_ops import kinesis_operations
from cadabra.endpoint.server import KINESIS_PREFIX
from cadabra.endpoint.testing import serve_in_thread
from cadabra.stack.net import free_port_block
from cadabra.streams import StreamsService


@pytest.fixture(scope="module")
def signed_url(streams_service: StreamsService) -> Iterator[str]:
    settings = AuthSettings(auth="sigv4", CADABRA_AUTH_KEYS="AKIDCADABRA:s3cret")
    services = {KINESIS_PREFIX: Service("kinesis", kinesis_operations(streams_service), cbor=True)}
    app = EndpointApp(services, authenticator=Authenticator(settings))
    with serve_in_thread(app, free_port_block(1)) as url:
        yield url
    app.close()


def _client(url: str, key: str, secret: str) -> Any:
    return boto3.client(
        "kinesis",
        endpoint_url=url,
        region_name="eu-west-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"total_max_attempts": 1}),
    )


def test_a_signed_request_with_a_known_key_passes(signed_url: str) -> None:
    assert "StreamNames" in _client(signed_url, "AKIDCADABRA", "s3cret").list_streams()


def test_a_wrong_secret_is_an_invalid_signature(signed_url: str) -> None:
    client = _client(signed_url, "AKIDCADABRA", "wrong")
    with pytest.raises(client.exceptions.ClientError) as caught:
        client.list_streams()
    assert caught.value.response["Error"]["Code"] == "InvalidSignatureException"


def test_an_unknown_key_is_an_unrecognized_client(signed_url: str) -> None:
    client = _client(signed_url, "AKIDSTRANGER", "s3cret")
    with pytest.raises(client.exceptions.ClientError) as caught:
        client.list_streams()
    assert caught.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_an_unsigned_request_is_missing_a_token(signed_url: str) -> None:
    reply = httpx.post(
        signed_url,
        content=b"{}",
        headers={
            "X-Amz-Target": "Kinesis_20131202.ListStreams",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    assert reply.status_code == 400
    assert reply.json()["__type"] == "MissingAuthenticationTokenException"
