"""The KCL's ExtendedSequenceNumber: a Kinesis sequence number plus a KPL sub-sequence number.

A checkpoint is either a real position (sequence number, sub-sequence number) or one of the KCL's
sentinels, stored as strings in the lease table: `TRIM_HORIZON`, `LATEST`, `AT_TIMESTAMP` (where
to start a shard never checkpointed) and `SHARD_END` (the shard was processed to its end). For
ordering, the starting sentinels come before every record and SHARD_END after every record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["SENTINELS", "ExtendedSequenceNumber"]

TRIM_HORIZON: Final = "TRIM_HORIZON"
LATEST: Final = "LATEST"
AT_TIMESTAMP: Final = "AT_TIMESTAMP"
SHARD_END: Final = "SHARD_END"
SENTINELS = (TRIM_HORIZON, LATEST, AT_TIMESTAMP, SHARD_END)
_STARTS = (TRIM_HORIZON, LATEST, AT_TIMESTAMP)


@dataclass(frozen=True, slots=True)
class ExtendedSequenceNumber:
    sequence_number: str
    sub_sequence_number: int = 0

    def __post_init__(self) -> None:
        if self.sequence_number not in SENTINELS and not self.sequence_number.isdigit():
            raise ValueError(
                f"sequenceNumber {self.sequence_number!r} is neither a sequence number nor one "
                f"of {', '.join(SENTINELS)}"
            )
        if self.sub_sequence_number < 0:
            raise ValueError(f"subSequenceNumber {self.sub_sequence_number} must be >= 0")

    @classmethod
    def trim_horizon(cls) -> ExtendedSequenceNumber:
        return cls(TRIM_HORIZON)

    @classmethod
    def latest(cls) -> ExtendedSequenceNumber:
        return cls(LATEST)

    @classmethod
    def shard_end(cls) -> ExtendedSequenceNumber:
        return cls(SHARD_END)

    @property
    def is_sentinel(self) -> bool:
        return self.sequence_number in SENTINELS

    @property
    def is_shard_end(self) -> bool:
        return self.sequence_number == SHARD_END

    @property
    def is_start(self) -> bool:
        """A starting sentinel: nothing of the shard was checkpointed yet."""
        return self.sequence_number in _STARTS

    def _key(self) -> tuple[int, int, int]:
        if self.is_start:
            return (0, 0, 0)
        if self.is_shard_end:
            return (2, 0, 0)
        return (1, int(self.sequence_number), self.sub_sequence_number)

    def __lt__(self, other: ExtendedSequenceNumber) -> bool:
        return self._key() < other._key()

    def __le__(self, other: ExtendedSequenceNumber) -> bool:
        return self._key() <= other._key()

    def __gt__(self, other: ExtendedSequenceNumber) -> bool:
        return self._key() > other._key()

    def __ge__(self, other: ExtendedSequenceNumber) -> bool:
        return self._key() >= other._key()

    def __str__(self) -> str:
        if self.is_sentinel or self.sub_sequence_number == 0:
            return self.sequence_number
        return f"{self.sequence_number}/{self.sub_sequence_number}"
