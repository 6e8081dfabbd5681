"""Settings of Firehose's delivery side: how workers read Kafka, when they look for new streams.

The delivery streams' own configuration (buffering hints, prefixes, compression, format
conversion, transformation) comes from CreateDeliveryStream/UpdateDestination, as on AWS; these
settings only tune the machinery. Environment prefix `CADABRA_DELIVERY_`.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DeliverySettings"]


class DeliverySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CADABRA_DELIVERY_")

    # How often the delivery service looks for created, updated and deleted delivery streams
    # (AWS's CREATING → ACTIVE takes seconds too).
    discover_interval_s: float = Field(default=2.0, gt=0)
    # Longest wait of one Kafka poll; buffers are checked for their interval at least this often.
    poll_timeout_s: float = Field(default=0.2, gt=0)
    # Records taken from Kafka per poll at most.
    poll_records: int = Field(default=10_000, gt=0)
    # Failed S3 writes are retried with backoff, up to this long, then the worker stops with the
    # error and is restarted by the service; nothing is committed, so nothing is lost.
    s3_retry_s: float = Field(default=60.0, gt=0)
    # Port of the delivery service's health and Prometheus metrics page (`firehose serve`).
    port: int = Field(default=4568, ge=0)
