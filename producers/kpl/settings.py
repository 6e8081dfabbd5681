"""The KPL's configuration (`KinesisProducerConfiguration`), read from `CADABRA_KPL_*`.

Field names are the KPL's keys in snake case (`AggregationMaxSize` -> `aggregation_max_size`,
env `CADABRA_KPL_AGGREGATION_MAX_SIZE`) with the KPL's defaults (KPL >= 1.0.6).
`KplSettings.from_properties` reads the KPL's own CamelCase keys, e.g. from a
`default_config.properties`. `endpoint_url` unset talks to real AWS with boto3's credential chain.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["KplSettings", "kinesis_client"]

MIB = 1024 * 1024


class KplSettings(BaseSettings):
    """A KPL-style producer's knobs (names and defaults of the KPL's configuration)."""

    model_config = SettingsConfigDict(env_prefix="CADABRA_KPL_")

    # Where Kinesis is: unset = AWS itself (boto3's region and credential chain).
    endpoint_url: str | None = None
    region: str = "us-east-1"
    aggregation_enabled: bool = True
    aggregation_max_count: int = Field(default=4_294_967_295, ge=1, le=2**63 - 1)
    # Records bigger than this bypass aggregation.
    aggregation_max_size: int = Field(default=51_200, ge=64, le=10 * MIB)
    collection_max_count: int = Field(default=500, ge=1, le=500)
    collection_max_size: int = Field(default=5 * MIB, ge=52_224)
    # Client-side check of a user record's data size (set it to the stream's max record size).
    max_user_record_size: int = Field(default=MIB, ge=1, le=10 * MIB)
    # How long a record may wait to be aggregated and collected; records reorder by <= 2x this.
    record_max_buffered_time: int = Field(default=100, ge=0)  # ms
    # Records not put after this long fail.
    record_ttl: int = Field(default=30_000, ge=100)  # ms
    fail_if_throttled: bool = False
    # Per-shard rate limit, % of the shard's 1,000 records/s and 1 MiB/s.
    rate_limit: int = Field(default=150, ge=1, le=9_223_372_036_854_775_807)
    max_connections: int = Field(default=24, ge=1, le=256)
    request_timeout: int = Field(default=6_000, ge=100)  # ms
    connect_timeout: int = Field(default=6_000, ge=100)  # ms

    @classmethod
    def from_properties(cls, properties: Mapping[str, Any]) -> KplSettings:
        """Settings from the KPL's CamelCase keys (`RecordMaxBufferedTime=200`); others refused."""
        values: dict[str, Any] = {}
        for key, value in properties.items():
            name = re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()
            if name not in cls.model_fields:
                raise ValueError(f"unknown KPL configuration key: {key}")
            values[name] = value
        return cls(**values)


def kinesis_client(settings: KplSettings) -> Any:
    """A boto3 Kinesis client for `settings`; its own retries are off (the producer retries)."""
    import boto3
    from botocore.config import Config

    from cadabra.config import AwsSettings

    config = Config(
        retries={"total_max_attempts": 1},
        max_pool_connections=settings.max_connections,
        connect_timeout=settings.connect_timeout / 1000,
        read_timeout=settings.request_timeout / 1000,
    )
    if settings.endpoint_url is None:
        return boto3.client("kinesis", region_name=settings.region, config=config)
    aws = AwsSettings()
    return boto3.client(
        "kinesis",
        endpoint_url=settings.endpoint_url,
        region_name=settings.region,
        aws_access_key_id=aws.access_key_id,
        aws_secret_access_key=aws.secret_access_key.get_secret_value(),
        config=config,
    )
