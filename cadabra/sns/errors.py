"""Amazon SNS's errors, as its query protocol reports them (`<Error><Code>` and HTTP status).

The codes and statuses are those of botocore's SNS model: `InvalidParameter` 400,
`NotFound` 404, `TopicLimitExceeded` and `SubscriptionLimitExceeded` 403, `InternalError` 500.
Messages follow AWS's wording ("Invalid parameter: Subject", "Topic does not exist").
"""

from __future__ import annotations

from cadabra.errors import CadabraError, RetryableError

__all__ = [
    "InternalErrorException",
    "InvalidParameterException",
    "InvalidParameterValueException",
    "NotFoundException",
    "SnsError",
    "SubscriptionLimitExceededException",
    "TopicLimitExceededException",
]


class SnsError(CadabraError):
    """Amazon SNS semantics: an AWS-named client or server error."""

    http_status = 400


class InvalidParameterException(SnsError):
    code = "InvalidParameter"


class NotFoundException(SnsError):
    code = "NotFound"
    http_status = 404


class TopicLimitExceededException(SnsError):
    code = "TopicLimitExceeded"
    http_status = 403


class SubscriptionLimitExceededException(SnsError):
    code = "SubscriptionLimitExceeded"
    http_status = 403


class InternalErrorException(SnsError, RetryableError):
    code = "InternalError"
    http_status = 500


class InvalidParameterValueException(SnsError):
    code = "ParameterValueInvalid"
