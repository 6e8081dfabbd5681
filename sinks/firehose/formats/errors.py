"""Errors of Firehose record format conversion (`DataFormatConversionConfiguration`).

`FormatConversionError` is a configuration problem (a Glue column type Cadabra cannot write, a
serializer option out of range): the whole conversion cannot run, the message names the field.
`RecordConversionError` is one record that does not convert; its `code` is the `lastErrorCode`
Firehose writes into the record's `format-conversion-failed` document.
"""

from __future__ import annotations

from cadabra.errors import DeliveryError

__all__ = [
    "MALFORMED_DATA",
    "PARSE_ERROR",
    "FormatConversionError",
    "RecordConversionError",
    "malformed",
]

# The two per-record codes AWS writes: invalid JSON, and JSON that does not fit the table.
PARSE_ERROR = "DataFormatConversion.ParseError"
MALFORMED_DATA = "DataFormatConversion.MalformedData"


class FormatConversionError(DeliveryError):
    """The conversion configuration or the table schema cannot be used; names the field."""

    code = "InvalidArgumentException"
    http_status = 400


class RecordConversionError(DeliveryError):
    """One record failed conversion; `code` is AWS's `lastErrorCode` for it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def malformed(detail: str) -> RecordConversionError:
    """AWS's wording for a value that does not fit its column."""
    return RecordConversionError(MALFORMED_DATA, f"Data does not match the schema. {detail}")
