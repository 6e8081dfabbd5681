"""Custom S3 prefixes of a Firehose destination: `!{namespace:value}` expressions, AWS rules.

Expressions (Firehose developer guide, "Custom Prefixes for Amazon S3 Objects"):

- `!{timestamp:<Java DateTimeFormatter pattern>}`, e.g. `!{timestamp:yyyy/MM/dd}`;
- `!{firehose:random-string}` and `!{firehose:error-output-type}`;
- `!{partitionKeyFromQuery:key}` / `!{partitionKeyFromLambda:key}` (dynamic partitioning).

Rules enforced at CreateDeliveryStream/UpdateDestination (`InvalidArgumentException`):

- `!{` may only start a well-formed expression of a known namespace;
- `Prefix` cannot use `!{firehose:error-output-type}`; `ErrorOutputPrefix` cannot use the
  dynamic-partitioning namespaces;
- a `Prefix` with expressions needs an `ErrorOutputPrefix`, and an `ErrorOutputPrefix` with
  expressions must include `!{firehose:error-output-type}` (a static one, e.g. `errors/`, is fine);
- partition keys need dynamic partitioning enabled, and dynamic partitioning needs an
  `ErrorOutputPrefix`.

Timestamp patterns must be Java DateTimeFormatter patterns of the letters Cadabra evaluates
(`timestamps.py`); an unknown letter is refused here, at creation, not at the first delivery.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cadabra.errors import InvalidArgumentException
from cadabra.firehose.timestamps import compile_pattern

__all__ = ["Expression", "check_prefixes", "expressions"]

_EXPRESSION = re.compile(r"!\{(?P<namespace>[^:{}]*):(?P<value>[^{}]*)\}")
_FIREHOSE_VALUES = ("random-string", "error-output-type")
_PARTITION_KEYS = ("partitionKeyFromQuery", "partitionKeyFromLambda")
_NAMESPACES = ("timestamp", "firehose", *_PARTITION_KEYS)
ERROR_OUTPUT_TYPE = "!{firehose:error-output-type}"


@dataclass(frozen=True, slots=True)
class Expression:
    namespace: str
    value: str

    @property
    def is_partition_key(self) -> bool:
        return self.namespace in _PARTITION_KEYS

    @property
    def is_error_output_type(self) -> bool:
        return self.namespace == "firehose" and self.value == "error-output-type"


def expressions(text: str, field: str) -> list[Expression]:
    """The expressions of a prefix, in order; malformed ones raise InvalidArgumentException."""
    if "!{" in _EXPRESSION.sub("", text):
        raise InvalidArgumentException(
            f"{field} '{text}' is invalid: '!{{' may only start an expression of the form "
            "!{namespace:value}."
        )
    found = [Expression(m["namespace"], m["value"]) for m in _EXPRESSION.finditer(text)]
    for expression in found:
        _check_expression(expression, field)
    return found


def _check_expression(expression: Expression, field: str) -> None:
    namespace, value = expression.namespace, expression.value
    if namespace not in _NAMESPACES:
        raise InvalidArgumentException(
            f"{field} uses the unknown expression namespace '{namespace}'; allowed: "
            f"{', '.join(_NAMESPACES)}."
        )
    if namespace == "firehose" and value not in _FIREHOSE_VALUES:
        raise InvalidArgumentException(
            f"{field} uses '!{{firehose:{value}}}'; the firehose namespace allows "
            f"{' and '.join(_FIREHOSE_VALUES)}."
        )
    if not value.strip():
        raise InvalidArgumentException(f"{field} has an empty '!{{{namespace}:}}' expression.")
    if namespace == "timestamp":
        compile_pattern(value, field)


def check_prefixes(
    prefix: str | None, error_prefix: str | None, *, dynamic_partitioning: bool
) -> None:
    """AWS's rules between `Prefix`, `ErrorOutputPrefix` and dynamic partitioning."""
    in_prefix = expressions(prefix or "", "Prefix")
    in_error = expressions(error_prefix or "", "ErrorOutputPrefix")
    if any(e.is_error_output_type for e in in_prefix):
        raise InvalidArgumentException(
            f"Prefix cannot use {ERROR_OUTPUT_TYPE}; it belongs in ErrorOutputPrefix."
        )
    if any(e.is_partition_key for e in in_error):
        raise InvalidArgumentException("ErrorOutputPrefix cannot use partition keys.")
    if in_prefix and not error_prefix:
        raise InvalidArgumentException(
            "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions."
        )
    if in_error and not any(e.is_error_output_type for e in in_error):
        raise InvalidArgumentException(
            f"ErrorOutputPrefix '{error_prefix}' contains expressions but not {ERROR_OUTPUT_TYPE}."
        )
    if any(e.is_partition_key for e in in_prefix) and not dynamic_partitioning:
        raise InvalidArgumentException(
            "Prefix uses partition keys, which need DynamicPartitioningConfiguration enabled."
        )
    if dynamic_partitioning and not error_prefix:
        raise InvalidArgumentException(
            "ErrorOutputPrefix is required when dynamic partitioning is enabled."
        )
