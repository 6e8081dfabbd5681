"""Cadabra's local services without Docker: Kafka (KRaft) and an S3 server, run natively.

`NativeStack` is what `cadabra stack up|down|status|env|logs` drives; `s3_client` and
`kafka_admin` build clients configured for these services; `cadabra.stack.testing` picks a stack
for the test suite (a configured one, testcontainers under Docker, else a NativeStack).
"""

from __future__ import annotations

from cadabra.stack.clients import CHECKSUM_ENV, ensure_bucket, kafka_admin, s3_client
from cadabra.stack.native import NativeStack, ServiceStatus, UpReport
from cadabra.stack.readiness import Deadline, tail, wait_until_answers
from cadabra.stack.state import StackLayout, StackState

__all__ = [
    "CHECKSUM_ENV",
    "Deadline",
    "NativeStack",
    "ServiceStatus",
    "StackLayout",
    "StackState",
    "UpReport",
    "ensure_bucket",
    "kafka_admin",
    "s3_client",
    "tail",
    "wait_until_answers",
]
