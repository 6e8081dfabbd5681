"""Which Kafka offsets the notifier may commit: those whose every delivery is settled.

Messages are delivered in parallel and finish out of order; a partition's committable offset is
its lowest message still being delivered (or one left unsettled when the notifier stopped in the
middle of its retries), else one past the highest message seen. Committing only that far keeps
SNS's at-least-once delivery across restarts: what was not settled is delivered again.
"""

from __future__ import annotations

import threading

__all__ = ["OffsetTracker", "Partition"]

Partition = tuple[str, int]


class OffsetTracker:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._open: dict[Partition, dict[int, int]] = {}  # offset -> deliveries not settled
        self._unsettled: dict[Partition, set[int]] = {}
        self._next: dict[Partition, int] = {}

    def start(self, partition: Partition, offset: int, deliveries: int) -> None:
        with self._changed:
            self._next[partition] = max(self._next.get(partition, 0), offset + 1)
            if deliveries > 0:
                self._open.setdefault(partition, {})[offset] = deliveries

    def settle(self, partition: Partition, offset: int, *, done: bool) -> None:
        """One delivery of the message ended: `done` (delivered or given up) or interrupted."""
        with self._changed:
            remaining = self._open.get(partition, {})
            if offset not in remaining:
                return  # the partition was revoked meanwhile
            if not done:
                self._unsettled.setdefault(partition, set()).add(offset)
            remaining[offset] -= 1
            if remaining[offset] == 0:
                del remaining[offset]
            self._changed.notify_all()

    def committable(self) -> dict[Partition, int]:
        with self._changed:
            positions = {}
            for partition, after in self._next.items():
                blocking = set(self._open.get(partition, {})) | self._unsettled.get(
                    partition, set()
                )
                positions[partition] = min(blocking) if blocking else after
            return positions

    def in_flight(self) -> int:
        with self._changed:
            return self._count()

    def wait_below(self, limit: int, timeout_s: float) -> bool:
        """Wait until fewer than `limit` messages are being delivered; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: self._count() < limit, timeout_s)

    def _count(self) -> int:
        return sum(len(offsets) for offsets in self._open.values())

    def forget(self, partitions: list[Partition]) -> None:
        with self._changed:
            for partition in partitions:
                self._open.pop(partition, None)
                self._unsettled.pop(partition, None)
                self._next.pop(partition, None)
            self._changed.notify_all()
