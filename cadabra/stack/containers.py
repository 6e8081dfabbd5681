"""The test stack under Docker: Apache Kafka (KRaft) and MinIO through testcontainers.

Used only where a Docker engine answers. Kafka's container port is bound to the same free host
port so the broker can advertise the address clients use; both are waited on with the native
stack's probes, so "ready" means the same thing everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path

from testcontainers.core.container import DockerContainer

from cadabra.config import AwsSettings, S3Settings
from cadabra.stack.clients import ensure_bucket
from cadabra.stack.kafka import brokers_answer
from cadabra.stack.net import free_port_block
from cadabra.stack.readiness import Deadline, wait_until_answers
from cadabra.stack.s3 import http_answers
from cadabra.stack.testing import StackEndpoints

__all__ = ["KAFKA_IMAGE", "MINIO_IMAGE", "container_stack"]

KAFKA_IMAGE = "apache/kafka:4.1.1"
MINIO_IMAGE = "minio/minio:RELEASE.2022-12-02T19-19-22Z"  # testcontainers' tested default
START_TIMEOUT_S = 180.0


def _kafka_env(host_port: int) -> dict[str, str]:
    one = "1"
    return {
        "KAFKA_NODE_ID": one,
        "KAFKA_PROCESS_ROLES": "broker,controller",
        "KAFKA_LISTENERS": "PLAINTEXT://:9092,CONTROLLER://:9093",
        "KAFKA_ADVERTISED_LISTENERS": f"PLAINTEXT://127.0.0.1:{host_port}",
        "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "KAFKA_CONTROLLER_QUORUM_VOTERS": "1@localhost:9093",
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": one,
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": one,
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": one,
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR": one,
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR": one,
        "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
    }


def _kafka(stack: ExitStack, deadline: Deadline) -> str:
    port = free_port_block(1)
    container = DockerContainer(KAFKA_IMAGE, env=_kafka_env(port))
    container.with_bind_ports(9092, port)
    stack.enter_context(container)
    probe = partial(brokers_answer, port, 1)
    wait_until_answers("kafka (container)", _log_of(container), probe, deadline)
    return f"127.0.0.1:{port}"


def _minio(stack: ExitStack, deadline: Deadline, aws: AwsSettings) -> str:
    env = {
        "MINIO_ROOT_USER": aws.access_key_id,
        "MINIO_ROOT_PASSWORD": aws.secret_access_key.get_secret_value(),
    }
    container = DockerContainer(MINIO_IMAGE, env=env, command="server /data --address :9000")
    container.with_exposed_ports(9000)
    stack.enter_context(container)
    url = f"http://{container.get_container_host_ip()}:{container.get_exposed_port(9000)}"
    probe = partial(http_answers, url)
    wait_until_answers("minio (container)", _log_of(container), probe, deadline)
    return url


def _log_of(container: DockerContainer) -> Path:
    """Not a file: the command that shows the container's log, for the error message."""
    return Path(f"docker logs {container.get_container_id()}")


@contextmanager
def container_stack() -> Iterator[StackEndpoints]:
    """Kafka and MinIO containers for one test session, removed at its end."""
    aws, s3 = AwsSettings(), S3Settings()
    deadline = Deadline(START_TIMEOUT_S)
    with ExitStack() as stack:
        bootstrap = _kafka(stack, deadline)
        endpoint_url = _minio(stack, deadline, aws)
        endpoints = StackEndpoints(
            kafka_bootstrap=bootstrap,
            s3_endpoint_url=endpoint_url,
            access_key=aws.access_key_id,
            secret_key=aws.secret_access_key.get_secret_value(),
            region=aws.region,
            bucket=s3.bucket,
        )
        ensure_bucket(endpoints.s3_client(), endpoints.bucket)
        yield endpoints
