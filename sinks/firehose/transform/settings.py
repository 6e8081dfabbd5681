"""Settings of Firehose data transformation (prefix `CADABRA_FIREHOSE_TRANSFORM_`).

Cadabra has no Lambda service: a processor's `LambdaArn` names a Python callable. `functions`
maps function names (the `<name>` of `arn:aws:lambda:<region>:<account>:function:<name>`) to
`module:callable` strings, e.g. `{"LogTransform": "mylogs:handler"}`; it is read from the
environment as JSON. The built-in examples (`LogTransform`, `ApacheLogToJson`) are registered
unless `builtin_examples` is off; a name in `functions` wins over a built-in.

`timeout_s` is the function timeout Firehose allows (5 minutes at most); `memory_mb` is what the
context object reports. `code_root` is put on `sys.path` before a function's module is imported,
as Lambda imports from the function's code root (None: the current directory).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["MAX_FUNCTION_TIMEOUT_S", "TransformSettings"]

MAX_FUNCTION_TIMEOUT_S = 300


class TransformSettings(BaseSettings):
    """How processor LambdaArns resolve to Python functions, and how those are run."""

    model_config = SettingsConfigDict(env_prefix="CADABRA_FIREHOSE_TRANSFORM_")

    functions: dict[str, str] = Field(default_factory=dict)
    builtin_examples: bool = True
    timeout_s: float = Field(default=float(MAX_FUNCTION_TIMEOUT_S), gt=0, le=MAX_FUNCTION_TIMEOUT_S)
    memory_mb: int = Field(default=128, ge=128, le=10_240)
    code_root: Path | None = None
