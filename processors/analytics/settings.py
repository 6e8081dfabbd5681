"""Settings of the transaction-rate alarm application (prefix `CADABRA_ANALYTICS_`).

The Kinesis Data Analytics application `TransactionRateMonitor` of the course: input
`CadabraOrders` (starting position NOW), output the Kinesis stream `OrderRateAlarms` (1 shard,
JSON). `mode` picks the course's query: `sql` (2019, KDA SQL: a sliding window, a row per order
while the count is at or above the threshold) or `flink` (2023, Managed Flink Studio: tumbling
windows, a row per window at or above the threshold). Kafka comes from `KafkaSettings`
(CADABRA_KAFKA_BOOTSTRAP), the stream-to-topic naming from `StreamsSettings`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["AnalyticsMode", "AnalyticsSettings", "StartingPosition"]

AnalyticsMode = Literal["sql", "flink"]
# KDA's InputStartingPositionConfiguration; LATEST is Flink's name for NOW.
StartingPosition = Literal["NOW", "LATEST", "TRIM_HORIZON"]


class AnalyticsSettings(BaseSettings):
    """One analytics application: its query, its input and output streams, how it runs."""

    model_config = SettingsConfigDict(env_prefix="CADABRA_ANALYTICS_")

    mode: AnalyticsMode = "sql"
    # ApplicationName: the Faust app id, its consumer group and changelog topics, and the prefix
    # of the partition key of every alarm row it writes.
    application_name: str = Field(default="TransactionRateMonitor", pattern=r"^[a-zA-Z0-9_.-]+$")
    source_stream: str = "CadabraOrders"
    output_stream: str = "OrderRateAlarms"
    # Shards of the output stream when the app has to create it (the course makes it by hand).
    output_shards: int = Field(default=1, ge=1)
    window_s: float = Field(default=10.0, gt=0)
    threshold: int = Field(default=10, ge=1)
    # The SQL version's second pump: TRIGGER_COUNT = alarm rows in the last minute.
    trigger_window_s: float = Field(default=60.0, gt=0)
    # At most one alarm row per cooldown; 0 = off (every row, as the course's SQL does).
    cooldown_s: float = Field(default=0.0, ge=0)
    # Flink's TUMBLE offset: windows start at epoch + offset + k * window.
    window_offset_s: float = Field(default=0.0, ge=0)
    # Flink mode: an idle window closes this long after its end once the input is read to its end.
    close_grace_s: float = Field(default=1.0, ge=0)
    starting_position: StartingPosition = "NOW"
    # How often source offsets are committed (Faust's broker_commit_interval).
    commit_interval_s: float = Field(default=2.8, gt=0)
    # Kafka group session timeout: how soon a crashed instance's partitions are reassigned.
    session_timeout_s: float = Field(default=10.0, ge=6)
    # How often idle tumbling windows are checked for closing.
    tick_interval_s: float = Field(default=0.5, gt=0)
    # Input records handled (and alarm rows written) per batch, and how long a batch may wait.
    batch_size: int = Field(default=500, ge=1, le=500)
    batch_wait_s: float = Field(default=0.05, gt=0)
    # Clock difference allowed between brokers when the output is searched for rows already
    # written (the restart check; see ledger.py).
    ledger_margin_s: float = Field(default=5.0, ge=0)

    @property
    def window_ms(self) -> int:
        return round(self.window_s * 1000)

    @property
    def trigger_window_ms(self) -> int:
        return round(self.trigger_window_s * 1000)

    @property
    def cooldown_ms(self) -> int:
        return round(self.cooldown_s * 1000)

    @property
    def window_offset_ms(self) -> int:
        return round(self.window_offset_s * 1000)

    @property
    def close_grace_ms(self) -> int:
        return round(self.close_grace_s * 1000)

    @property
    def auto_offset_reset(self) -> str:
        return "earliest" if self.starting_position == "TRIM_HORIZON" else "latest"
