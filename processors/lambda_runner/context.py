"""The context object a Python Lambda handler receives as its second argument.

Attributes as the AWS Python runtime names them: function_name, function_version,
invoked_function_arn, memory_limit_in_mb (a string such as "128": the runtime copies it from
AWS_LAMBDA_FUNCTION_MEMORY_SIZE), aws_request_id, log_group_name, log_stream_name, identity,
client_context, and get_remaining_time_in_millis(). The runner does not stop a function at its
timeout; the remaining time only tells the function how much of its budget is left.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

__all__ = ["FunctionIdentity", "LambdaContext"]


@dataclass(frozen=True)
class FunctionIdentity:
    """What is fixed for every invocation of one function."""

    function_name: str
    region: str
    account_id: str
    memory_limit_in_mb: int = 128
    timeout_s: int = 3
    function_version: str = "$LATEST"

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"


def _log_stream_name(version: str) -> str:
    day = datetime.now(UTC).strftime("%Y/%m/%d")
    return f"{day}/[{version}]{uuid.uuid4().hex}"


@dataclass
class LambdaContext:
    """One invocation's context; `clock` is monotonic seconds (injected by tests)."""

    identity_of_function: FunctionIdentity
    clock: Callable[[], float] = time.monotonic
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    identity: object | None = None
    client_context: object | None = None

    def __post_init__(self) -> None:
        self._deadline = self.clock() + self.identity_of_function.timeout_s
        self.log_stream_name = _log_stream_name(self.function_version)

    @property
    def function_name(self) -> str:
        return self.identity_of_function.function_name

    @property
    def function_version(self) -> str:
        return self.identity_of_function.function_version

    @property
    def invoked_function_arn(self) -> str:
        return self.identity_of_function.arn

    @property
    def memory_limit_in_mb(self) -> str:
        return str(self.identity_of_function.memory_limit_in_mb)

    @property
    def log_group_name(self) -> str:
        return self.identity_of_function.log_group_name

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - self.clock()) * 1000))
