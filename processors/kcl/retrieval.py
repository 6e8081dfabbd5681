"""How a shard consumer gets records: the retrieval protocol both modes implement.

A `Retrieval` lists the stream's shards and opens a `RecordsFetcher` per leased shard. A fetcher
starts at a checkpoint (TRIM_HORIZON, LATEST, or AT_SEQUENCE_NUMBER of a checkpointed record, the
record itself being filtered out afterwards as the KCL does, so that the rest of a KPL aggregate
is not lost) and returns batches of AWS-shaped records (`SequenceNumber`, `Data`,
`PartitionKey`, `ApproximateArrivalTimestamp`); the last batch of a closed shard carries its
child shards.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Protocol

from processors.kcl.sequence import ExtendedSequenceNumber
from processors.kcl.shard_sync import ShardInfo

__all__ = ["FetchResult", "RecordsFetcher", "Retrieval", "starting_position"]


@dataclass(frozen=True, slots=True)
class FetchResult:
    records: list[dict[str, Any]]
    millis_behind_latest: int
    # Not None once the shard is read to its end (it may be empty: no children yet known).
    child_shards: list[ShardInfo] | None = None

    @property
    def is_shard_end(self) -> bool:
        return self.child_shards is not None


class RecordsFetcher(Protocol):
    def start(self, checkpoint: ExtendedSequenceNumber) -> None: ...

    def fetch(self) -> FetchResult | None:
        """The next batch; None when none came in time (the caller checks its lease and asks
        again)."""
        ...

    def close(self) -> None: ...


class Retrieval(Protocol):
    def list_shards(self, stream: str) -> list[ShardInfo]: ...

    def fetcher(self, stream: str, shard_id: str, stop: threading.Event) -> RecordsFetcher: ...


def starting_position(checkpoint: ExtendedSequenceNumber) -> dict[str, str]:
    """The iterator type (and sequence number) that resumes at a checkpoint."""
    if checkpoint.is_shard_end:
        raise ValueError("A shard checkpointed at SHARD_END has nothing left to read")
    if checkpoint.sequence_number == "AT_TIMESTAMP":
        return {"Type": "TRIM_HORIZON"}
    if checkpoint.is_start:
        return {"Type": checkpoint.sequence_number}
    return {"Type": "AT_SEQUENCE_NUMBER", "SequenceNumber": checkpoint.sequence_number}
