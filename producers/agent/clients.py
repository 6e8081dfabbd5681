"""boto3 clients the way the AWS agent builds them from agent.json.

`kinesis.endpoint` / `firehose.endpoint` may be a host (`kinesis.us-east-1.amazonaws.com`, as AWS
configs write it; https is assumed) or a URL (`http://127.0.0.1:4567`, Cadabra's endpoint); empty
or missing means the default: `CADABRA_AGENT_ENDPOINT_URL`, else the stack's `CADABRA_ENDPOINT_URL`,
else AWS itself.
Credentials: `awsAccessKeyId`/`awsSecretAccessKey`, else the usual AWS variables. boto3 does not
retry: the agent's own backoff retries only the failed entries.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from cadabra.config import AwsSettings, EndpointSettings
from producers.agent.config import AgentConfig, FlowConfig
from producers.agent.sender import Destination, FirehoseDestination, KinesisDestination
from producers.agent.settings import AgentSettings

__all__ = ["destination_for", "endpoint_url"]


def endpoint_url(configured: str | None, fallback: str | None) -> str | None:
    """The URL to call for an agent.json endpoint value."""
    if configured and configured.strip():
        value = configured.strip()
        return value if "://" in value else f"https://{value}"
    return fallback or None


def destination_for(
    flow: FlowConfig, config: AgentConfig, settings: AgentSettings, clients: dict[str, Any]
) -> Destination:
    """The destination of `flow`, sharing one client per service in `clients`."""
    service = flow.destination_type
    if service not in clients:
        clients[service] = _client(service, config, settings)
    if service == "kinesis":
        return KinesisDestination(clients[service], flow.destination)
    return FirehoseDestination(clients[service], flow.destination)


def _client(service: str, config: AgentConfig, settings: AgentSettings) -> Any:
    aws = AwsSettings()
    kinesis = service == "kinesis"
    configured = config.kinesis_endpoint if kinesis else config.firehose_endpoint
    region = (config.kinesis_region if kinesis else config.firehose_region) or config.kinesis_region
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint_url(configured, settings.endpoint_url or EndpointSettings().url),
        region_name=region or aws.region,
        aws_access_key_id=config.aws_access_key_id or aws.access_key_id,
        aws_secret_access_key=(
            config.aws_secret_access_key or aws.secret_access_key.get_secret_value()
        ),
        config=Config(
            retries={"total_max_attempts": 1},
            connect_timeout=10,
            read_timeout=60,
            max_pool_connections=max(10, config.max_sending_threads),
        ),
    )
