"""Loading a function's handler from its Handler setting, as the Python runtime does.

AWS writes it `file.function` (`lambda_function.lambda_handler`); Cadabra also takes
`module:function` (and dotted packages either way). The module is imported from the current
directory, like the runtime imports it from the function's code root.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

from processors.lambda_runner.errors import HandlerNotFound, ImportModuleError
from processors.lambda_runner.invoker import Handler

__all__ = ["function_name_for", "load_handler"]


def _split(spec: str) -> tuple[str, str]:
    module, sep, name = spec.partition(":") if ":" in spec else spec.rpartition(".")
    if not sep or not module or not name:
        raise HandlerNotFound(
            f"Bad handler '{spec}': not enough values to unpack (expected 'module.function')"
        )
    return module, name


def load_handler(spec: str, code_root: Path | None = None) -> Handler:
    """The callable `spec` names; `code_root` (default: the current directory) goes on sys.path."""
    module_name, function_name = _split(spec)
    root = str((code_root or Path.cwd()).resolve())
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ImportModuleError(f"Unable to import module '{module_name}': {exc}") from exc
    handler = getattr(module, function_name, None)
    if not callable(handler):
        raise HandlerNotFound(f"Handler '{function_name}' missing on module '{module_name}'")
    return handler  # type: ignore[no-any-return]


def function_name_for(spec: str) -> str:
    """A valid FunctionName (letters, digits, - and _, up to 64) made from a handler string."""
    return re.sub(r"[^a-zA-Z0-9_-]+", "-", spec).strip("-")[:64] or "function"
