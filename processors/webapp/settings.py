"""Settings of the Cadabra client app (`cadabra web`, prefix `CADABRA_WEB_`).

The app reads the order-history table (DynamoDB `CadabraOrders`) and the alarm stream (Kinesis
`OrderRateAlarms`) through the AWS APIs at `endpoint_url`, as the course's client app would read
AWS, and serves a page and a JSON API on host:port.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from cadabra.config import EndpointSettings

__all__ = ["AlarmsStart", "WebSettings"]

AlarmsStart = Literal["LATEST", "TRIM_HORIZON"]


class WebSettings(BaseSettings):
    """Where the app listens, where it reads, and how many alarms it keeps."""

    model_config = SettingsConfigDict(env_prefix="CADABRA_WEB_")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65_535)
    # The AWS endpoint (DynamoDB and Kinesis); None = CADABRA_ENDPOINT_URL, else its host:port.
    endpoint_url: str | None = None
    orders_table: str = "CadabraOrders"
    alarms_stream: str = "OrderRateAlarms"
    # The alarm panel keeps this many of the newest alarms (in memory, per server).
    max_alarms: int = Field(default=50, ge=1, le=10_000)
    # Where the alarm reader starts in each shard open at startup; shards (or the stream) that
    # appear later are read from TRIM_HORIZON, since all they hold is newer than the app.
    alarms_start: AlarmsStart = "LATEST"
    # GetRecords once a second per shard (a Lambda poller's pace: 1 of the shard's 5 calls/s).
    alarms_poll_s: float = Field(default=1.0, gt=0)
    # How often the shard list is re-read, and the wait before retrying a missing stream.
    shard_refresh_s: float = Field(default=5.0, gt=0)

    def resolved_endpoint_url(self) -> str:
        if self.endpoint_url:
            return self.endpoint_url
        endpoint = EndpointSettings()
        return endpoint.url or f"http://{endpoint.host}:{endpoint.port}"
