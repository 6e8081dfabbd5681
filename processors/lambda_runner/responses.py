"""How Lambda reads a function's result for a Kinesis batch (FunctionResponseTypes).

Without ReportBatchItemFailures a batch succeeds when the function returns and fails when it
raises. With it, the function may return `{"batchItemFailures": [{"itemIdentifier": "<seq>"}]}`:
- a null or empty response, or a null or empty `batchItemFailures` list: the whole batch succeeded;
- an itemIdentifier that is null, an empty string, or given under another key name: the whole
  batch failed (AWS documents these three);
- otherwise Lambda checkpoints before the lowest reported sequence number and retries from it.
Cadabra also treats as a whole-batch failure what AWS leaves undocumented: an identifier that names
no record of the batch, and a `batchItemFailures` that is not a list of objects.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from processors.lambda_runner.records import StreamRecord

__all__ = ["BatchOutcome", "outcome_of_error", "outcome_of_response"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchOutcome:
    """`succeeded` leading records of the batch were processed; the rest must be retried."""

    succeeded: int
    size: int
    error: str | None = None  # the function error (type: message) when it raised

    @property
    def ok(self) -> bool:
        return self.succeeded >= self.size

    @property
    def partial(self) -> bool:
        return 0 < self.succeeded < self.size


def outcome_of_error(records: list[StreamRecord], error: BaseException) -> BatchOutcome:
    return BatchOutcome(0, len(records), f"{type(error).__name__}: {error}")


def outcome_of_response(
    records: list[StreamRecord], response: Any, *, report_batch_item_failures: bool
) -> BatchOutcome:
    """The outcome of an invocation that returned `response`."""
    size = len(records)
    if not report_batch_item_failures or not response or not isinstance(response, dict):
        return BatchOutcome(size, size)
    failures = response.get("batchItemFailures")
    if not failures:
        return BatchOutcome(size, size)
    first = _first_failed_index(records, failures)
    if first is None:
        logger.warning("invalid batchItemFailures response, the whole batch failed: %r", failures)
        return BatchOutcome(0, size)
    return BatchOutcome(first, size)


def _first_failed_index(records: list[StreamRecord], failures: Any) -> int | None:
    """Index in the batch of the lowest reported sequence number; None if any entry is invalid."""
    if not isinstance(failures, list):
        return None
    positions = {record.sequence_number: index for index, record in enumerate(records)}
    indexes: list[int] = []
    for failure in failures:
        if not isinstance(failure, dict):
            return None
        identifier = failure.get("itemIdentifier")
        if not isinstance(identifier, str) or identifier not in positions:
            return None
        indexes.append(positions[identifier])
    return min(indexes)
