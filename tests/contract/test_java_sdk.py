"""The AWS SDK for Java v2 against the endpoint (issue 3): tests/java/sdk-check, over CBOR.

The check's dependencies come from Maven Central through `mvn dependency:build-classpath` (its
classpath is cached in the check's target/, keyed by the pom, so a warm run starts no Maven) and
Main.java is compiled with javac when it changed. The endpoint here is the session's streams
service behind a fresh app wrapped in a recorder of each request's target and content type: the
proof that the SDK spoke CBOR (its default for Kinesis) and, with `aws.cborEnabled=false`, JSON.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cadabra.config import QuotaSettings
from cadabra.quotas import QuotaRegistry
from cadabra.stack.maven import resolve_classpath
from cadabra.streams import StreamsService

SDK_CHECK = Path(__file__).parents[1] / "java" / "sdk-check"
TARGET = SDK_CHECK / "target"
SOURCE = SDK_CHECK / "src" / "main" / "java" / "Main.java"
CONTENT_TYPES = {"cbor": "application/x-amz-cbor-1.1", "json": "application/x-amz-json-1.1"}
OPERATIONS = {
    "CreateStream",
    "DescribeStreamSummary",
    "PutRecord",
    "PutRecords",
    "GetShardIterator",
    "GetRecords",
    "DescribeStream",
    "DeleteStream",
}
# A JVM that lives a few seconds: C1 only and the serial collector start fastest.
JVM_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss1m"]


class ContentTypeRecorder:
    """ASGI middleware: (operation, content type) of every request, then the app itself."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[tuple[str, str]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = {k.lower(): v.decode("latin-1") for k, v in scope["headers"]}
            target = headers.get(b"x-amz-target", "").rpartition(".")[2]
            self.seen.append((target, headers.get(b"content-type", "")))
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def sdk_check_classpath() -> str:
    """The compiled check and its jars; javac runs only when Main.java is newer than its class."""
    jars = resolve_classpath(SDK_CHECK / "pom.xml", TARGET)
    classes = TARGET / "classes"
    compiled = classes / "Main.class"
    if not compiled.exists() or compiled.stat().st_mtime < SOURCE.stat().st_mtime:
        classes.mkdir(parents=True, exist_ok=True)
        argv = ["javac", "--release", "17", "-d", str(classes), "-cp", jars, str(SOURCE)]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603
        assert done.returncode == 0, f"javac failed:\n{done.stdout}{done.stderr}"
    return f"{classes}:{jars}"


@pytest.fixture(scope="module")
def recorded_endpoint(streams_service: StreamsService) -> Iterator[tuple[str, ContentTypeRecorder]]:
    """The endpoint on its own port, behind the recorder, with quotas on the real clock."""
    from cadabra.endpoint.app import EndpointApp, Service
    from cadabra.endpoint.kinesis_ops import kinesis_operations
    from cadabra.endpoint.server import KINESIS_PREFIX
    from cadabra.endpoint.testing import serve_in_thread
    from cadabra.stack.net import free_port_block

    previous = streams_service.quotas
    streams_service.quotas = QuotaRegistry(QuotaSettings())
    operations = kinesis_operations(streams_service)
    app = EndpointApp({KINESIS_PREFIX: Service("kinesis", operations, cbor=True)})
    recorder = ContentTypeRecorder(app)
    with serve_in_thread(recorder, free_port_block(1)) as url:
        yield url, recorder
    app.close()
    streams_service.quotas = previous


@pytest.mark.parametrize("protocol", ["cbor", "json"])
def test_java_sdk_puts_and_gets_records(
    protocol: str,
    sdk_check_classpath: str,
    recorded_endpoint: tuple[str, ContentTypeRecorder],
    streams_service: StreamsService,
) -> None:
    url, recorder = recorded_endpoint
    recorder.seen.clear()
    stream = f"java-sdk-{uuid.uuid4().hex[:10]}"
    argv = ["java", *JVM_FLAGS, "-cp", sdk_check_classpath, "Main", url, stream, protocol]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
    finally:
        if streams_service.shard_map.get(stream) is not None:
            streams_service.delete_stream(stream_name=stream)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert f"JAVA SDK CHECK OK ({protocol})" in done.stdout, output
    assert {operation for operation, _ in recorder.seen} == OPERATIONS
    assert {content_type for _, content_type in recorder.seen} == {CONTENT_TYPES[protocol]}
