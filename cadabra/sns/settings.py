"""Settings of Cadabra's Amazon SNS stand-in (environment prefix `CADABRA_SNS_`).

Topics and their subscriptions live in a compacted Kafka topic (`state_topic`); the messages
published to topic `T` are kept in the Kafka topic `<topic_prefix>T` until the notifier
(`sinks/notify`) has delivered them.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["SnsSettings"]


class SnsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CADABRA_SNS_")

    # Compacted topic holding every SNS topic with its subscriptions (key = topic name).
    state_topic: str = "__cadabra_sns"
    # Published messages of topic T go to the Kafka topic <prefix>T (letters, digits, . _ -).
    topic_prefix: str = Field(default="sns.", pattern=r"^[A-Za-z0-9._-]+$")
    # How long undelivered messages stay in Kafka.
    retention_hours: int = Field(default=24, gt=0)
    # AWS's default quota of standard topics per account.
    topic_limit: int = Field(default=100_000, gt=0)
    # AWS's quota of subscriptions per standard topic.
    subscription_limit: int = Field(default=12_500_000, gt=0)
