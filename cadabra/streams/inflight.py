"""A barrier that waits out the writes already routed when a shard closes.

PutRecord(s) routes each record to a partition from the shard map as it is at the call, then waits
for Kafka's acknowledgement. Resharding switches routing by writing a new map; a write that routed
to a parent just before the switch may still be on its way to the parent's partition. Every write
call runs inside `writing()`, tagged with the barrier's current epoch; `drain()` opens a new epoch
and waits until no call of an older epoch is left. New calls never delay a drain (they belong to
the new epoch), so a busy stream cannot starve a resharding.
"""

from __future__ import annotations

import functools
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

__all__ = ["WriteBarrier"]

P = ParamSpec("P")
R = TypeVar("R")


class WriteBarrier:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._epoch = 0
        self._active: Counter[int] = Counter()

    def enter(self) -> int:
        """Count a write call in; returns the epoch to `leave` with."""
        with self._changed:
            epoch = self._epoch
            self._active[epoch] += 1
            return epoch

    def leave(self, epoch: int) -> None:
        with self._changed:
            self._active[epoch] -= 1
            if not self._active[epoch]:
                del self._active[epoch]
                self._changed.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        epoch = self.enter()
        try:
            yield
        finally:
            self.leave(epoch)

    def track(self, write: Callable[P, R]) -> Callable[P, R]:
        """`write` running inside `writing()`, with its signature (the endpoint inspects it)."""

        @functools.wraps(write)
        def tracked(*args: P.args, **kwargs: P.kwargs) -> R:
            with self.writing():
                return write(*args, **kwargs)

        return tracked

    def drain(self, timeout_s: float) -> bool:
        """Wait until every write call that started before now has returned; False on timeout."""
        with self._changed:
            self._epoch += 1
            fence = self._epoch
            return self._changed.wait_for(
                lambda: all(epoch >= fence for epoch in self._active), timeout_s
            )
