"""Errors of the Lambda-style runner, named as AWS Lambda names them.

`InvalidParameterValueException` is what CreateEventSourceMapping answers for a bad parameter;
`Runtime.ImportModuleError` and `Runtime.HandlerNotFound` are the runtime's errors for a handler
string that names no importable module or no function in it.
"""

from __future__ import annotations

from cadabra.errors import CadabraError

__all__ = ["HandlerNotFound", "ImportModuleError", "InvalidParameterValueException", "LambdaError"]


class LambdaError(CadabraError):
    """AWS Lambda semantics: event source mappings and the function runtime."""

    http_status = 400


class InvalidParameterValueException(LambdaError):
    code = "InvalidParameterValueException"


class ImportModuleError(LambdaError):
    code = "Runtime.ImportModuleError"


class HandlerNotFound(LambdaError):
    code = "Runtime.HandlerNotFound"
