"""Cadabra's error tree, named after the AWS exceptions it reproduces.

One root (`CadabraError`), a sub-root per layer (`StreamError`, `FirehoseError`, `QuotaError`,
`StackError`, `DeliveryError`, `AuthError`). Each AWS-shaped error carries the AWS `code` (the
`__type` an AWS endpoint would send) and the HTTP status AWS uses for it, so the endpoint can shape
responses without a table of its own. Retryable errors derive from `RetryableError`; everything
else is terminal.
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "CadabraError",
    "ConcurrentModificationException",
    "DeliveryError",
    "ExpiredIteratorException",
    "ExpiredNextTokenException",
    "FirehoseError",
    "IncompleteSignatureException",
    "InternalFailureException",
    "InvalidArgumentException",
    "InvalidSignatureException",
    "LimitExceededException",
    "MissingAuthenticationTokenException",
    "ProvisionedThroughputExceededException",
    "QuotaError",
    "ResourceInUseException",
    "ResourceNotFoundException",
    "RetryableError",
    "ServiceStartError",
    "ServiceUnavailableException",
    "StackError",
    "StreamError",
    "UnrecognizedClientException",
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


class ExpiredNextTokenException(StreamError):
    """A ListShards/ListStreams/ListStreamConsumers NextToken older than 300 s."""

    code = "ExpiredNextTokenException"


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


class FirehoseError(CadabraError):
    """Amazon Data Firehose semantics beyond the errors it shares with Kinesis Data Streams."""

    http_status = 400


class ConcurrentModificationException(FirehoseError):
    """UpdateDestination named a CurrentDeliveryStreamVersionId that is no longer current."""

    code = "ConcurrentModificationException"


class ServiceUnavailableException(QuotaError):
    """Firehose's data-plane throttle ("Slow down."): a Direct PUT limit of the delivery stream.

    botocore's model marks it a fault (a 5xx), and AWS answers it with HTTP 500, which SDKs retry.
    """

    code = "ServiceUnavailableException"
    http_status = 500

    def __init__(
        self,
        message: str = "Slow down.",
        *,
        delivery_stream: str = "",
        limit: str = "",
        retry_after_s: float = 0.0,
    ) -> None:
        super().__init__(message)
        self.delivery_stream = delivery_stream
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


class AuthError(CadabraError):
    """SigV4 authentication failed; Kinesis and Firehose answer all of these with HTTP 400.

    `access_key` names the caller's key when the request named one ("" otherwise).
    """

    http_status = 400

    def __init__(self, message: str, *, access_key: str = "") -> None:
        super().__init__(message)
        self.access_key = access_key


class MissingAuthenticationTokenException(AuthError):
    """No `Authorization` header (Kinesis: HTTP 400 on its JSON and CBOR protocols)."""

    code = "MissingAuthenticationTokenException"

    def __init__(self, message: str = "Missing Authentication Token") -> None:
        super().__init__(message)


class IncompleteSignatureException(AuthError):
    """An `Authorization` header that lacks a part (Credential, SignedHeaders, Signature, date)."""

    code = "IncompleteSignatureException"


class UnrecognizedClientException(AuthError):
    """The access key id is not one the endpoint knows."""

    code = "UnrecognizedClientException"

    def __init__(
        self,
        message: str = "The security token included in the request is invalid.",
        *,
        access_key: str = "",
    ) -> None:
        super().__init__(message, access_key=access_key)


class InvalidSignatureException(AuthError):
    """A wrong signature, or a request date outside the allowed clock skew."""

    code = "InvalidSignatureException"
    MISMATCH = (
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. "
        "Consult the service documentation for details."
    )

    def __init__(self, message: str = MISMATCH, *, access_key: str = "") -> None:
        super().__init__(message, access_key=access_key)
