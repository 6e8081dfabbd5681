"""Settings of the KCL-style consumer: the KCL 2.x timing and polling defaults.

Names follow the KCL's configuration (LeaseManagementConfig, PollingConfig, CoordinatorConfig);
every value can be set by an environment variable `CADABRA_KCL_<FIELD>` so that tests and small
deployments shorten the failover time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["KclSettings"]

EPSILON_MS = 25


class KclSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CADABRA_KCL_")

    # Lease management (LeaseManagementConfig).
    failover_time_ms: int = Field(default=10_000, gt=0)
    max_leases_for_worker: int = Field(default=0, ge=0)  # 0 = unlimited (the KCL's MAX_VALUE)
    max_leases_to_steal_at_one_time: int = Field(default=1, ge=0)
    shard_sync_interval_ms: int = Field(default=60_000, gt=0)
    cleanup_leases_upon_shard_completion: bool = True
    lease_db_path: Path = Path("kcl-leases.sqlite3")
    # Where a new application starts in a shard with no lease yet (InitialPositionInStream).
    initial_position: Literal["TRIM_HORIZON", "LATEST"] = "LATEST"
    # Polling retrieval (PollingConfig).
    max_records: int = Field(default=10_000, ge=1, le=10_000)
    idle_time_between_reads_ms: int = Field(default=1_500, ge=0)
    list_shards_backoff_ms: int = Field(default=1_500, ge=0)
    max_list_shards_retry_attempts: int = Field(default=50, ge=1)
    retrieval_mode: Literal["polling", "fan_out"] = "polling"
    # Scheduler (CoordinatorConfig): how often it looks for new leases to process.
    shard_consumer_dispatch_poll_ms: int = Field(default=1_000, gt=0)
    parent_shard_poll_ms: int = Field(default=10_000, gt=0)
    # How long the scheduler waits for record processors to finish on shutdown.
    shutdown_timeout_ms: int = Field(default=30_000, gt=0)

    @property
    def renewer_interval_ms(self) -> int:
        """failover/3 - epsilon, as DynamoDBLeaseCoordinator (3,308 ms by default)."""
        return max(1, self.failover_time_ms // 3 - EPSILON_MS)

    @property
    def taker_interval_ms(self) -> int:
        """(failover + epsilon) * 2, as DynamoDBLeaseCoordinator (20,050 ms by default)."""
        return (self.failover_time_ms + EPSILON_MS) * 2
