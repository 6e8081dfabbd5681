"""The agent's errors: a bad configuration names its key; a record that cannot be converted."""

from __future__ import annotations

from cadabra.errors import CadabraError

__all__ = ["AgentConfigError", "DataConversionError"]


class AgentConfigError(CadabraError):
    """agent.json is not valid; the message names the key (e.g. `flows[0].filePattern`)."""


class DataConversionError(CadabraError):
    """A record a data processing option cannot convert: the agent skips it and counts it."""
