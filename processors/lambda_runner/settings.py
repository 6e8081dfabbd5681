"""Settings of a Lambda event source mapping for a Kinesis stream (prefix `CADABRA_LAMBDA_`).

The fields are the Kinesis parameters of AWS Lambda's CreateEventSourceMapping, with AWS's
defaults and bounds: BatchSize 100 (1..10,000), MaximumBatchingWindowInSeconds 0 (0..300),
MaximumRetryAttempts -1 (-1..10,000; -1 = until the record expires), MaximumRecordAgeInSeconds -1
(-1 or 60..604,800; -1 = the stream's retention), BisectBatchOnFunctionError false,
FunctionResponseTypes [ReportBatchItemFailures] off, StartingPosition (TRIM_HORIZON, LATEST or
AT_TIMESTAMP with StartingPositionTimestamp) and a DestinationConfig.OnFailure destination.
The rest describe the function (name, memory, timeout, role) and how the runner polls.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["MAX_BATCH_SIZE", "LambdaSettings", "StartingPosition"]

MAX_BATCH_SIZE = 10_000
StartingPosition = Literal["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"]


class LambdaSettings(BaseSettings):
    """One event source mapping: a stream, a function, and how batches reach it."""

    model_config = SettingsConfigDict(env_prefix="CADABRA_LAMBDA_")

    # FunctionName; None = derived from the handler ("orders:handler" -> "orders-handler").
    function_name: str | None = Field(default=None, pattern=r"^[a-zA-Z0-9_-]{1,64}$")
    batch_size: int = Field(default=100, ge=1, le=MAX_BATCH_SIZE)
    batching_window_s: float = Field(default=0.0, ge=0, le=300)
    starting_position: StartingPosition = "TRIM_HORIZON"
    starting_timestamp: datetime | None = None
    max_retries: int = Field(default=-1, ge=-1, le=10_000)
    max_record_age_s: int = Field(default=-1, ge=-1, le=604_800)
    bisect: bool = False
    report_batch_item_failures: bool = False
    # "file:PATH" / a path (JSON lines), or "kinesis:STREAM" / a Kinesis stream ARN; None = none.
    on_failure: str | None = None
    # Where each shard's position is kept (SQLite); it survives restarts of the runner.
    positions_path: Path = Path(".cadabra/lambda-positions.sqlite")
    memory_mb: int = Field(default=128, ge=128, le=10_240)
    timeout_s: int = Field(default=3, ge=1, le=900)
    # The execution role reported as invokeIdentityArn; None = arn:aws:iam::<account>:role/<fn>.
    role_arn: str | None = None
    # Wait between polls of a shard that returned nothing (Lambda polls about once a second).
    poll_interval_s: float = Field(default=1.0, gt=0)
    # How often the shard list is re-read to find children after resharding.
    shard_refresh_s: float = Field(default=10.0, gt=0)
    # Backoff after a throttled GetRecords and between retries of a failed batch (doubling).
    backoff_base_s: float = Field(default=0.1, gt=0)
    backoff_cap_s: float = Field(default=5.0, gt=0)

    @model_validator(mode="after")
    def _check(self) -> LambdaSettings:
        if 0 <= self.max_record_age_s < 60:
            raise ValueError(
                "MaximumRecordAgeInSeconds must be -1 or between 60 and 604800, "
                f"not {self.max_record_age_s}"
            )
        if self.starting_position == "AT_TIMESTAMP" and self.starting_timestamp is None:
            raise ValueError("StartingPositionTimestamp is required with AT_TIMESTAMP")
        return self
