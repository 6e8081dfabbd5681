"""The AWS services' back ends as a native-stack process (`python -m sinks`): Firehose delivery
to S3 and SNS notifications.

It starts after Kafka, the S3 server and the endpoint, delivers every delivery stream of the
stack to S3, and answers its Prometheus metrics on `delivery_port` (the readiness probe). The
module is started by name, so `cadabra` does not import `sinks` here.
"""

from __future__ import annotations

import sys
from functools import partial

from cadabra.config import AwsSettings
from cadabra.stack.clients import CHECKSUM_ENV
from cadabra.stack.process import ProcessSpec
from cadabra.stack.s3 import http_answers
from cadabra.stack.service import ServiceProcess, StepCallback
from cadabra.stack.state import StackLayout

__all__ = ["DeliveryComponent"]

NAME = "delivery"
MODULE = "sinks"


class DeliveryComponent:
    name = NAME

    def __init__(
        self, layout: StackLayout, kafka_bootstrap: str, s3_endpoint_url: str, aws: AwsSettings
    ) -> None:
        self.layout = layout
        self.kafka_bootstrap = kafka_bootstrap
        self.s3_endpoint_url = s3_endpoint_url
        self.aws = aws

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.layout.delivery_port}"

    def processes(self) -> list[ServiceProcess]:
        probe = partial(http_answers, self.url)
        log_file = self.layout.log_file(NAME)
        return [ServiceProcess(NAME, NAME, self.layout.delivery_port, log_file, probe)]

    def prepare(self, on_step: StepCallback) -> None:
        on_step("starting Firehose delivery")

    def launch(self, process: str) -> ProcessSpec:
        return ProcessSpec(
            name=process,
            argv=(sys.executable, "-m", MODULE),
            log_file=self.layout.log_file(process),
            pid_file=self.layout.pid_file(process),
            marker=self.layout.marker(process),
            env={
                "CADABRA_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
                "CADABRA_S3_ENDPOINT_URL": self.s3_endpoint_url,
                "CADABRA_DELIVERY_PORT": str(self.layout.delivery_port),
                "AWS_ACCESS_KEY_ID": self.aws.access_key_id,
                "AWS_SECRET_ACCESS_KEY": self.aws.secret_access_key.get_secret_value(),
                "AWS_DEFAULT_REGION": self.aws.region,
                **CHECKSUM_ENV,
            },
        )

    def after_start(self) -> None:
        """Nothing to create: delivery streams come from CreateDeliveryStream."""

    def env(self) -> dict[str, str]:
        return {}
