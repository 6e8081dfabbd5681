"""Which stack the test suite runs against, as one importable, typed function.

`provide_stack` picks one stack kind:
1. "configured": the stack named in the environment (CADABRA_KAFKA_BOOTSTRAP set), used as it is.
2. Else "native" where java and mvn are on PATH: a NativeStack in a temporary home on free ports.
3. Else "containers" where a container engine answers: every service under testcontainers.
4. Else "native" anyway, which fails saying what is missing.
`stack_kinds` lists every kind this machine can run (the integration tests run on each of them).
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from confluent_kafka.admin import AdminClient

from cadabra.config import AwsSettings, EndpointSettings, KafkaSettings, S3Settings, StackSettings
from cadabra.stack.clients import CHECKSUM_ENV, ensure_bucket, kafka_admin, s3_client
from cadabra.stack.native import NativeStack
from cadabra.stack.net import free_port_block

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = [
    "StackEndpoints",
    "StackKind",
    "configured_or_native_bootstrap",
    "default_stack_kind",
    "docker_answers",
    "native_available",
    "native_settings",
    "provide_stack",
    "stack_kinds",
]

logger = logging.getLogger(__name__)


StackKind = Literal["configured", "native", "containers"]


@dataclass(frozen=True)
class StackEndpoints:
    """How tests reach the stack's services.

    `endpoint_url` (the Kinesis/Firehose/DynamoDB/SNS endpoint) and `delivery_url` (the back
    end's health and metrics page) are None where the stack has no such service (a configured
    stack that names none). `native` is set when the stack is a NativeStack the suite may manage
    (stop and start its processes); tests that do so run on the native stack only.
    """

    kafka_bootstrap: str
    s3_endpoint_url: str
    access_key: str
    secret_key: str
    region: str
    native: NativeStack | None = None
    bucket: str = "cadabra"
    kind: StackKind = "configured"
    endpoint_url: str | None = None
    delivery_url: str | None = None

    def env(self) -> dict[str, str]:
        """The variables `cadabra stack env` prints, for subprocesses under test."""
        services = {"CADABRA_ENDPOINT_URL": self.endpoint_url} if self.endpoint_url else {}
        return {
            "CADABRA_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            "CADABRA_S3_ENDPOINT_URL": self.s3_endpoint_url,
            "CADABRA_S3_BUCKET": self.bucket,
            **services,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": self.region,
            **CHECKSUM_ENV,
        }

    def with_services(self, *, endpoint_url: str, delivery_url: str) -> StackEndpoints:
        """A copy that also names the endpoint and the back end."""
        return dataclasses.replace(self, endpoint_url=endpoint_url, delivery_url=delivery_url)

    def settings(self) -> tuple[KafkaSettings, S3Settings, AwsSettings]:
        """The Kafka, S3 and AWS settings of a client of this stack."""
        aws = AwsSettings.model_validate(
            {
                "AWS_ACCESS_KEY_ID": self.access_key,
                "AWS_SECRET_ACCESS_KEY": self.secret_key,
                "AWS_DEFAULT_REGION": self.region,
            }
        )
        s3 = S3Settings(endpoint_url=self.s3_endpoint_url, bucket=self.bucket)
        return KafkaSettings(bootstrap=self.kafka_bootstrap), s3, aws

    def s3_client(self) -> S3Client:
        return s3_client(
            endpoint_url=self.s3_endpoint_url,
            access_key=self.access_key,
            secret_key=self.secret_key,
            region=self.region,
        )

    def kafka_admin(self) -> AdminClient:
        return kafka_admin(self.kafka_bootstrap)


def _configured() -> StackEndpoints:
    """The stack the environment names; `native` is set when it is the NativeStack in
    CADABRA_STACK_HOME (as after `eval "$(cadabra stack env --export)"`)."""
    aws, bootstrap = AwsSettings(), KafkaSettings().bootstrap
    native = NativeStack()
    same = native.is_running() and native.env().get("CADABRA_KAFKA_BOOTSTRAP") == bootstrap
    native_env = native.env() if same else {}
    return StackEndpoints(
        kafka_bootstrap=bootstrap,
        s3_endpoint_url=S3Settings().endpoint_url,
        access_key=aws.access_key_id,
        secret_key=aws.secret_access_key.get_secret_value(),
        region=aws.region,
        native=native if same else None,
        bucket=S3Settings().bucket,
        endpoint_url=EndpointSettings().url or native_env.get("CADABRA_ENDPOINT_URL"),
        delivery_url=_delivery_url(native) if same else None,
    )


def _delivery_url(native: NativeStack) -> str:
    return f"http://127.0.0.1:{native.layout.delivery_port}"


def native_available(settings: StackSettings | None = None) -> bool:
    """True when the native stack's tools (java, and mvn to resolve its jars) are on PATH."""
    settings = settings or StackSettings()
    return all(shutil.which(tool) for tool in (settings.java, settings.mvn))


def docker_answers() -> bool:
    """True when a Docker engine answers a ping (quickly False on machines without one)."""
    with warnings.catch_warnings():
        # docker-py leaves its socket unclosed when the engine is missing; collect it here.
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            return _ping_docker()
        except Exception:  # no engine, no socket, no permission: all mean "no Docker"
            return False
        finally:
            gc.collect()


def _ping_docker() -> bool:
    import docker  # type: ignore[import-untyped]

    client = docker.from_env(timeout=3)
    try:
        return bool(client.ping())
    finally:
        client.close()


def native_settings(home: Path, brokers: int = 1, cache_dir: Path | None = None) -> StackSettings:
    """Settings for a NativeStack in `home` on free ports (2 per broker in a row, plus S3)."""
    base = free_port_block(2 * brokers)
    return StackSettings(
        home=home,
        brokers=brokers,
        kafka_port=base,
        controller_port=base + 1,
        s3_port=free_port_block(1),
        endpoint_port=free_port_block(1),
        delivery_port=free_port_block(1),
        cache_dir=cache_dir,
    )


@contextmanager
def _native(home: Path, cache_dir: Path | None) -> Iterator[StackEndpoints]:
    stack = NativeStack(native_settings(home, cache_dir=cache_dir))
    try:
        env = stack.up().env
        yield StackEndpoints(
            kafka_bootstrap=env["CADABRA_KAFKA_BOOTSTRAP"],
            s3_endpoint_url=env["CADABRA_S3_ENDPOINT_URL"],
            access_key=env["AWS_ACCESS_KEY_ID"],
            secret_key=env["AWS_SECRET_ACCESS_KEY"],
            region=env["AWS_DEFAULT_REGION"],
            native=stack,
            bucket=stack.s3.bucket,
            kind="native",
            endpoint_url=env["CADABRA_ENDPOINT_URL"],
            delivery_url=_delivery_url(stack),
        )
    finally:
        stack.down()


def _configured_named() -> bool:
    return "bootstrap" in KafkaSettings().model_fields_set


def stack_kinds() -> list[StackKind]:
    """Every kind of stack this machine runs: the configured one alone, else native and/or
    containers (both where java and mvn are found and a container engine answers)."""
    if _configured_named():
        return ["configured"]
    kinds: list[StackKind] = ["native"] if native_available() else []
    if docker_answers():
        kinds.append("containers")
    return kinds or ["native"]


def default_stack_kind() -> StackKind:
    """The one kind `provide_stack` picks (see the module docstring for the order)."""
    if _configured_named():
        return "configured"
    if native_available() or not docker_answers():
        return "native"
    return "containers"


@contextmanager
def provide_stack(
    home: Path, cache_dir: Path | None = None, kind: StackKind | None = None
) -> Iterator[StackEndpoints]:
    """The stack of `kind` (default: `default_stack_kind()`) for a test session, in `home`."""
    kind = kind or default_stack_kind()
    if kind == "configured":
        logger.info("tests use the stack named by CADABRA_KAFKA_BOOTSTRAP")
        endpoints = _configured()
        ensure_bucket(endpoints.s3_client(), endpoints.bucket)
        yield endpoints
    elif kind == "containers":
        from cadabra.stack.containers import container_stack

        logger.info("tests start the stack in containers (logs of failures in %s)", home)
        with container_stack(home) as endpoints:
            yield endpoints
    else:
        logger.info("tests start a native stack in %s", home)
        with _native(home, cache_dir) as endpoints:
            yield endpoints


@contextmanager
def configured_or_native_bootstrap() -> Iterator[str]:
    """The broker CADABRA_KAFKA_BOOTSTRAP names, or a native stack started for the caller."""
    if _configured_named():
        yield KafkaSettings().bootstrap
        return
    with tempfile.TemporaryDirectory() as home, provide_stack(Path(home)) as endpoints:
        yield endpoints.kafka_bootstrap
