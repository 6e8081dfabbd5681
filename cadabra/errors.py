"""Cadabra's error tree, named after the AWS exceptions it reproduces.

One root (`CadabraError`), a sub-root per layer (`StreamError`, `QuotaError`, `StackError`,
`DeliveryError`). Each AWS-shaped error carries the AWS `code` (the `__type` an AWS endpoint would
send) and the HTTP status AWS uses for it, so the endpoint can shape responses without a table of
its own. Retryable errors derive from `RetryableError`; everything else is terminal.
"""

from __future__ import annotations

__all__ = [
    "CadabraError",
    "DeliveryError",
    "ExpiredIteratorException",
    "InternalFailureException",
    "InvalidArgumentException",
    "LimitExceededException",
    "ProvisionedThroughputExceededException",
    "QuotaError",
    "ResourceInUseException",
    "ResourceNotFoundException",
    "RetryableError",
    "ServiceStartError",
    "StackError",
    "StreamError",
    "ValidationException",
]


class CadabraError(Exception):
    """Root of every error Cadabra raises on purpose."""

    code: str = "InternalFailure"
    http_status: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RetryableError(CadabraError):
    """The same call may succeed later (throttling, a broker that is restarting)."""


class StreamError(CadabraError):
    """Kinesis Data Streams semantics: an AWS-named client or server error."""

    http_status = 400


class ResourceNotFoundException(StreamError):
    code = "ResourceNotFoundException"


class ResourceInUseException(StreamError):
    code = "ResourceInUseException"


class InvalidArgumentException(StreamError):
    code = "InvalidArgumentException"


class ValidationException(StreamError):
    code = "ValidationException"


class LimitExceededException(StreamError, RetryableError):
    code = "LimitExceededException"
    http_status = 400


class ExpiredIteratorException(StreamError):
    code = "ExpiredIteratorException"


class InternalFailureException(StreamError, RetryableError):
    code = "InternalFailureException"
    http_status = 500


class QuotaError(RetryableError):
    """A per-shard limit was reached (the quota layer)."""

    http_status = 400


class ProvisionedThroughputExceededException(QuotaError):
    """AWS's data-plane throttle: "Rate exceeded for shard ... in stream ..."."""

    code = "ProvisionedThroughputExceededException"

    def __init__(
        self,
        message: str,
        *,
        stream: str = "",
        shard_id: str = "",
        limit: str = "",
        retry_after_s: float = 0.0,
    ) -> None:
        super().__init__(message)
        self.stream = stream
        self.shard_id = shard_id
        self.limit = limit
        self.retry_after_s = retry_after_s


class StackError(CadabraError):
    """The local services (Kafka, the S3 server, the endpoint) misbehave."""


class ServiceStartError(StackError):
    """A service did not answer before its deadline; the message names it and its log file."""

    def __init__(self, service: str, log_file: str, detail: str) -> None:
        super().__init__(f"{service} did not start: {detail} (see its log: {log_file})")
        self.service = service
        self.log_file = log_file


class DeliveryError(CadabraError):
    """Firehose delivery to S3 failed."""
