"""The record processor's checkpointer (the KCL's ShardRecordProcessorCheckpointer).

`checkpoint()` records the last record of the latest batch handed to the processor (or
SHARD_END inside `shard_ended`); `checkpoint(sequence_number, sub_sequence_number=0)` (or
`checkpoint(record)`) records a given record, which must lie between the last checkpoint and the
last record handed over (IllegalArgumentException otherwise). The write is conditional on this
worker still holding the lease: ShutdownException if it was lost, InvalidStateException if the
lease is gone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from processors.kcl.errors import IllegalArgumentException
from processors.kcl.lease import Lease
from processors.kcl.records import KinesisClientRecord
from processors.kcl.sequence import ExtendedSequenceNumber

__all__ = ["RecordProcessorCheckpointer"]

_LOG = logging.getLogger(__name__)

UpdateCheckpoint = Callable[[ExtendedSequenceNumber, tuple[str, ...] | None], Lease]


class RecordProcessorCheckpointer:
    def __init__(
        self, shard_id: str, checkpointed: ExtendedSequenceNumber, update: UpdateCheckpoint
    ) -> None:
        self.shard_id = shard_id
        self._update = update
        self.last_checkpoint_value = checkpointed
        # The newest position the processor may checkpoint: the last record handed over.
        self.largest_permitted = checkpointed
        self.child_shard_ids: tuple[str, ...] | None = None

    def checkpoint(
        self,
        sequence_number: str | KinesisClientRecord | None = None,
        sub_sequence_number: int = 0,
    ) -> None:
        if sequence_number is None:
            target = self.largest_permitted
        elif isinstance(sequence_number, KinesisClientRecord):
            target = sequence_number.extended_sequence_number
        else:
            target = self._parse(sequence_number, sub_sequence_number)
        self._check(target)
        if target.is_start:
            return  # nothing handed over yet: nothing to record
        self._update(target, self.child_shard_ids if target.is_shard_end else None)
        self.last_checkpoint_value = target
        _LOG.debug("Checkpointed %s at %s", self.shard_id, target)

    @staticmethod
    def _parse(sequence_number: str, sub_sequence_number: int) -> ExtendedSequenceNumber:
        try:
            return ExtendedSequenceNumber(sequence_number, sub_sequence_number)
        except ValueError as exc:
            raise IllegalArgumentException(f"Could not checkpoint: {exc}") from exc

    def _check(self, target: ExtendedSequenceNumber) -> None:
        if target.is_sentinel and target != self.largest_permitted:
            raise IllegalArgumentException(
                f"Could not checkpoint at {target} in {self.shard_id}: only the shard's end "
                "may be checkpointed with a sentinel, from shard_ended()"
            )
        if not (self.last_checkpoint_value <= target <= self.largest_permitted):
            raise IllegalArgumentException(
                f"Could not checkpoint at extended sequence number {target} as it did not fall "
                f"into acceptable range between the last checkpoint {self.last_checkpoint_value} "
                f"and the greatest extended sequence number passed to this record processor "
                f"{self.largest_permitted}"
            )
