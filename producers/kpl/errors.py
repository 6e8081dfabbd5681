"""The KPL-style producer's errors: a refused user record, a user record that failed for good."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cadabra.errors import CadabraError

if TYPE_CHECKING:
    from producers.kpl.results import UserRecordResult

__all__ = ["KplError", "ProducerClosedError", "UserRecordFailedException", "UserRecordRejected"]


class KplError(CadabraError):
    """Root of the producer's errors."""


class UserRecordRejected(KplError, ValueError):
    """`add_user_record` refused its arguments (the KPL's IllegalArgumentException)."""


class ProducerClosedError(KplError):
    """A record was added after `close()`."""


class UserRecordFailedException(KplError):
    """A user record was not put before its RecordTtl, or failed for good (the KPL's name).

    `result` holds every attempt and its error code, as the KPL's `getResult()`.
    """

    def __init__(self, message: str, result: UserRecordResult) -> None:
        super().__init__(message)
        self.result = result
