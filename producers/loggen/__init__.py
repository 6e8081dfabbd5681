"""The course's LogGenerator.py: OnlineRetail orders written as CSV log lines for the agent."""

from __future__ import annotations

from producers.loggen.errors import LogGeneratorError
from producers.loggen.generator import LogGenerator, LogRun, StateFile, source_from
from producers.loggen.settings import LogGenSettings
from producers.loggen.source import CsvSource, RowSource
from producers.loggen.synthetic import ONLINE_RETAIL_ROWS, SyntheticSource

__all__ = [
    "ONLINE_RETAIL_ROWS",
    "CsvSource",
    "LogGenSettings",
    "LogGenerator",
    "LogGeneratorError",
    "LogRun",
    "RowSource",
    "StateFile",
    "SyntheticSource",
    "source_from",
]
