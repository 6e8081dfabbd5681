"""Errors of the client app: a bad customer id, a missing browser for the browser tests.

The customer id plays the part of DynamoDB's `CustomerID` key attribute (type N), so its error is
shaped like DynamoDB's ValidationException for a key value of the wrong type.
"""

from __future__ import annotations

from cadabra.errors import CadabraError

__all__ = ["BrowserUnavailableError", "InvalidCustomerIdError", "WebAppError"]


class WebAppError(CadabraError):
    """Root of the client app's errors."""


class InvalidCustomerIdError(WebAppError):
    """The customer id is not a number (the key attribute CustomerID is of type N)."""

    code = "ValidationException"
    http_status = 400

    def __init__(self, value: str) -> None:
        super().__init__(
            "One or more parameter values were invalid: Type mismatch for key CustomerID "
            f"expected: N actual: S (value {value!r})"
        )
        self.value = value


class BrowserUnavailableError(WebAppError):
    """Chromium (and its driver) is missing and cannot be installed here."""
