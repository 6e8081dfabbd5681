"""The model's constraints on the resharding, tagging and fan-out operations' members.

Same wording as `validation.py` (AWS's "1 validation error detected: Value ... at 'field' failed to
satisfy constraint: ..."), for the members those operations add: shard ids, consumer names, hash
keys, enums.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cadabra.errors import ValidationException

__all__ = ["check_enum", "check_hash_key", "check_name", "violation"]

_NAME = re.compile(r"[a-zA-Z0-9_.-]{1,128}")
_HASH_KEY = re.compile(r"0|[1-9]\d{0,38}")


def violation(value: object, field: str, constraint: str) -> ValidationException:
    shown = value if len(str(value)) <= 80 else f"{str(value)[:80]}..."
    return ValidationException(
        f"1 validation error detected: Value '{shown}' at '{field}' failed to satisfy "
        f"constraint: {constraint}"
    )


def check_name(value: str, field: str) -> None:
    """A ShardId or ConsumerName: `[a-zA-Z0-9_.-]+`, 1-128 characters."""
    if not _NAME.fullmatch(value):
        raise violation(
            value,
            field,
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length "
            "between 1 and 128",
        )


def check_hash_key(value: str, field: str) -> int:
    if not _HASH_KEY.fullmatch(value):
        raise violation(
            value, field, "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})"
        )
    return int(value)


def check_enum(value: object, field: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise violation(value, field, f"Member must satisfy enum value set: [{', '.join(allowed)}]")
