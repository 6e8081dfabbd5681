"""The log generator's errors: a state file or source it cannot use, a folder it cannot write."""

from __future__ import annotations

from cadabra.errors import CadabraError

__all__ = ["LogGeneratorError"]


class LogGeneratorError(CadabraError):
    """LogGenerator.py would stop here too; the message names the file or setting at fault."""
