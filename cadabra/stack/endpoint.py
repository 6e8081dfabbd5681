"""The Kinesis/Firehose HTTP endpoint as a native-stack process (`python -m cadabra.endpoint`).

It starts after Kafka, owns the stack's quota buckets, and answers on `endpoint_port`;
`stack env` prints its address as CADABRA_ENDPOINT_URL.
"""

from __future__ import annotations

import os
import sys
from functools import partial

from cadabra.stack.process import ProcessSpec
from cadabra.stack.s3 import http_answers
from cadabra.stack.service import ServiceProcess, StepCallback
from cadabra.stack.state import StackLayout

__all__ = ["EndpointComponent"]

NAME = "endpoint"


class EndpointComponent:
    name = NAME

    def __init__(self, layout: StackLayout, kafka_bootstrap: str) -> None:
        self.layout = layout
        self.kafka_bootstrap = kafka_bootstrap

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.layout.endpoint_port}"

    def processes(self) -> list[ServiceProcess]:
        probe = partial(http_answers, self.url)
        log_file = self.layout.log_file(NAME)
        return [ServiceProcess(NAME, NAME, self.layout.endpoint_port, log_file, probe)]

    def prepare(self, on_step: StepCallback) -> None:
        on_step("starting the Kinesis/Firehose endpoint")

    def launch(self, process: str) -> ProcessSpec:
        return ProcessSpec(
            name=process,
            argv=(sys.executable, "-m", "cadabra.endpoint"),
            log_file=self.layout.log_file(process),
            pid_file=self.layout.pid_file(process),
            marker=self.layout.marker(process),
            env={
                "CADABRA_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
                "CADABRA_ENDPOINT_HOST": "127.0.0.1",
                "CADABRA_ENDPOINT_PORT": str(self.layout.endpoint_port),
                # The DynamoDB stand-in's SQLite file lives with the stack's other data.
                "CADABRA_DYNAMODB_PATH": os.environ.get(
                    "CADABRA_DYNAMODB_PATH", str(self.layout.data_dir / "dynamodb.sqlite3")
                ),
            },
        )

    def after_start(self) -> None:
        """Nothing to create: streams are created through the endpoint itself."""

    def env(self) -> dict[str, str]:
        return {"CADABRA_ENDPOINT_URL": self.url}
