"""The test stack under a container engine: Kafka, an S3 server, the endpoint and the back end.

The same services as the native stack, from images (ContainerSettings: KAFKA_IMAGE, MINIO_IMAGE,
CADABRA_IMAGE, whose defaults are the official images and the repo's Dockerfile built as
`cadabra:dev`), on one network per session as docker-compose.yml wires them:

- Kafka listens twice: `kafka:9092` for containers (by network alias) and a free host port, bound
  to the same port number on the host and advertised as 127.0.0.1, for the tests.
- The S3 server is started with MinIO's command line, which the local S3Proxy image honours too.
- The endpoint (`cadabra endpoint`) reaches Kafka as `kafka:9092`; its port is published.
- The back end (`python -m sinks`: Firehose delivery and SNS notifications) runs on the host's
  network: SNS delivers to HTTP subscribers, and the tests' subscribers listen on the host's
  loopback, which a container on a bridge network cannot reach.

"Ready" means what it means for the native stack (the same probes). A service that dies or does
not answer in time fails with ServiceStartError naming it, with its container's last log lines
(the whole log is kept in `log_dir`). Everything is removed at the end, also after a failure.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import NoReturn

from docker.errors import DockerException  # type: ignore[import-untyped]
from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network

from cadabra.config import AwsSettings, ContainerSettings, S3Settings
from cadabra.errors import ServiceStartError, StackError
from cadabra.stack.clients import CHECKSUM_ENV, ensure_bucket
from cadabra.stack.kafka import brokers_answer
from cadabra.stack.net import free_port_block
from cadabra.stack.readiness import Deadline, Probe, tail, try_probe
from cadabra.stack.s3 import http_answers
from cadabra.stack.testing import StackEndpoints

__all__ = ["ContainerSettings", "container_stack"]

KAFKA_ALIAS = "kafka"
CLUSTER_ID = "b3ZbPBAKVrqixaxSC65msg"  # the one docker-compose.yml uses
ENDPOINT_PORT = 4567  # inside the endpoint's container, as in docker-compose.yml
LOG_LINES = 20
STOPPED = frozenset({"exited", "stopped", "dead"})  # Docker says "exited", Podman also "stopped"


@dataclass(frozen=True)
class _Session:
    """What every service of one stack shares: names, deadline, network, log folder, cleanup."""

    name: str
    settings: ContainerSettings
    aws: AwsSettings
    deadline: Deadline
    log_dir: Path
    cleanup: ExitStack
    network: Network


def _start(session: _Session, service: str, container: DockerContainer) -> DockerContainer:
    """Start `container` as `<session>-<service>`; it is removed when the session ends."""
    container.with_name(f"{session.name}-{service}")
    try:
        return session.cleanup.enter_context(container)
    except DockerException as exc:
        raise StackError(
            f"{service}: no container could be started from image {container.image!r} "
            f"(set its *_IMAGE variable to an image the engine has): {exc}"
        ) from exc


def _state(container: DockerContainer) -> str:
    wrapped = container.get_wrapped_container()
    wrapped.reload()
    return str(wrapped.status)


def _not_ready(
    session: _Session, service: str, container: DockerContainer, reason: str
) -> NoReturn:
    """Keep the container's whole log and raise with its last lines (it is removed next)."""
    log_file = session.log_dir / f"{service}.log"
    log_file.write_bytes(container.get_wrapped_container().logs())
    last = tail(log_file, LOG_LINES) or "(the log is empty)"
    name = f"{session.name}-{service}"
    detail = f"{reason}; last log lines of container {name}:\n{last}\n"
    raise ServiceStartError(service, str(log_file), detail)


def _wait_ready(session: _Session, service: str, container: DockerContainer, probe: Probe) -> None:
    """Poll `probe` until it answers; fail at once when the container stops running."""
    last_error = ""
    while True:
        answered, error = try_probe(probe)
        if answered:
            return
        last_error = error or last_error
        state = _state(container)
        if state in STOPPED:
            reason = f"its container stopped during startup (status {state})"
            _not_ready(session, service, container, reason)
        if session.deadline.expired():
            reason = f"no answer within {session.deadline.timeout_s:g} s"
            _not_ready(session, service, container, reason + _suffix(last_error))
        time.sleep(min(0.25, session.deadline.remaining()))


def _suffix(last_error: str) -> str:
    return f" (last probe error: {last_error})" if last_error else ""


def _kafka_env(host_port: int) -> dict[str, str]:
    """apache/kafka's variables: one KRaft node, a listener for containers and one for the host."""
    one = "1"
    return {
        "CLUSTER_ID": CLUSTER_ID,
        "KAFKA_NODE_ID": one,
        "KAFKA_PROCESS_ROLES": "broker,controller",
        "KAFKA_LISTENERS": f"INTERNAL://:9092,CONTROLLER://:9093,HOST://:{host_port}",
        "KAFKA_ADVERTISED_LISTENERS": (
            f"INTERNAL://{KAFKA_ALIAS}:9092,HOST://127.0.0.1:{host_port}"
        ),
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": (
            "INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,HOST:PLAINTEXT"
        ),
        "KAFKA_INTER_BROKER_LISTENER_NAME": "INTERNAL",
        "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
        "KAFKA_CONTROLLER_QUORUM_VOTERS": "1@localhost:9093",
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": one,
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": one,
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": one,
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR": one,
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR": one,
        "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
    }


def _kafka(session: _Session, extra_env: Mapping[str, str]) -> int:
    """The broker; its host port (container and host use the same number)."""
    port = free_port_block(1)
    env = _kafka_env(port) | dict(extra_env)
    container = DockerContainer(session.settings.kafka_image, env=env)
    container.with_bind_ports(port, port).with_network(session.network)
    container.with_network_aliases(KAFKA_ALIAS)
    _wait_ready(
        session, "kafka", _start(session, "kafka", container), partial(brokers_answer, port, 1)
    )
    return port


def _s3(session: _Session) -> str:
    """The S3 server, started with MinIO's command line; its URL from the host."""
    port = free_port_block(1)
    env = {
        "MINIO_ROOT_USER": session.aws.access_key_id,
        "MINIO_ROOT_PASSWORD": session.aws.secret_access_key.get_secret_value(),
    }
    container = DockerContainer(session.settings.minio_image, env=env)
    container.with_command("server /data --address :9000").with_bind_ports(9000, port)
    container.with_network(session.network).with_network_aliases("minio")
    url = f"http://127.0.0.1:{port}"
    _wait_ready(session, "s3", _start(session, "s3", container), partial(http_answers, url))
    return url


def _aws_env(aws: AwsSettings) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": aws.access_key_id,
        "AWS_SECRET_ACCESS_KEY": aws.secret_access_key.get_secret_value(),
        "AWS_DEFAULT_REGION": aws.region,
    }


def _endpoint(session: _Session) -> str:
    """`cadabra endpoint` on the session network; its URL from the host."""
    port = free_port_block(1)
    env = {
        "CADABRA_KAFKA_BOOTSTRAP": f"{KAFKA_ALIAS}:9092",
        "CADABRA_ENDPOINT_HOST": "0.0.0.0",  # noqa: S104 - inside the container, published
        "CADABRA_ENDPOINT_PORT": str(ENDPOINT_PORT),
        **_aws_env(session.aws),
    }
    container = DockerContainer(session.settings.cadabra_image, env=env)
    container.with_command("endpoint").with_bind_ports(ENDPOINT_PORT, port)
    container.with_network(session.network)
    url = f"http://127.0.0.1:{port}"
    _wait_ready(
        session, "endpoint", _start(session, "endpoint", container), partial(http_answers, url)
    )
    return url


def _back_end(session: _Session, stack: StackEndpoints, endpoint_url: str) -> str:
    """`python -m sinks` on the host's network (see the module docstring); its metrics URL."""
    port = free_port_block(1)
    env = {
        "CADABRA_KAFKA_BOOTSTRAP": stack.kafka_bootstrap,
        "CADABRA_S3_ENDPOINT_URL": stack.s3_endpoint_url,
        "CADABRA_S3_BUCKET": stack.bucket,
        "CADABRA_DELIVERY_PORT": str(port),
        # SNS's SubscribeURL and UnsubscribeURL point here: subscribers on the host fetch them.
        "CADABRA_ENDPOINT_URL": endpoint_url,
        **_aws_env(session.aws),
        **CHECKSUM_ENV,
    }
    container = DockerContainer(session.settings.cadabra_image, env=env)
    container.with_kwargs(network_mode="host", entrypoint=["python", "-m", "sinks"])
    url = f"http://127.0.0.1:{port}"
    _wait_ready(
        session, "delivery", _start(session, "delivery", container), partial(http_answers, url)
    )
    return url


def _network(cleanup: ExitStack, name: str) -> Network:
    network = Network()
    network.name = name  # named like its containers, so a leftover is easy to spot
    return cleanup.enter_context(network)


@contextmanager
def container_stack(
    log_dir: Path,
    settings: ContainerSettings | None = None,
    *,
    name: str | None = None,
    kafka_env_overrides: Mapping[str, str] | None = None,
) -> Iterator[StackEndpoints]:
    """The stack's services in containers named `<name>-<service>`, removed at the end.

    `kafka_env_overrides` adds or replaces broker variables (a test starts a broken broker).
    """
    settings = settings or ContainerSettings()
    aws, s3 = AwsSettings(), S3Settings()
    name = name or f"cadabra-{uuid.uuid4().hex[:8]}"
    log_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as cleanup:
        deadline = Deadline(settings.start_timeout_s)
        network = _network(cleanup, name)
        session = _Session(name, settings, aws, deadline, log_dir, cleanup, network)
        kafka_port = _kafka(session, kafka_env_overrides or {})
        s3_url = _s3(session)
        endpoints = StackEndpoints(
            kafka_bootstrap=f"127.0.0.1:{kafka_port}",
            s3_endpoint_url=s3_url,
            access_key=aws.access_key_id,
            secret_key=aws.secret_access_key.get_secret_value(),
            region=aws.region,
            bucket=s3.bucket,
            kind="containers",
        )
        ensure_bucket(endpoints.s3_client(), endpoints.bucket)
        endpoint_url = _endpoint(session)
        delivery_url = _back_end(session, endpoints, endpoint_url)
        yield endpoints.with_services(endpoint_url=endpoint_url, delivery_url=delivery_url)
