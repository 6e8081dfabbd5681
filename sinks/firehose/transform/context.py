"""The context object a transformation function receives, shaped like a Python Lambda's.

Attributes as the AWS Python runtime names them: function_name, function_version,
invoked_function_arn, memory_limit_in_mb (a string, as the runtime gives it), aws_request_id,
log_group_name, log_stream_name, identity, client_context, and get_remaining_time_in_millis().
Cadabra derives the request id and the log stream name from the invocation, so a replayed
invocation sees the same context.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["TransformContext"]


@dataclass
class TransformContext:
    """One invocation's context; `clock` is monotonic seconds (tests inject a fake one)."""

    function_name: str
    invoked_function_arn: str
    aws_request_id: str
    timeout_s: float
    memory_mb: int = 128
    function_version: str = "$LATEST"
    identity: object | None = None
    client_context: object | None = None
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    def __post_init__(self) -> None:
        self._deadline = self.clock() + self.timeout_s

    @property
    def memory_limit_in_mb(self) -> str:
        return str(self.memory_mb)

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"[{self.function_version}]{self.aws_request_id.replace('-', '')}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - self.clock()) * 1000))
