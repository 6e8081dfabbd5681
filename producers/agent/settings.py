"""Settings of Cadabra's Kinesis Agent (env prefix `CADABRA_AGENT_`), beside its agent.json.

agent.json stays the AWS agent's file; these settings say where it is and what Cadabra adds:
the endpoint used when agent.json leaves `kinesis.endpoint`/`firehose.endpoint` empty (default:
the stack's `CADABRA_ENDPOINT_URL`, else AWS), and an optional Prometheus port for its metrics.
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["AgentSettings"]


class AgentSettings(BaseSettings):
    """Where the agent's configuration is and what agent.json cannot say."""

    model_config = SettingsConfigDict(env_prefix="CADABRA_AGENT_")

    config: Path = Path("/etc/aws-kinesis/agent.json")
    # Used when agent.json's kinesis.endpoint / firehose.endpoint is missing or ""; unset =
    # CADABRA_ENDPOINT_URL (the stack's endpoint), and without that AWS itself.
    endpoint_url: str | None = None
    # Serve Prometheus metrics on this port (unset: no HTTP server).
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
