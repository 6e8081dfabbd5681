"""Input validation with AWS's wording: the error names the field and the limit.

Constraint violations (length, count, pattern, range) are ValidationException, phrased as AWS's
"1 validation error detected: Value ... at 'field' failed to satisfy constraint: ...".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cadabra.errors import InvalidArgumentException, ValidationException

__all__ = [
    "MAX_PUT_RECORDS",
    "MAX_PUT_RECORDS_BYTES",
    "check_explicit_hash_key",
    "check_partition_key",
    "check_range",
    "check_record_data",
    "check_records_batch",
    "check_stream_name",
]

MAX_PUT_RECORDS = 500
MAX_PUT_RECORDS_BYTES = 10 * 1024 * 1024
MAX_PARTITION_KEY = 256
_STREAM_NAME = re.compile(r"[a-zA-Z0-9_.-]{1,128}")
_PATTERN = "Member must satisfy regular expression pattern:"
_HASH_KEY = re.compile(r"0|[1-9]\d{0,38}")


def _violation(value: object, field: str, constraint: str) -> ValidationException:
    shown = value if len(str(value)) <= 80 else f"{str(value)[:80]}..."
    return ValidationException(
        f"1 validation error detected: Value '{shown}' at '{field}' failed to satisfy "
        f"constraint: {constraint}"
    )


def check_stream_name(name: str, field: str = "streamName") -> None:
    if not _STREAM_NAME.fullmatch(name):
        raise _violation(
            name,
            field,
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length "
            "between 1 and 128",
        )


def check_partition_key(key: str, field: str = "partitionKey") -> None:
    if not 1 <= len(key) <= MAX_PARTITION_KEY:
        bound = "greater than or equal to 1" if not key else "less than or equal to 256"
        raise _violation(key, field, f"Member must have length {bound}")


def check_explicit_hash_key(value: str | None, field: str = "explicitHashKey") -> int | None:
    if value is None:
        return None
    if not _HASH_KEY.fullmatch(value):
        raise _violation(
            value, field, "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})"
        )
    number = int(value)
    if number >= 1 << 128:
        raise InvalidArgumentException(
            f"Invalid ExplicitHashKey. ExplicitHashKey must be in the range: "
            f"[0, 2^128-1]. Specified value was {value}"
        )
    return number


def check_record_data(size: int, max_bytes: int, field: str = "data") -> None:
    """A record's data blob and partition key together stay within the stream's record size."""
    if size > max_bytes:
        raise ValidationException(
            f"1 validation error detected: Value at '{field}' failed to satisfy constraint: "
            f"Member must have length less than or equal to {max_bytes} "
            f"(data and partition key together; this record has {size} bytes)"
        )


def check_range(value: int, field: str, low: int, high: int) -> None:
    if value < low:
        raise _violation(value, field, f"Member must have value greater than or equal to {low}")
    if value > high:
        raise _violation(value, field, f"Member must have value less than or equal to {high}")


def check_records_batch(sizes: Sequence[int]) -> None:
    """PutRecords: 1..500 entries and at most 10 MiB of data and partition keys in total."""
    if not sizes:
        raise _violation("[]", "records", "Member must have length greater than or equal to 1")
    if len(sizes) > MAX_PUT_RECORDS:
        raise _violation(
            f"[{len(sizes)} records]",
            "records",
            f"Member must have length less than or equal to {MAX_PUT_RECORDS}",
        )
    total = sum(sizes)
    if total > MAX_PUT_RECORDS_BYTES:
        raise InvalidArgumentException(
            f"Records size exceeds {MAX_PUT_RECORDS_BYTES // (1024 * 1024)} MiB limit: "
            f"the request holds {total} bytes of data and partition keys "
            f"(limit {MAX_PUT_RECORDS_BYTES})."
        )


_SEQUENCE = re.compile(r"0|[1-9]\d{0,128}")


def check_sequence_number(value: str, field: str) -> None:
    if not _SEQUENCE.fullmatch(value):
        raise _violation(
            value, field, "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})"
        )
