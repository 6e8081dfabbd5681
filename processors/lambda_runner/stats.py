"""Counters of an event source mapping, the numbers Lambda's CloudWatch metrics are made of
(Invocations, Errors, IteratorAge, DestinationDeliveryFailures...); thread-safe."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields

__all__ = ["MappingStats"]


@dataclass
class MappingStats:
    invocations: int = 0
    function_errors: int = 0  # invocations that raised or reported failed items
    records_processed: int = 0  # records the function returned success for
    records_discarded: int = 0  # records sent to the on-failure destination (or dropped)
    polls: int = 0  # GetRecords calls answered (with records or not)
    throttles: int = 0  # GetRecords answered ProvisionedThroughputExceededException
    iterator_age_ms: int = 0  # age of the last record of the last batch when it was done
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)

    def set_iterator_age(self, age_ms: int) -> None:
        with self._lock:
            self.iterator_age_ms = age_ms

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "_lock"}
