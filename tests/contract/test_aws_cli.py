"""The AWS CLI (awscli from PyPI) against the endpoint: the README's example, run for real."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from cadabra.streams import StreamsService

AWS = Path(sys.executable).with_name("aws")


def _aws(endpoint_url: str, *args: str) -> Any:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "cadabra",
        "AWS_SECRET_ACCESS_KEY": "cadabra-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    done = subprocess.run(  # noqa: S603 - our own venv's aws, fixed arguments
        [str(AWS), "--endpoint-url", endpoint_url, "--output", "json", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None


def test_create_put_and_get_with_the_aws_cli(endpoint_url: str, streams: StreamsService) -> None:
    name = f"cli-{uuid.uuid4().hex[:8]}"
    _aws(endpoint_url, "kinesis", "create-stream", "--stream-name", name, "--shard-count", "1")
    _aws(endpoint_url, "kinesis", "wait", "stream-exists", "--stream-name", name)
    put = _aws(
        endpoint_url,
        "kinesis",
        "put-record",
        "--stream-name",
        name,
        "--partition-key",
        "customer-1",
        "--data",
        "hello from the CLI",
    )
    assert put["ShardId"] == "shardId-000000000000"
    iterator = _aws(
        endpoint_url,
        "kinesis",
        "get-shard-iterator",
        "--stream-name",
        name,
        "--shard-id",
        "shardId-000000000000",
        "--shard-iterator-type",
        "TRIM_HORIZON",
    )["ShardIterator"]
    records = _aws(endpoint_url, "kinesis", "get-records", "--shard-iterator", iterator)
    [record] = records["Records"]
    assert base64.b64decode(record["Data"]) == b"hello from the CLI"
    assert record["SequenceNumber"] == put["SequenceNumber"]
    _aws(endpoint_url, "kinesis", "delete-stream", "--stream-name", name)
    assert name not in _aws(endpoint_url, "kinesis", "list-streams")["StreamNames"]
