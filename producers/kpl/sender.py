"""One PutRecords call and what its answer means for each Kinesis record (the KPL's `Retrier`).

Per entry: a sequence number on the predicted shard succeeds every user record in it (the
aggregate's sequence number; sub-sequence = position in the aggregate). An aggregate stored on
another shard than predicted means the shard map is stale: as the KPL does for a "Wrong Shard",
the map is refreshed and the user records are retried (the stored copy is one the KCL drops when
its user records fall outside that shard's range). A lone record is routed by its own key, so it
succeeds wherever it went (the map is refreshed all the same). A failed entry
(`ProvisionedThroughputExceededException`, `InternalFailure`) is retried until RecordTtl, or fails
at once for a throttle when FailIfThrottled. A whole-call error is retried likewise, except errors
no retry can cure (the stream is gone, access denied); an `InvalidArgumentException` also
refreshes the shard map.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from producers.kpl.records import KinesisRecord
from producers.kpl.results import Attempt

__all__ = ["THROTTLED", "Outcome", "put_records"]

log = logging.getLogger(__name__)

THROTTLED = "ProvisionedThroughputExceededException"
_TERMINAL = frozenset({"ResourceNotFoundException", "AccessDeniedException", "ValidationException"})


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one Kinesis record in one PutRecords call."""

    record: KinesisRecord
    started: float  # monotonic seconds
    duration_ms: int
    shard_id: str = ""
    sequence_number: str = ""  # set: stored (and succeeded unless `retry`)
    error_code: str = ""
    error_message: str = ""
    retry: bool = False
    stale_map: bool = False

    @property
    def success(self) -> bool:
        return bool(self.sequence_number) and not self.retry

    def attempt(self, last_try: float) -> Attempt:
        """The attempt as a user record that last tried at `last_try` sees it."""
        delay = max(round((self.started - last_try) * 1000), 0)
        return Attempt(delay, self.duration_ms, self.success, self.error_code, self.error_message)


def put_records(
    client: Any,
    batch: list[KinesisRecord],
    *,
    fail_if_throttled: bool,
    now: Callable[[], float] = time.monotonic,
) -> list[Outcome]:
    """Send `batch` (all of one stream) in one PutRecords call; one outcome per Kinesis record."""
    started = now()
    try:
        response = client.put_records(
            StreamName=batch[0].stream, Records=[record.entry() for record in batch]
        )
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "ClientError"), error.get("Message", str(exc))
        log.warning("PutRecords to %s failed: %s %s", batch[0].stream, code, message)
        duration = _ms(now() - started)
        return [
            _failed(record, started, duration, code, message, fail_if_throttled) for record in batch
        ]
    except Exception as exc:  # a timeout or a dropped connection: the put may have happened
        duration, message = _ms(now() - started), f"{type(exc).__name__}: {exc}"
        log.warning("PutRecords to %s failed: %s", batch[0].stream, message)
        return [
            Outcome(record, started, duration, error_code="Exception", error_message=message,
                    retry=True)
            for record in batch
        ]  # fmt: skip
    duration = _ms(now() - started)
    return [
        _outcome(record, entry, started, duration, fail_if_throttled)
        for record, entry in zip(batch, response["Records"], strict=True)
    ]


def _outcome(
    record: KinesisRecord, entry: dict[str, Any], started: float, duration: int, fail: bool
) -> Outcome:
    if "SequenceNumber" not in entry:
        return _failed(record, started, duration, entry["ErrorCode"], entry["ErrorMessage"], fail)
    shard_id, sequence_number = entry["ShardId"], entry["SequenceNumber"]
    if shard_id == record.shard_id:
        return Outcome(record, started, duration, shard_id, sequence_number)
    log.info(
        "record went to %s instead of the predicted %s; refreshing the shard map of %s",
        shard_id, record.shard_id, record.stream,
    )  # fmt: skip
    if not record.aggregated:
        return Outcome(record, started, duration, shard_id, sequence_number, stale_map=True)
    return Outcome(
        record, started, duration, shard_id, sequence_number, "Wrong Shard",
        "Record did not end up in expected shard.", retry=True, stale_map=True,
    )  # fmt: skip


def _failed(
    record: KinesisRecord, started: float, duration: int, code: str, message: str, fail: bool
) -> Outcome:
    terminal = code in _TERMINAL or (fail and code == THROTTLED)
    return Outcome(
        record, started, duration, error_code=code, error_message=message, retry=not terminal,
        stale_map=code == "InvalidArgumentException",
    )  # fmt: skip


def _ms(seconds: float) -> int:
    return max(round(seconds * 1000), 0)
