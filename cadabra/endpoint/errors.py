"""AWS error documents: `{"__type": code, "message": text}` with AWS's HTTP status.

botocore reads `__type` (the part after any '#') and raises the modelled exception class of that
name, so every error a client sees is the class AWS would raise.
"""

from __future__ import annotations

from typing import Any

from cadabra.errors import CadabraError

__all__ = ["error_response"]


def error_response(exc: CadabraError) -> tuple[int, dict[str, Any]]:
    return exc.http_status, {"__type": exc.code, "message": exc.message}
