"""Settings for every Cadabra component, read from the environment (prefix `CADABRA_`).

Only these classes read the environment. Each component takes its settings object; defaults are
AWS's where AWS has a number (quotas, retention, iterator age) and the native stack's otherwise.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "AwsSettings",
    "KafkaSettings",
    "QuotaSettings",
    "S3Settings",
    "StackSettings",
    "StreamsSettings",
    "all_settings_classes",
    "settings_env_names",
]

MIB = 1024 * 1024


class KafkaSettings(BaseSettings):
    """How to reach the Kafka cluster that holds the streams."""

    model_config = SettingsConfigDict(env_prefix="CADABRA_KAFKA_")

    bootstrap: str = "127.0.0.1:9092"
    # Replication of stream topics; None = min(3, brokers in the cluster).
    replication_factor: int | None = None


class AwsSettings(BaseSettings):
    """The AWS identity and region clients present; standard AWS variable names."""

    model_config = SettingsConfigDict()

    access_key_id: str = Field(
        default="cadabra", validation_alias=AliasChoices("AWS_ACCESS_KEY_ID")
    )
    secret_access_key: SecretStr = Field(
        default=SecretStr("cadabra-secret"),
        validation_alias=AliasChoices("AWS_SECRET_ACCESS_KEY"),
    )
    region: str = Field(default="us-east-1", validation_alias=AliasChoices("AWS_DEFAULT_REGION"))
    account_id: str = Field(
        default="000000000000", validation_alias=AliasChoices("CADABRA_ACCOUNT_ID")
    )


class S3Settings(BaseSettings):
    """The S3-protocol server (MinIO under Docker, S3Proxy natively)."""

    model_config = SettingsConfigDict(env_prefix="CADABRA_S3_")

    endpoint_url: str = "http://127.0.0.1:9000"
    bucket: str = "cadabra"


class StackSettings(BaseSettings):
    """The native stack that `cadabra stack up` starts without Docker."""

    model_config = SettingsConfigDict(env_prefix="CADABRA_STACK_")

    home: Path = Path(".cadabra")
    brokers: int = 1
    # Broker i (from 0) listens on kafka_port + 2i and its controller on controller_port + 2i,
    # so the default 9092/9093 pair interleaves without clashes for up to a few brokers.
    kafka_port: int = 9092
    controller_port: int = 9093
    s3_port: int = 9000
    kafka_heap_mb: int = 512
    # Heap of each broker when `brokers` > 1 (the machines have 2 cores and a few GiB to share).
    kafka_cluster_heap_mb: int = 384
    s3_heap_mb: int = 256
    start_timeout_s: float = 120.0
    stop_timeout_s: float = 20.0
    java: str = "java"
    mvn: str = "mvn"
    # Where resolved classpaths are cached; None = <home>/cache. Tests share one across homes.
    cache_dir: Path | None = None


class QuotaSettings(BaseSettings):
    """AWS's per-shard limits (KDS quotas); `scale` multiplies all of them (1.0 = AWS).

    Each limit is a token bucket holding one second of its rate. The GetRecords penalty after a
    large read is not a setting: a read that overdraws the byte budget blocks the shard's reads for
    its size ÷ `read_bytes_per_s` (10 MiB ÷ 2 MiB/s = AWS's 5 s); see `cadabra/quotas/shard.py`.
    """

    model_config = SettingsConfigDict(env_prefix="CADABRA_QUOTA_")

    # False admits every call (no throttling at all).
    enabled: bool = True
    # Multiplies every rate and bucket below; 2.0 = twice AWS's per-shard throughput.
    scale: float = Field(default=1.0, gt=0)
    write_records_per_s: int = Field(default=1000, gt=0)
    # Data blob + partition key bytes.
    write_bytes_per_s: int = Field(default=MIB, gt=0)
    # GetRecords calls, shared by all polling consumers of a shard.
    read_calls_per_s: int = Field(default=5, gt=0)
    read_bytes_per_s: int = Field(default=2 * MIB, gt=0)


class StreamsSettings(BaseSettings):
    """Kinesis Data Streams semantics on Kafka."""

    model_config = SettingsConfigDict(env_prefix="CADABRA_STREAMS_")

    shard_map_topic: str = "__cadabra_shard_map"
    topic_prefix: str = "kinesis."
    iterator_ttl_s: float = 300.0
    default_retention_hours: int = 24
    max_record_size_kib: int = 1024
    # AWS's default shard quota per account is 20,000 in the big regions; a Kafka partition per
    # shard on one laptop makes a smaller default wiser.
    shard_limit: int = 500
    # Signs shard iterators so a tampered iterator is rejected; share it across a stack.
    iterator_secret: SecretStr = SecretStr("cadabra-iterators")


def all_settings_classes() -> list[type[BaseSettings]]:
    """Every settings class defined in this module, in definition order."""
    return [
        value
        for value in globals().values()
        if isinstance(value, type)
        and issubclass(value, BaseSettings)
        and value.__module__ == __name__
    ]


def settings_env_names() -> dict[str, str]:
    """Every environment variable the settings classes read → its default, as an env would hold it.

    An empty string means unset by default (the field's default is None).
    """
    names: dict[str, str] = {}
    for cls in all_settings_classes():
        prefix = cls.model_config.get("env_prefix") or ""
        for field_name, field in cls.model_fields.items():
            default = _env_default(field.get_default(call_default_factory=True))
            for name in _field_env_names(prefix, field_name, field.validation_alias):
                names[name] = default
    return names


def _field_env_names(prefix: str, field_name: str, alias: object) -> list[str]:
    # pydantic-settings reads an aliased field under its alias(es) only, without the prefix.
    if isinstance(alias, AliasChoices):
        return [choice.upper() for choice in alias.choices if isinstance(choice, str)]
    if isinstance(alias, str):
        return [alias.upper()]
    return [f"{prefix}{field_name}".upper()]


def _env_default(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return str(value)
