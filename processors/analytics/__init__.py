"""Kinesis Data Analytics (Managed Flink today): the transaction-rate alarm as a Faust app.

The Faust application itself is `processors.analytics.app` (imported on use: it loads Faust).
"""

from __future__ import annotations

from processors.analytics.alarms import Alarm
from processors.analytics.analyzer import PartitionState, RateAnalyzer
from processors.analytics.settings import AnalyticsSettings

__all__ = ["Alarm", "AnalyticsSettings", "PartitionState", "RateAnalyzer"]
