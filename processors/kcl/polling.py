"""Polling retrieval: GetShardIterator and GetRecords through a Kinesis endpoint with boto3.

As the KCL's PollingConfig: up to maxRecords (10,000) per call and idleTimeBetweenReadsInMillis
(1,500 ms) between calls; these calls share the shard's 5 GetRecords calls/s and 2 MiB/s with
every other polling reader. ProvisionedThroughputExceededException backs off for the idle time;
ExpiredIteratorException gets a fresh iterator after the last record read. ListShards is retried
on LimitExceededException after listShardsBackoffTimeInMillis, up to maxListShardsRetryAttempts.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from botocore.exceptions import ClientError

from cadabra.config import AwsSettings
from processors.kcl.errors import KinesisClientLibDependencyException
from processors.kcl.retrieval import FetchResult, starting_position
from processors.kcl.sequence import ExtendedSequenceNumber
from processors.kcl.settings import KclSettings
from processors.kcl.shard_sync import ShardInfo, shard_from_aws

__all__ = ["PollingFetcher", "PollingRetrieval"]

_LOG = logging.getLogger(__name__)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class PollingRetrieval:
    def __init__(self, kinesis: Any, settings: KclSettings | None = None) -> None:
        self.kinesis = kinesis
        self.settings = settings or KclSettings()

    @classmethod
    def from_endpoint(
        cls, endpoint_url: str, settings: KclSettings | None = None, aws: AwsSettings | None = None
    ) -> PollingRetrieval:
        import boto3

        aws = aws or AwsSettings()
        client = boto3.client(
            "kinesis",
            endpoint_url=endpoint_url,
            region_name=aws.region,
            aws_access_key_id=aws.access_key_id,
            aws_secret_access_key=aws.secret_access_key.get_secret_value(),
        )
        return cls(client, settings)

    def list_shards(self, stream: str) -> list[ShardInfo]:
        shards: list[ShardInfo] = []
        request: dict[str, Any] = {"StreamName": stream}
        while True:
            page = self._list_page(request)
            shards += [shard_from_aws(s) for s in page["Shards"]]
            token = page.get("NextToken")
            if not token:
                return shards
            request = {"NextToken": token}

    def _list_page(self, request: dict[str, Any]) -> dict[str, Any]:
        attempts = self.settings.max_list_shards_retry_attempts
        for _ in range(attempts):
            try:
                page: dict[str, Any] = self.kinesis.list_shards(**request)
                return page
            except ClientError as exc:
                if _code(exc) not in ("LimitExceededException", "ResourceInUseException"):
                    raise
                threading.Event().wait(self.settings.list_shards_backoff_ms / 1000)
        raise KinesisClientLibDependencyException(
            f"ListShards did not succeed in {attempts} attempts (maxListShardsRetryAttempts)"
        )

    def fetcher(self, stream: str, shard_id: str, stop: threading.Event) -> PollingFetcher:
        return PollingFetcher(self.kinesis, stream, shard_id, self.settings, stop)


class PollingFetcher:
    def __init__(
        self, kinesis: Any, stream: str, shard_id: str, settings: KclSettings, stop: threading.Event
    ) -> None:
        self._kinesis = kinesis
        self._stream = stream
        self._shard_id = shard_id
        self._settings = settings
        self._stop = stop
        self._iterator: str | None = None
        self._position: dict[str, str] = {}
        self._called = False

    def start(self, checkpoint: ExtendedSequenceNumber) -> None:
        self._position = starting_position(checkpoint)
        self._iterator = self._get_iterator(self._position)

    def _get_iterator(self, position: dict[str, str]) -> str:
        request: dict[str, Any] = {
            "StreamName": self._stream,
            "ShardId": self._shard_id,
            "ShardIteratorType": position["Type"],
        }
        if "SequenceNumber" in position:
            request["StartingSequenceNumber"] = position["SequenceNumber"]
        iterator: str = self._kinesis.get_shard_iterator(**request)["ShardIterator"]
        return iterator

    def fetch(self) -> FetchResult | None:
        if self._called and self._stop.wait(self._settings.idle_time_between_reads_ms / 1000):
            return None
        self._called = True
        if self._iterator is None:
            raise RuntimeError(f"fetch() before start() or after the end of {self._shard_id}")
        try:
            page = self._kinesis.get_records(
                ShardIterator=self._iterator, Limit=self._settings.max_records
            )
        except ClientError as exc:
            self._on_error(exc)
            return None
        return self._result(page)

    def _on_error(self, exc: ClientError) -> None:
        code = _code(exc)
        if code == "ExpiredIteratorException":
            self._iterator = self._get_iterator(self._position)
        elif code in ("ProvisionedThroughputExceededException", "InternalFailureException"):
            _LOG.debug("GetRecords on %s: %s", self._shard_id, code)
        else:
            raise exc

    def _result(self, page: dict[str, Any]) -> FetchResult:
        records: list[dict[str, Any]] = page.get("Records", [])
        if records:
            last = records[-1]["SequenceNumber"]
            self._position = {"Type": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": last}
        self._iterator = page.get("NextShardIterator")
        behind = int(page.get("MillisBehindLatest", 0))
        if self._iterator is None:
            children = [shard_from_aws(c) for c in page.get("ChildShards", [])]
            return FetchResult(records, behind, children)
        return FetchResult(records, behind)

    def close(self) -> None:
        self._iterator = None
