"""The record-processor interface (the KCL 2.x ShardRecordProcessor), in Python's idiom.

One processor instance per shard lease, created by the application's factory. The scheduler calls
`initialize` once, then `process_records` with each batch, then exactly one of: `lease_lost()`
(another worker took the shard: do not checkpoint), `shard_ended(checkpointer)` (the shard is
closed and read to its end: the processor MUST call `checkpointer.checkpoint()`, or the shard's
children never start) or `shutdown_requested(checkpointer)` (the worker shuts down gracefully: a
last chance to checkpoint).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from processors.kcl.records import KinesisClientRecord
from processors.kcl.sequence import ExtendedSequenceNumber

if TYPE_CHECKING:
    from processors.kcl.checkpointer import RecordProcessorCheckpointer

__all__ = ["ShardRecordProcessor", "ShardRecordProcessorFactory"]


class ShardRecordProcessor(Protocol):
    def initialize(self, shard_id: str, extended_sequence_number: ExtendedSequenceNumber) -> None:
        """The shard and the checkpoint processing resumes after."""
        ...

    def process_records(
        self,
        records: list[KinesisClientRecord],
        checkpointer: RecordProcessorCheckpointer,
        millis_behind_latest: int,
    ) -> None: ...

    def lease_lost(self) -> None: ...

    def shard_ended(self, checkpointer: RecordProcessorCheckpointer) -> None: ...

    def shutdown_requested(self, checkpointer: RecordProcessorCheckpointer) -> None: ...


ShardRecordProcessorFactory = Callable[[], ShardRecordProcessor]
