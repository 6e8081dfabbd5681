"""Operation tables: AWS operation name → handler(request document) → response document.

Most operations map one to one onto a service method: the request's PascalCase members become
the method's snake_case keyword arguments (botocore's own name transform), members the method
does not take are ignored, as AWS ignores members it does not use. Operations whose request
nests what the method takes flat get a small handler of their own.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from botocore import xform_name

from cadabra.errors import ValidationException

__all__ = ["Handler", "adapt"]

Handler = Callable[[dict[str, Any]], dict[str, Any]]


def adapt(
    method: Callable[..., dict[str, Any]], renames: Mapping[str, str] | None = None
) -> Handler:
    """A handler calling `method` with the request's members as keyword arguments."""
    parameters = inspect.signature(method).parameters
    accepted = set(parameters)
    required = [n for n, p in parameters.items() if p.default is inspect.Parameter.empty]
    names = dict(renames or {})

    def handler(request: dict[str, Any]) -> dict[str, Any]:
        arguments = {}
        for member, value in request.items():
            name = names.get(member) or xform_name(member)
            if name in accepted:
                arguments[name] = value
        for name in required:  # optional in the model (e.g. for newer stream modes), not here
            if name not in arguments:
                member = "".join(part.capitalize() for part in name.split("_"))
                raise ValidationException(
                    f"1 validation error detected: Value null at '{member[:1].lower()}"
                    f"{member[1:]}' failed to satisfy constraint: Member must not be null"
                )
        return method(**arguments)

    handler.__name__ = getattr(method, "__name__", "handler")
    return handler
