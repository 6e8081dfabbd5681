"""The stack the suite runs on, and the native stack's own behaviour (start, idempotence,
a three-broker cluster, failures that name the service and its log)."""

from __future__ import annotations

import http.client
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import (  # type: ignore[attr-defined]  # re-exported, not in __all__
    AdminClient,
    NewTopic,
)
from typer.testing import CliRunner

from cadabra.cli import app
from cadabra.config import KafkaSettings
from cadabra.errors import ServiceStartError
from cadabra.stack import NativeStack
from cadabra.stack.process import is_alive
from cadabra.stack.readiness import Deadline
from cadabra.stack.testing import StackEndpoints, native_settings
from cadabra.streams import StreamsService
from cadabra.streams.topics import TopicAdmin
from sinks.firehose.testing import keys_under

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def _native(stack: StackEndpoints) -> NativeStack:
    if stack.native is None:
        # Never taken where the suite starts its own native stack (as `make test` does): tests
        # marked native_stack are not run on the container stack. Only a configured stack that
        # is not the NativeStack of CADABRA_STACK_HOME lands here.
        pytest.skip(
            "external-stack path (CADABRA_KAFKA_BOOTSTRAP names a stack that is not a native "
            "one): these tests manage a native stack's processes"
        )
    return stack.native


def _create_topic(admin: AdminClient, name: str) -> Any:
    """Create `name` with one partition; its metadata once a broker shows it with a leader."""
    futures = admin.create_topics([NewTopic(name, num_partitions=1)], operation_timeout=20)
    futures[name].result(timeout=30)
    # Creation returns before every broker's metadata shows the new partition and its leader
    # (and each call may ask another broker): use the answer that shows it.
    deadline = Deadline(30.0)
    while not deadline.expired():
        partitions = admin.list_topics(name, timeout=10).topics[name].partitions
        if 0 in partitions and partitions[0].leader >= 0:
            return partitions[0]
        time.sleep(0.05)
    raise AssertionError(f"topic {name} has no leader after 30 s")


def _consume_one(bootstrap: str, topic: str) -> bytes | None:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"g-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
        }
    )
    try:
        consumer.subscribe([topic])
        deadline = Deadline(30.0)
        while not deadline.expired():
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                value: bytes | None = message.value()
                return value
        return None
    finally:
        consumer.close()


def test_the_stack_answers(stack: StackEndpoints, kafka_admin: AdminClient, s3: S3Client) -> None:
    assert kafka_admin.list_topics(timeout=10).brokers
    assert s3.head_bucket(Bucket=stack.bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_a_record_goes_through_a_topic(stack: StackEndpoints, kafka_admin: AdminClient) -> None:
    topic = f"t-{uuid.uuid4().hex[:12]}"
    _create_topic(kafka_admin, topic)
    producer = Producer({"bootstrap.servers": stack.kafka_bootstrap})
    producer.produce(topic, key=b"k", value=b"hello cadabra")
    assert producer.flush(30) == 0
    assert _consume_one(stack.kafka_bootstrap, topic) == b"hello cadabra"


def test_an_object_is_a_real_file_under_the_s3_data_dir(
    stack: StackEndpoints, s3: S3Client
) -> None:
    key = f"dir/{uuid.uuid4().hex}.json"
    s3.put_object(Bucket=stack.bucket, Key=key, Body=b'{"order": 1}\n')
    assert s3.get_object(Bucket=stack.bucket, Key=key)["Body"].read() == b'{"order": 1}\n'
    listed = s3.list_objects_v2(Bucket=stack.bucket, Prefix="dir/")
    assert key in [item["Key"] for item in listed.get("Contents", [])]
    if stack.native is not None:
        assert (stack.native.s3_data_dir / stack.bucket / key).read_bytes() == b'{"order": 1}\n'


@pytest.mark.native_stack
def test_an_upload_in_progress_is_not_listed_until_it_succeeds(
    stack: StackEndpoints, s3: S3Client
) -> None:
    """S3 lists an object once its PUT succeeds; S3Proxy's Main would list its temporary file.

    The key ends in a uuid, like Firehose's: such keys are listed as usual once written.
    """
    native = _native(stack)
    prefix = f"uploading-{uuid.uuid4().hex[:8]}/"
    key = f"{prefix}object-{uuid.uuid4()}"
    size = 4 * 1024 * 1024
    url = urlsplit(
        s3.generate_presigned_url("put_object", Params={"Bucket": stack.bucket, "Key": key})
    )
    folder = native.s3_data_dir / stack.bucket / prefix
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
    try:
        connection.putrequest("PUT", f"{url.path}?{url.query}")
        connection.putheader("Content-Length", str(size))
        connection.endheaders()
        connection.send(b"x" * (size // 2))
        # The server is writing the upload: its temporary file `<key>-<uuid>` is on disk.
        deadline = Deadline(30.0)
        while not list(folder.glob(f"{Path(key).name}-*")):
            assert not deadline.expired(), f"no temporary file for {key} under {folder}"
            time.sleep(0.05)
        assert keys_under(s3, stack.bucket, prefix) == []
        with pytest.raises(s3.exceptions.NoSuchKey):
            s3.get_object(Bucket=stack.bucket, Key=key)
        connection.send(b"x" * (size - size // 2))
        assert connection.getresponse().status == 200
    finally:
        connection.close()
    assert keys_under(s3, stack.bucket, prefix) == [key]
    assert s3.head_object(Bucket=stack.bucket, Key=key)["ContentLength"] == size
    s3.delete_object(Bucket=stack.bucket, Key=key)


@pytest.mark.native_stack
def test_up_twice_is_idempotent(stack: StackEndpoints) -> None:
    native = _native(stack)
    pids = {row.name: row.pid for row in native.status()}
    report = native.up()
    assert report.already_running and report.started == []
    assert report.elapsed_s < 2.0
    assert {row.name: row.pid for row in native.status()} == pids
    result = CliRunner().invoke(app, ["stack", "up", "--home", str(native.home)])
    assert result.exit_code == 0, result.output
    assert "already runs" in result.stderr
    env = CliRunner().invoke(app, ["stack", "env", "--home", str(native.home)]).stdout
    assert f"CADABRA_KAFKA_BOOTSTRAP={stack.kafka_bootstrap}" in env.splitlines()


@pytest.fixture
def cluster(tmp_path: Path, stack_cache: Path) -> Iterator[NativeStack]:
    native = NativeStack(native_settings(tmp_path / "cluster", brokers=3, cache_dir=stack_cache))
    try:
        native.up()
        yield native
    finally:
        native.down()


@pytest.mark.native_stack
def test_three_brokers_replicate_three_ways(cluster: NativeStack) -> None:
    bootstrap = cluster.env()["CADABRA_KAFKA_BOOTSTRAP"]
    admin = AdminClient({"bootstrap.servers": bootstrap})
    assert len(admin.list_topics(timeout=10).brokers) == 3
    topic = f"t-{uuid.uuid4().hex[:12]}"
    partition = _create_topic(admin, topic)
    assert sorted(partition.replicas) == [1, 2, 3]
    assert TopicAdmin(bootstrap, None).topic_config(topic)["min.insync.replicas"] == "2"

    streams = StreamsService(KafkaSettings(bootstrap=bootstrap))
    try:
        streams.create_stream("Replicated", 2)
        config = streams.admin.topic_config(streams.topic("Replicated"))
        assert config["min.insync.replicas"] == "2"
        cluster.stop_service("kafka-3")
        assert [row.alive for row in cluster.status() if row.name == "kafka-3"] == [False]
        # Two of three replicas in sync still acknowledge acks=all writes, as two AZs of three.
        put = streams.put_record(b"survives", "k", stream_name="Replicated")
        assert put["SequenceNumber"]
        cluster.start_service("kafka-3")
        # Every service answers again (the others rode out the broker's absence).
        deadline = Deadline(60.0)
        while not all(row.answering for row in cluster.status()):
            assert not deadline.expired(), [r.name for r in cluster.status() if not r.answering]
            time.sleep(0.2)
    finally:
        streams.close()


@pytest.mark.native_stack
def test_a_taken_port_names_the_service_and_its_log(tmp_path: Path, stack_cache: Path) -> None:
    settings = native_settings(tmp_path, cache_dir=stack_cache)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", settings.s3_port))
        squatter.listen()
        native = NativeStack(settings)
        with pytest.raises(ServiceStartError) as caught:
            native.up()
    assert caught.value.service == "s3"
    assert caught.value.log_file == str(tmp_path.resolve() / "logs" / "s3.log")
    assert f"port {settings.s3_port} is already in use" in str(caught.value)
    assert not native.is_running()


@pytest.mark.native_stack
def test_a_process_that_dies_at_start_fails_at_once_with_its_log(
    tmp_path: Path, stack_cache: Path
) -> None:
    settings = native_settings(tmp_path, cache_dir=stack_cache)
    native = NativeStack(settings.model_copy(update={"kafka_heap_mb": 1}))  # the JVM refuses
    with pytest.raises(ServiceStartError, match="exited during startup") as caught:
        native.up()
    assert caught.value.service == "kafka-1"
    assert "heap" in str(caught.value).lower()
    assert str(tmp_path.resolve() / "logs" / "kafka-1.log") in str(caught.value)
    assert not any(is_alive(row.pid, native.layout.marker(row.name)) for row in native.status())
