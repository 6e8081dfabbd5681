"""Failed transformations: AWS's error codes and the `processing-failed` documents.

Reproduces "Handle failure in data transformation" (Amazon Data Firehose developer guide): a
record whose transformation failed goes to the error output as one JSON document. The document's
members and their order follow objects captured from S3 (rawData, errorCode, errorMessage,
attemptsMade, arrivalTimestamp, attemptEndingTimestamp, lambdaARN): the guide writes the last one
`lambdaArn`, the objects Firehose writes spell it `lambdaARN`.

The codes and messages are those Firehose writes:

- `Lambda.ProcessingFailedStatus`: the function returned `ProcessingFailed` for the record;
- `Lambda.MissingRecordId` / `Lambda.DuplicatedRecordId`: the response left the record out, or
  returned its id more than once;
- `Lambda.FunctionError`: the function raised (or timed out, or returned too much) on every
  attempt, or returned records that break the status model;
- `Lambda.JsonProcessingException`: the response is not the JSON shape Firehose reads.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DUPLICATED_RECORD_ID",
    "FUNCTION_ERROR",
    "FUNCTION_TIMEOUT",
    "INVALID_RESPONSE",
    "JSON_PROCESSING",
    "LAMBDA_ARN_MEMBER",
    "MISSING_RECORD_ID",
    "PROCESSING_FAILED_STATUS",
    "Failure",
    "failed_document",
]

LAMBDA_ARN_MEMBER = "lambdaARN"


@dataclass(frozen=True)
class Failure:
    """Why a record did not transform: AWS's errorCode and errorMessage."""

    code: str
    message: str


PROCESSING_FAILED_STATUS = Failure(
    "Lambda.ProcessingFailedStatus", "ProcessingFailed status set for record"
)
MISSING_RECORD_ID = Failure(
    "Lambda.MissingRecordId",
    "One or more record Ids were not returned. Ensure that the Lambda function returns all "
    "received record Ids.",
)
DUPLICATED_RECORD_ID = Failure(
    "Lambda.DuplicatedRecordId",
    "Multiple records were returned with the same record Id. Ensure that the Lambda function "
    "returns a unique record Id for each record.",
)
FUNCTION_ERROR = Failure(
    "Lambda.FunctionError",
    "The Lambda function was successfully invoked but it returned an error result.",
)
FUNCTION_TIMEOUT = Failure(
    "Lambda.FunctionError",
    "Firehose encountered timeout errors when calling AWS Lambda. The maximum supported "
    "function timeout is 5 minutes.",
)
INVALID_RESPONSE = Failure(
    "Lambda.FunctionError",
    "Check your function and make sure the output is in required format. In addition to that, "
    "make sure the processed records contain valid result status of Dropped, Ok, or "
    "ProcessingFailed",
)
JSON_PROCESSING = Failure(
    "Lambda.JsonProcessingException",
    "There was an error parsing returned records from the Lambda function. Ensure that the "
    "returned records follow the status model required by Firehose.",
)


def failed_document(
    raw_data: bytes,
    failure: Failure,
    *,
    attempts_made: int,
    arrival_ms: int,
    attempt_ending_ms: int,
    lambda_arn: str,
) -> dict[str, Any]:
    """One line of the `processing-failed` error output; `raw_data` is the untransformed record."""
    return {
        "rawData": base64.b64encode(raw_data).decode("ascii"),
        "errorCode": failure.code,
        "errorMessage": failure.message,
        "attemptsMade": attempts_made,
        "arrivalTimestamp": arrival_ms,
        "attemptEndingTimestamp": attempt_ending_ms,
        LAMBDA_ARN_MEMBER: lambda_arn,
    }
