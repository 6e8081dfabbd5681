"""A delivery stream's `ProcessingConfiguration`, read as Firehose reads it.

Reproduces the Lambda processor of the Firehose API (`Processor` of Type `Lambda` and its
`ProcessorParameter`s) with AWS's defaults and bounds:

| Parameter | Default | Bounds |
|---|---|---|
| `LambdaArn` | required | |
| `NumberOfRetries` | 3 | 0-300 |
| `BufferSizeInMBs` | 1 (MiB of incoming data per invocation) | 0.2-3 |
| `BufferIntervalInSeconds` | 60 | 0-900 |
| `RoleArn` | the destination's role | |

Processing is on only when `Enabled` is true (absent counts as false, as elsewhere in Cadabra).
At most one Lambda processor is allowed. Processors of other types (RecordDeAggregation,
AppendDelimiterToRecord, ...) are not reproduced; they are skipped with a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cadabra.errors import InvalidArgumentException

__all__ = ["MIB", "LambdaProcessor", "lambda_processor"]

logger = logging.getLogger(__name__)

MIB = 1024 * 1024
_BOUNDS: dict[str, tuple[float, float]] = {
    "NumberOfRetries": (0, 300),
    "BufferSizeInMBs": (0.2, 3),
    "BufferIntervalInSeconds": (0, 900),
}
_KNOWN = {"LambdaArn", "RoleArn", *_BOUNDS}


@dataclass(frozen=True)
class LambdaProcessor:
    """The parameters of the one Lambda processor of a delivery stream."""

    lambda_arn: str
    number_of_retries: int = 3
    buffer_size_mb: float = 1.0
    buffer_interval_s: int = 60
    role_arn: str | None = None

    @property
    def buffer_size_bytes(self) -> int:
        return int(self.buffer_size_mb * MIB)


def lambda_processor(processing: Mapping[str, Any] | None) -> LambdaProcessor | None:
    """The Lambda processor of an enabled ProcessingConfiguration; None when there is none."""
    if not processing or not processing.get("Enabled", False):
        return None
    lambdas = [p for p in processing.get("Processors") or [] if _is_lambda(p)]
    if len(lambdas) > 1:
        raise InvalidArgumentException(
            "ProcessingConfiguration.Processors may contain only one processor of Type Lambda."
        )
    return _processor(_parameters(lambdas[0])) if lambdas else None


def _is_lambda(processor: Mapping[str, Any]) -> bool:
    kind = processor.get("Type")
    if kind != "Lambda":
        logger.warning("Processor of Type %s is not reproduced by Cadabra; skipped", kind)
    return kind == "Lambda"


def _parameters(processor: Mapping[str, Any]) -> dict[str, str]:
    parameters: Sequence[Mapping[str, Any]] = processor.get("Parameters") or []
    values: dict[str, str] = {}
    for parameter in parameters:
        name = str(parameter.get("ParameterName"))
        if name not in _KNOWN:
            raise InvalidArgumentException(
                f"ProcessorParameter.ParameterName {name!r} is not valid for a Lambda processor."
            )
        values[name] = str(parameter.get("ParameterValue", ""))
    return values


def _processor(values: Mapping[str, str]) -> LambdaProcessor:
    arn = values.get("LambdaArn", "").strip()
    if not arn:
        raise InvalidArgumentException("A Lambda processor needs the LambdaArn parameter.")
    return LambdaProcessor(
        lambda_arn=arn,
        number_of_retries=int(_number(values, "NumberOfRetries", 3, integral=True)),
        buffer_size_mb=_number(values, "BufferSizeInMBs", 1.0),
        buffer_interval_s=int(_number(values, "BufferIntervalInSeconds", 60, integral=True)),
        role_arn=values.get("RoleArn") or None,
    )


def _number(
    values: Mapping[str, str], name: str, default: float, *, integral: bool = False
) -> float:
    text = values.get(name)
    if text is None:
        return default
    low, high = _BOUNDS[name]
    try:
        value = int(text) if integral else float(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        kind = "an integer" if integral else "a number"
        raise InvalidArgumentException(
            f"ProcessorParameter {name} must be {kind} between {low:g} and {high:g} (got {text!r})."
        )
    return value
