"""The KCL's exceptions, raised to record processors by the checkpointer.

- `ShutdownException`: the worker no longer holds the shard's lease (another worker took it, or it
  expired); the processor must stop; `lease_lost()` follows.
- `InvalidStateException`: the lease table or the lease is gone or unusable.
- `KinesisClientLibDependencyException`: the lease store failed for a transient reason; retry.
- `IllegalArgumentException`: a checkpoint outside [last checkpoint, last record delivered].
"""

from __future__ import annotations

from cadabra.errors import CadabraError, RetryableError

__all__ = [
    "IllegalArgumentException",
    "InvalidStateException",
    "KclError",
    "KinesisClientLibDependencyException",
    "ShutdownException",
]


class KclError(CadabraError):
    """Root of the KCL-style consumer's errors."""


class ShutdownException(KclError):
    """The lease was lost: this worker may no longer checkpoint the shard."""


class InvalidStateException(KclError):
    """The lease table or the shard's lease does not exist (any more)."""


class KinesisClientLibDependencyException(KclError, RetryableError):
    """The lease store could not be reached or was busy; the same call may succeed later."""


class IllegalArgumentException(KclError, ValueError):
    """A checkpoint that is not a sequence number between the last checkpoint and the last
    record handed to the processor."""
