"""What a user record's future resolves to: the KPL's `UserRecordResult` and `Attempt`."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Attempt", "UserRecordResult"]


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try at putting a user record (the KPL's `Attempt`)."""

    delay_ms: int  # from the record's arrival (or the previous attempt) to this request
    duration_ms: int  # of the PutRecords call
    success: bool
    error_code: str = ""
    error_message: str = ""


@dataclass(frozen=True, slots=True)
class UserRecordResult:
    """Where a user record was stored: the aggregate's sequence number and its place in it."""

    successful: bool
    attempts: tuple[Attempt, ...]
    shard_id: str = ""
    sequence_number: str = ""
    sub_sequence_number: int = 0
