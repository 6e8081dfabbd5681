"""An event source mapping from a Kinesis stream to a Python function, run in this process.

`EventSourceMapping(stream, handler, settings)` reproduces what AWS Lambda runs for a
CreateEventSourceMapping on a Kinesis stream ARN: one poller per shard (a thread here) with one
batch in flight, parents read before children after resharding, error handling per the mapping's
settings, and a durable position per shard (SQLite, see positions.py) so a restarted mapping
resumes after its last processed batch. The mapping reads through the Kinesis API (boto3 against
Cadabra's endpoint), sharing each shard's 5 GetRecords calls/s with every other polling consumer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cadabra.config import AwsSettings, EndpointSettings
from processors.lambda_runner.context import FunctionIdentity
from processors.lambda_runner.destinations import OnFailureDestination, destination_from
from processors.lambda_runner.events import EventSource
from processors.lambda_runner.handlers import function_name_for
from processors.lambda_runner.invoker import FunctionInvoker, Handler
from processors.lambda_runner.positions import START_AT_STARTING_POSITION, PositionStore
from processors.lambda_runner.reader import KinesisShardReader, StartAt
from processors.lambda_runner.retries import RetryPolicy
from processors.lambda_runner.settings import LambdaSettings
from processors.lambda_runner.shard_worker import Batching, ShardWorker, Stopper
from processors.lambda_runner.shards import list_shards, ready_shards
from processors.lambda_runner.stats import MappingStats

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

__all__ = ["EventSourceMapping", "kinesis_client"]

logger = logging.getLogger(__name__)


def kinesis_client(endpoint_url: str | None = None, aws: AwsSettings | None = None) -> Any:
    """A boto3 Kinesis client on Cadabra's endpoint; throttling is retried by the mapping."""
    import boto3
    from botocore.config import Config

    aws = aws or AwsSettings()
    if endpoint_url is None:
        endpoint = EndpointSettings()
        endpoint_url = endpoint.url or f"http://{endpoint.host}:{endpoint.port}"
    return boto3.client(
        "kinesis",
        endpoint_url=endpoint_url,
        region_name=aws.region,
        aws_access_key_id=aws.access_key_id,
        aws_secret_access_key=aws.secret_access_key.get_secret_value(),
        config=Config(retries={"total_max_attempts": 1}),
    )


class EventSourceMapping:
    def __init__(
        self,
        stream: str,
        handler: Handler,
        settings: LambdaSettings | None = None,
        *,
        client: KinesisClient | None = None,
        destination: OnFailureDestination | None = None,
        positions: PositionStore | None = None,
        aws: AwsSettings | None = None,
    ) -> None:
        self.stream = stream
        self.handler = handler
        self.settings = settings or LambdaSettings()
        self.aws = aws or AwsSettings()
        self.client: KinesisClient = client or kinesis_client(aws=self.aws)
        self.function_name = self.settings.function_name or function_name_for(
            getattr(handler, "__qualname__", "function")
        )
        self.mapping_id = f"{self.function_name}/{stream}"
        self.positions = positions or PositionStore(self.settings.positions_path)
        self.destination = destination or self._configured_destination()
        self.stats = MappingStats()
        self._stopper = Stopper()
        self._wake = threading.Event()
        self._workers: dict[str, threading.Thread] = {}
        self._coordinator: threading.Thread | None = None
        self._lock = threading.Lock()

    def _configured_destination(self) -> OnFailureDestination | None:
        spec = self.settings.on_failure
        return destination_from(spec, self.client) if spec else None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> EventSourceMapping:
        summary = self.client.describe_stream_summary(StreamName=self.stream)
        description = summary["StreamDescriptionSummary"]
        self.stream_arn = description["StreamARN"]
        retention_s = description["RetentionPeriodHours"] * 3600
        age = self.settings.max_record_age_s
        self.policy = RetryPolicy(
            max_retries=self.settings.max_retries,
            max_record_age_s=retention_s if age == -1 else age,
            bisect=self.settings.bisect,
        )
        shards = [shard.shard_id for shard in list_shards(self.client, self.stream)]
        if self.positions.register(self.mapping_id, shards):
            logger.info("created mapping %s over %d shards", self.mapping_id, len(shards))
        self._invoker = self._function_invoker()
        self._coordinator = threading.Thread(
            target=self._coordinate, name=f"esm-{self.mapping_id}", daemon=True
        )
        self._coordinator.start()
        return self

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop polling; a batch being invoked finishes first (its checkpoint is kept)."""
        self._stopper.stop()
        self._wake.set()
        deadline = time.monotonic() + timeout_s
        threads = [self._coordinator] if self._coordinator else []
        with self._lock:
            threads += list(self._workers.values())
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def run_until(
        self, condition: Callable[[], bool], timeout_s: float, check_every_s: float = 0.05
    ) -> bool:
        """Start, run until `condition()` holds or the timeout passes, stop; whether it held."""
        self.start()
        deadline = time.monotonic() + timeout_s
        try:
            while not condition():
                if time.monotonic() >= deadline:
                    return False
                time.sleep(check_every_s)
            return True
        finally:
            self.stop()

    def __enter__(self) -> EventSourceMapping:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- shards -------------------------------------------------------------------------------

    def _coordinate(self) -> None:
        while not self._stopper.stopped:
            try:
                self._start_ready_shards()
            except Exception:
                logger.exception("listing the shards of %s failed", self.stream)
            self._wake.wait(self.settings.shard_refresh_s)
            self._wake.clear()

    def _start_ready_shards(self) -> None:
        with self._lock:
            self._workers = {s: t for s, t in self._workers.items() if t.is_alive()}
            running = set(self._workers)
        shards = list_shards(self.client, self.stream)
        positions = self.positions.positions(self.mapping_id)
        for shard_id in ready_shards(shards, positions, running):
            if self._stopper.stopped:
                return
            thread = threading.Thread(
                target=self._run_shard,
                args=(shard_id, positions.get(shard_id)),
                name=f"esm-{self.stream}-{shard_id}",
                daemon=True,
            )
            with self._lock:
                self._workers[shard_id] = thread
            thread.start()

    def _run_shard(self, shard_id: str, position: str | None) -> None:
        try:
            self._worker(shard_id, position).run()
        except Exception:
            logger.exception("the poller of %s stopped; it restarts from its checkpoint", shard_id)
            self._stopper.wait(self.settings.backoff_cap_s)  # no tight loop on a lasting error
        finally:
            self._wake.set()  # children may be ready, or this shard needs a new poller

    def _worker(self, shard_id: str, position: str | None) -> ShardWorker:
        reader = KinesisShardReader(
            self.client,
            self.stream,
            shard_id,
            self._start_at(position),
            wait=self._stopper.wait,
            backoff_base_s=self.settings.backoff_base_s,
            backoff_cap_s=self.settings.backoff_cap_s,
            on_throttle=lambda: self.stats.add(throttles=1),
        )

        def checkpoint(value: str) -> None:
            self.positions.checkpoint(self.mapping_id, shard_id, value)

        return ShardWorker(
            shard_id=shard_id,
            source=reader,
            invoke=self._invoker,
            checkpoint=checkpoint,
            policy=self.policy,
            batching=self._batching(),
            stopper=self._stopper,
            destination=self.destination,
            function_arn=self._invoker.function.arn,
            stream_arn=self.stream_arn,
            stats=self.stats,
        )

    def _start_at(self, position: str | None) -> StartAt:
        if position is None:  # a shard born after the mapping was created: all of it
            return StartAt("TRIM_HORIZON")
        if position == START_AT_STARTING_POSITION:
            kind = self.settings.starting_position
            timestamp = self.settings.starting_timestamp if kind == "AT_TIMESTAMP" else None
            return StartAt(kind, timestamp=timestamp)
        return StartAt("AFTER_SEQUENCE_NUMBER", position)

    def _batching(self) -> Batching:
        s = self.settings
        return Batching(
            batch_size=s.batch_size,
            window_s=s.batching_window_s,
            poll_interval_s=s.poll_interval_s,
            retry_base_s=s.backoff_base_s,
            retry_cap_s=s.backoff_cap_s,
        )

    def _function_invoker(self) -> FunctionInvoker:
        s = self.settings
        function = FunctionIdentity(
            function_name=self.function_name,
            region=self.aws.region,
            account_id=self.aws.account_id,
            memory_limit_in_mb=s.memory_mb,
            timeout_s=s.timeout_s,
        )
        role = s.role_arn or f"arn:aws:iam::{self.aws.account_id}:role/{self.function_name}-role"
        source = EventSource(self.stream_arn, self.aws.region, role)
        return FunctionInvoker(
            self.handler, function, source, report_batch_item_failures=s.report_batch_item_failures
        )
