"""Settings for every Cadabra component, read from the environment (prefix `CADABRA_`).

Only these classes read the environment. Each component takes its settings object; defaults are
AWS's where AWS has a number (quotas, retention, iterator age) and the native stack's otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = [
    "AuthSettings",
    "AwsSettings",
    "ContainerSettings",
    "EndpointSettings",
    "FirehoseSettings",
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
    endpoint_port: int = 4567
    delivery_port: int = 4568
    kafka_heap_mb: int = 512
    # Heap of each broker when `brokers` > 1 (the machines have 2 cores and a few GiB to share).
    kafka_cluster_heap_mb: int = 384
    s3_heap_mb: int = 256
    start_timeout_s: float = 120.0
    stop_timeout_s: float = 20.0
    java: str = "java"
    javac: str = "javac"
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


class EndpointSettings(BaseSettings):
    """The Kinesis/Firehose HTTP endpoint (`cadabra endpoint`)."""

    model_config = SettingsConfigDict(env_prefix="CADABRA_ENDPOINT_")

    host: str = "127.0.0.1"
    port: int = 4567
    # Clients reach it here; unset = http://<host>:<port>.
    url: str | None = None
    threads: int = 32


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


class FirehoseSettings(BaseSettings):
    """Amazon Data Firehose on Kafka: delivery streams, their topics and the Direct PUT quotas.

    The Direct PUT rates are AWS's for us-east-1, us-west-2 and eu-west-1 (per delivery stream,
    PutRecord and PutRecordBatch together); `quota_scale` multiplies all three.
    """

    model_config = SettingsConfigDict(env_prefix="CADABRA_FIREHOSE_")

    # Compacted topic holding every delivery stream's description (key = name).
    state_topic: str = "__cadabra_firehose"
    topic_prefix: str = "firehose."
    topic_partitions: int = Field(default=1, gt=0)
    # Direct PUT keeps undelivered data for 24 h.
    retention_hours: int = Field(default=24, gt=0)
    # AWS's quota of delivery streams per region (LimitExceededException beyond it).
    delivery_stream_limit: int = Field(default=5000, gt=0)
    # False admits every PutRecord/PutRecordBatch (no throttling at all).
    quota_enabled: bool = True
    quota_scale: float = Field(default=1.0, gt=0)
    put_requests_per_s: int = Field(default=2000, gt=0)
    put_records_per_s: int = Field(default=500_000, gt=0)
    put_bytes_per_s: int = Field(default=5 * MIB, gt=0)


class AuthSettings(BaseSettings):
    """How the endpoint authenticates callers: open (any key, like local emulators) or SigV4."""

    model_config = SettingsConfigDict(env_prefix="CADABRA_")

    # "sigv4" verifies every request's signature and date against `access_keys`.
    auth: Literal["open", "sigv4"] = "open"
    # Access key id -> secret, from "KEY:SECRET,KEY2:SECRET2"; None = the one pair
    # AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (see `key_secrets`).
    access_keys: Annotated[dict[str, SecretStr] | None, NoDecode] = Field(
        default=None, validation_alias=AliasChoices("CADABRA_AUTH_KEYS")
    )
    # Kinesis allows 5 minutes between the signed date and its clock, either way.
    max_clock_skew_s: int = Field(default=300, ge=0)

    @field_validator("access_keys", mode="before")
    @classmethod
    def _parse_access_keys(cls, value: object) -> object:
        return _access_keys_from_text(value) if isinstance(value, str) else value

    def key_secrets(self) -> dict[str, str]:
        """Access key id -> secret access key, the pair from `AwsSettings` when none are set."""
        if self.access_keys is None:
            aws = AwsSettings()
            return {aws.access_key_id: aws.secret_access_key.get_secret_value()}
        return {key: secret.get_secret_value() for key, secret in self.access_keys.items()}


def _access_keys_from_text(text: str) -> dict[str, SecretStr] | None:
    """Parse "KEY:SECRET,KEY2:SECRET2"; a blank value is None (the AWS_* pair)."""
    keys: dict[str, SecretStr] = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        key, _, secret = entry.partition(":")
        if not key.strip() or not secret.strip():
            raise ValueError("CADABRA_AUTH_KEYS entries must be KEY:SECRET, comma-separated")
        keys[key.strip()] = SecretStr(secret.strip())
    return keys or None


def all_settings_classes() -> list[type[BaseSettings]]:
    """Every settings class defined in this module, in definition order."""
    return [
        value
        for value in globals().values()
        if isinstance(value, type)
        and issubclass(value, BaseSettings)
        and value.__module__ == __name__
    ]


def settings_env_names(classes: Iterable[type[BaseSettings]] | None = None) -> dict[str, str]:
    """Every environment variable the settings classes read → its default, as an env would hold it.

    An empty string means unset by default (the field's default is None). `classes` defaults to
    this module's; the producers', processors' and sinks' own settings classes can be added.
    """
    names: dict[str, str] = {}
    for cls in all_settings_classes() if classes is None else classes:
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


class ContainerSettings(BaseSettings):
    """Images of the container stack and how long it may take to start."""

    model_config = SettingsConfigDict(env_prefix="CADABRA_CONTAINERS_")

    kafka_image: str = Field(
        default="apache/kafka:4.1.1", validation_alias=AliasChoices("KAFKA_IMAGE", "kafka_image")
    )
    minio_image: str = Field(
        default="minio/minio:RELEASE.2025-09-07T16-13-09Z",
        validation_alias=AliasChoices("MINIO_IMAGE", "minio_image"),
    )
    # The repo's Dockerfile: `docker build -t cadabra:dev .` (CI builds it FROM PYTHON_IMAGE).
    cadabra_image: str = Field(
        default="cadabra:dev", validation_alias=AliasChoices("CADABRA_IMAGE", "cadabra_image")
    )
    start_timeout_s: float = Field(default=180.0, gt=0)
