"""Fan-out retrieval: Cadabra's enhanced fan-out, reading Kafka directly through cadabra.streams.

Uses the public `StreamsService` API as the KCL 2.x's FanOutRetrievalFactory uses AWS's: the
application registers a stream consumer named after itself (RegisterStreamConsumer, or
DescribeStreamConsumer if it exists), then each shard consumer calls SubscribeToShard and reads
its events. Such reads never touch the shard's shared GetRecords budget (5 calls/s): each
consumer has its own 2 MiB/s per shard. A subscription ends after 5 minutes and is renewed from
its ContinuationSequenceNumber (AFTER_SEQUENCE_NUMBER); a subscription refused or taken over
(ResourceInUseException: the same consumer subscribed to the shard less than 5 s ago, e.g. by a
worker that just lost the lease) is retried a second later. Events are read by a pump thread
into a small queue, so a shard consumer never blocks longer than `poll_s` between lease checks.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any

from cadabra.errors import ResourceInUseException
from cadabra.streams import StreamsService
from processors.kcl.retrieval import FetchResult, starting_position
from processors.kcl.sequence import ExtendedSequenceNumber
from processors.kcl.shard_sync import ShardInfo, shard_from_aws

__all__ = ["FanOutFetcher", "FanOutRetrieval"]

_LOG = logging.getLogger(__name__)
_RETRY_S = 1.0


class FanOutRetrieval:
    def __init__(self, streams: StreamsService, consumer_name: str, poll_s: float = 0.2) -> None:
        self.streams = streams
        self.consumer_name = consumer_name
        self.poll_s = poll_s
        self._arns: dict[str, str] = {}
        self._lock = threading.Lock()

    def list_shards(self, stream: str) -> list[ShardInfo]:
        shards: list[ShardInfo] = []
        page = self.streams.list_shards(stream_name=stream)
        while True:
            shards += [shard_from_aws(s) for s in page["Shards"]]
            token = page.get("NextToken")
            if not token:
                return shards
            page = self.streams.list_shards(next_token=token)

    def consumer_arn(self, stream: str) -> str:
        """The application's registered consumer of `stream`, registered on first use."""
        with self._lock:
            if stream not in self._arns:
                self._arns[stream] = self._register(stream)
            return self._arns[stream]

    def _register(self, stream: str) -> str:
        stream_arn = self.streams.arn(stream)
        try:
            found = self.streams.register_stream_consumer(stream_arn, self.consumer_name)
            arn: str = found["Consumer"]["ConsumerARN"]
        except ResourceInUseException:
            described = self.streams.describe_stream_consumer(
                stream_arn=stream_arn, consumer_name=self.consumer_name
            )
            arn = described["ConsumerDescription"]["ConsumerARN"]
        return arn

    def fetcher(self, stream: str, shard_id: str, stop: threading.Event) -> FanOutFetcher:
        return FanOutFetcher(self, self.consumer_arn(stream), shard_id, stop)


class FanOutFetcher:
    def __init__(
        self, retrieval: FanOutRetrieval, consumer_arn: str, shard_id: str, stop: threading.Event
    ) -> None:
        self._streams = retrieval.streams
        self._poll_s = retrieval.poll_s
        self._arn = consumer_arn
        self._shard_id = shard_id
        self._stop = stop
        self._closed = threading.Event()
        self._events: queue.Queue[FetchResult] = queue.Queue(maxsize=2)
        self._position: dict[str, str] = {}
        self._pump: threading.Thread | None = None

    def start(self, checkpoint: ExtendedSequenceNumber) -> None:
        self._position = starting_position(checkpoint)
        self._pump = threading.Thread(
            target=self._run, name=f"kcl-fan-out-{self._shard_id}", daemon=True
        )
        self._pump.start()

    def _done(self) -> bool:
        return self._closed.is_set() or self._stop.is_set()

    def _run(self) -> None:
        while not self._done():
            try:
                events = self._streams.subscribe_to_shard(self._arn, self._shard_id, self._position)
                if self._drain(events):
                    return
            except ResourceInUseException as exc:
                _LOG.debug("SubscribeToShard %s: %s", self._shard_id, exc)
                self._closed.wait(_RETRY_S)
            except Exception:
                _LOG.exception("SubscribeToShard %s failed; subscribing again", self._shard_id)
                self._closed.wait(_RETRY_S)

    def _drain(self, events: Any) -> bool:
        """Queue the subscription's events; True once the shard's end was queued."""
        for event in events:
            result = self._result(event)
            while not self._put(result):
                if self._done():
                    return True
            if result.is_shard_end or self._done():
                return True
        return False

    def _put(self, result: FetchResult) -> bool:
        try:
            self._events.put(result, timeout=self._poll_s)
            return True
        except queue.Full:
            return False

    def _result(self, event: dict[str, Any]) -> FetchResult:
        records: list[dict[str, Any]] = event.get("Records", [])
        behind = int(event.get("MillisBehindLatest", 0))
        continuation = event.get("ContinuationSequenceNumber")
        if continuation is None:
            children = [shard_from_aws(c) for c in event.get("ChildShards", [])]
            return FetchResult(records, behind, children)
        self._position = {"Type": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": continuation}
        return FetchResult(records, behind)

    def fetch(self) -> FetchResult | None:
        try:
            return self._events.get(timeout=self._poll_s)
        except queue.Empty:
            return None

    def close(self) -> None:
        self._closed.set()
