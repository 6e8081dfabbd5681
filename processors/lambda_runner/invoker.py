"""Invoking a plain Python `handler(event, context)` the way Lambda does for a Kinesis batch.

Each invocation gets a fresh context (new request id, deadline = now + timeout) and the AWS
Kinesis event for the batch; an exception is a function error ("Unhandled"), and the return value
is read as a partial batch response when ReportBatchItemFailures is on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from processors.lambda_runner.context import FunctionIdentity, LambdaContext
from processors.lambda_runner.events import EventSource, kinesis_event
from processors.lambda_runner.records import StreamRecord
from processors.lambda_runner.responses import (
    BatchOutcome,
    outcome_of_error,
    outcome_of_response,
)

__all__ = ["FunctionInvoker", "Handler", "Invoke"]

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any], Any], Any]
Invoke = Callable[[list[StreamRecord]], BatchOutcome]


class FunctionInvoker:
    def __init__(
        self,
        handler: Handler,
        function: FunctionIdentity,
        source: EventSource,
        *,
        report_batch_item_failures: bool = False,
    ) -> None:
        self.handler = handler
        self.function = function
        self.source = source
        self.report_batch_item_failures = report_batch_item_failures

    def __call__(self, records: list[StreamRecord]) -> BatchOutcome:
        event = kinesis_event(records, self.source)
        context = LambdaContext(self.function)
        try:
            response = self.handler(event, context)
        except Exception as exc:  # a function error, whatever the function raised
            logger.warning(
                "%s failed on %d records of %s (request %s): %s: %s",
                self.function.function_name,
                len(records),
                records[0].shard_id,
                context.aws_request_id,
                type(exc).__name__,
                exc,
            )
            return outcome_of_error(records, exc)
        return outcome_of_response(
            records, response, report_batch_item_failures=self.report_batch_item_failures
        )
