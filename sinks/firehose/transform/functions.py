"""Resolving a processor's `LambdaArn` to the Python function Cadabra runs in its place.

There is no Lambda service, so Cadabra resolves the ARN itself, in this order:

1. `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]` (or a bare function name):
   `<name>` is looked up in the `functions` setting (`{"name": "module:callable"}`), then among
   the built-in examples (`LogTransform`, `ApacheLogToJson`: the course's "Apache Log to JSON");
   the qualifier (version or alias) is ignored;
2. `module.path:callable` is imported directly.

Anything else raises `TransformFunctionNotFound` (an InvalidArgumentException) naming the ARN and
how to register it, so CreateDeliveryStream or the delivery worker can report it.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cadabra.errors import InvalidArgumentException
from sinks.firehose.transform.settings import TransformSettings

__all__ = [
    "BUILTIN_FUNCTIONS",
    "FunctionRef",
    "Handler",
    "TransformFunctionNotFound",
    "load_callable",
    "resolve_function",
]

Handler = Callable[[dict[str, Any], Any], Any]

_APACHE_LOG = "sinks.firehose.transform.examples.apache_log:handler"
BUILTIN_FUNCTIONS: Mapping[str, str] = {
    "LogTransform": _APACHE_LOG,
    "ApacheLogToJson": _APACHE_LOG,
    "kinesis-firehose-apachelog-to-json": _APACHE_LOG,
}
_ARN = re.compile(
    r"^arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):function:"
    r"(?P<name>[a-zA-Z0-9_-]{1,64})(?::(?P<qualifier>[a-zA-Z0-9$_-]+))?$"
)
_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_SPEC = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


class TransformFunctionNotFound(InvalidArgumentException):
    """A processor's LambdaArn names no function Cadabra can run."""


@dataclass(frozen=True)
class FunctionRef:
    """A resolved function: its name and ARN as the context reports them, and the callable."""

    function_name: str
    function_arn: str
    handler: Handler


def resolve_function(
    lambda_arn: str, *, region: str, account_id: str, settings: TransformSettings
) -> FunctionRef:
    """The function a LambdaArn names (see the module docstring for the order of the rules)."""
    registry = {**(BUILTIN_FUNCTIONS if settings.builtin_examples else {}), **settings.functions}
    match = _ARN.match(lambda_arn)
    name = match["name"] if match else lambda_arn if _NAME.match(lambda_arn) else None
    if name is not None and name in registry:
        arn = lambda_arn if match else _function_arn(region, account_id, name)
        return FunctionRef(name, arn, load_callable(registry[name], settings, lambda_arn))
    if name is None and _SPEC.match(lambda_arn):
        derived = re.sub(r"[^a-zA-Z0-9_-]+", "-", lambda_arn).strip("-")[:64]
        arn = _function_arn(region, account_id, derived)
        return FunctionRef(derived, arn, load_callable(lambda_arn, settings, lambda_arn))
    raise TransformFunctionNotFound(_not_found(lambda_arn, name))


def _function_arn(region: str, account_id: str, name: str) -> str:
    return f"arn:aws:lambda:{region}:{account_id}:function:{name}"


def _not_found(lambda_arn: str, name: str | None) -> str:
    key = name or "MyFunction"
    return (
        f"LambdaArn {lambda_arn} names no function Cadabra can run. Register it with "
        f'CADABRA_FIREHOSE_TRANSFORM_FUNCTIONS=\'{{"{key}": "my_module:handler"}}\', '
        "or give 'module.path:callable' as the LambdaArn."
    )


def load_callable(spec: str, settings: TransformSettings, lambda_arn: str) -> Handler:
    """Import `module:callable`; errors name the LambdaArn they were resolving."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise TransformFunctionNotFound(
            f"LambdaArn {lambda_arn}: handler {spec!r} is not 'module.path:callable'."
        )
    _add_code_root(settings)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise TransformFunctionNotFound(
            f"LambdaArn {lambda_arn}: unable to import module '{module_name}': {exc}"
        ) from exc
    handler = getattr(module, attribute, None)
    if not callable(handler):
        raise TransformFunctionNotFound(
            f"LambdaArn {lambda_arn}: handler '{attribute}' missing on module '{module_name}'."
        )
    return handler  # type: ignore[no-any-return]


def _add_code_root(settings: TransformSettings) -> None:
    root = str((settings.code_root or Path.cwd()).resolve())
    if root not in sys.path:
        sys.path.insert(0, root)
