"""DynamoDB's errors, with the `__type` codes and HTTP statuses AWS answers with.

`DynamoDBError` is the sub-root of the layer. A missing table is `ResourceNotFoundException`
("Requested resource not found"), a bad request `ValidationException` with AWS's wording, a
failed condition `ConditionalCheckFailedException`; all are HTTP 400, as on AWS.
"""

from __future__ import annotations

from cadabra.errors import CadabraError, RetryableError

__all__ = [
    "ConditionalCheckFailedException",
    "DynamoDBError",
    "InternalServerError",
    "ResourceInUseException",
    "ResourceNotFoundException",
    "ValidationException",
]


class DynamoDBError(CadabraError):
    """Amazon DynamoDB semantics: an AWS-named client or server error."""

    http_status = 400


class ResourceNotFoundException(DynamoDBError):
    code = "ResourceNotFoundException"

    def __init__(self, message: str = "Requested resource not found") -> None:
        super().__init__(message)


class ResourceInUseException(DynamoDBError):
    """CreateTable of a table that exists: "Table already exists: NAME"."""

    code = "ResourceInUseException"


class ValidationException(DynamoDBError):
    code = "ValidationException"


class ConditionalCheckFailedException(DynamoDBError):
    code = "ConditionalCheckFailedException"

    def __init__(self, message: str = "The conditional request failed") -> None:
        super().__init__(message)


class InternalServerError(DynamoDBError, RetryableError):
    """The store failed (a lost database connection): retryable, HTTP 500 as on AWS."""

    code = "InternalServerError"
    http_status = 500
