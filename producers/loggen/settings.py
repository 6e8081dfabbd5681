"""Settings of the course's log generator (LogGenerator.py), env prefix `CADABRA_LOGGEN_`."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["LogGenSettings"]


class LogGenSettings(BaseSettings):
    """Defaults are the script's: 100 lines a run, `/var/log/cadabra`, `LastLine.txt` here."""

    model_config = SettingsConfigDict(env_prefix="CADABRA_LOGGEN_")

    lines: int = Field(default=100, ge=1)
    log_dir: Path = Path("/var/log/cadabra")
    # The real OnlineRetail.csv; None = the built-in seeded stand-in.
    source: Path | None = None
    seed: int = 42
    state_file: Path = Path("LastLine.txt")
