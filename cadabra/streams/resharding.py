"""SplitShard, MergeShards and UpdateShardCount, on Kafka, which can only add partitions.

AWS's rules and errors are in `reshard_rules.py`: provisioned, ACTIVE streams only (so one
resharding at a time), open shards only, adjacent merges, split keys strictly inside the parent,
UpdateShardCount (UNIFORM_SCALING) within half to twice the open shards and 10 times a day.

Kafka's side: parents keep their partitions (readable until retention) and close at an offset;
children are new partitions. The calls are synchronous; while they run the stream is UPDATING.

Closing a parent without losing a record in flight. PutRecords routes with the map it reads at
the call and waits for Kafka's acknowledgement; a write routed to the parent just before routing
switches may land after any offset read too early. So:
  1. the stream turns UPDATING in the map (a second resharding now gets ResourceInUseException);
  2. the children's partitions are created, and the writer's and readers' metadata refreshed (a
     producer that does not know a partition refuses to write to it);
  3. the map gets the children (open) and the parents marked closed, without an ending offset:
     from here on every write is routed to the children;
  4. the write barrier (`inflight.py`) waits until every PutRecord(s) call that started before
     step 3 has returned, i.e. every record routed to a parent has been acknowledged or failed;
  5. each parent's high watermark is read: every acknowledged record lies below it, and nothing
     can be routed to the parent any more, so it is the parent's exact end;
  6. the map gets the ending offsets and the stream turns ACTIVE.
Between 3 and 6 readers of a parent still get NextShardIterator (its end is not known yet); after
6 they drain it to the end and get ChildShards. Every record is thus either below the parent's end
or in a child. The barrier sees the writes of this process: by design the endpoint is the one
process writing to a stack's streams (the quotas converge there). Another process writing with an
older copy of the map would keep writing to a closed parent until it refreshes its map.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from confluent_kafka import KafkaError, KafkaException

from cadabra.errors import InternalFailureException
from cadabra.streams import reshard_rules as rules
from cadabra.streams import validation as check
from cadabra.streams.constraints import check_enum, check_hash_key, check_name
from cadabra.streams.models import StreamState
from cadabra.streams.reshard_plan import ReshardPlan, merge_plan, split_plan, uniform_plan

if TYPE_CHECKING:
    from cadabra.streams.service import StreamsService

__all__ = ["Resharder"]


class Resharder:
    def __init__(self, service: StreamsService) -> None:
        self._service = service
        # A write call returns within the writer's delivery timeout (30 s) plus 5 s.
        self.drain_timeout_s = 120.0

    def split_shard(
        self,
        shard_to_split: str,
        new_starting_hash_key: str,
        stream_name: str | None = None,
        stream_arn: str | None = None,
    ) -> dict[str, Any]:
        check_name(shard_to_split, "shardToSplit")
        key = check_hash_key(new_starting_hash_key, "newStartingHashKey")
        name, account = self._service.stream_name(stream_name, stream_arn), self._account
        with self._service._lock:
            state = rules.updatable(self._service, name)
            parent = rules.open_shard(state, shard_to_split, account)
            rules.check_split_key(parent, key, name, account)
            rules.check_shard_limit(self._service, 1)
            now = self._service.clock_ms()
            self._apply(state, split_plan(state, parent, key, now), now)
        return {}

    def merge_shards(
        self,
        shard_to_merge: str,
        adjacent_shard_to_merge: str,
        stream_name: str | None = None,
        stream_arn: str | None = None,
    ) -> dict[str, Any]:
        check_name(shard_to_merge, "shardToMerge")
        check_name(adjacent_shard_to_merge, "adjacentShardToMerge")
        name, account = self._service.stream_name(stream_name, stream_arn), self._account
        with self._service._lock:
            state = rules.updatable(self._service, name)
            shard = rules.open_shard(state, shard_to_merge, account)
            adjacent = rules.open_shard(state, adjacent_shard_to_merge, account)
            rules.check_adjacent(shard, adjacent, name, account)
            now = self._service.clock_ms()
            self._apply(state, merge_plan(state, shard, adjacent, now), now)
        return {}

    def update_shard_count(
        self,
        target_shard_count: int,
        scaling_type: str = "UNIFORM_SCALING",
        stream_name: str | None = None,
        stream_arn: str | None = None,
    ) -> dict[str, Any]:
        check_enum(scaling_type, "scalingType", ("UNIFORM_SCALING",))
        check.check_range(target_shard_count, "targetShardCount", 1, 2**31 - 1)
        name = self._service.stream_name(stream_name, stream_arn)
        with self._service._lock:
            state = rules.updatable(self._service, name)
            current = len(state.open_shards)
            rules.check_target(current, target_shard_count)
            now = self._service.clock_ms()
            recent = rules.check_scaling_rate(state, now, self._account)
            rules.check_shard_limit(self._service, target_shard_count - current)
            plan = uniform_plan(state, target_shard_count, now)
            self._apply(state, plan, now, scaled=[*recent, now])
        return {
            "StreamName": name,
            "CurrentShardCount": current,
            "TargetShardCount": target_shard_count,
            "StreamARN": self._service.arn(name),
        }

    @property
    def _account(self) -> str:
        return self._service.aws.account_id

    # -- the closing protocol (see the module docstring) ------------------------------------

    def _apply(
        self, state: StreamState, plan: ReshardPlan, now: int, scaled: list[int] | None = None
    ) -> None:
        name, topic = state.name, self._service.topic(state.name)
        self._put_status(state, "UPDATING")
        try:
            self._add_partitions(topic, len(state.shards) + len(plan.new))
        except Exception:
            self._put_status(self._service.state(name), "ACTIVE")
            raise
        switched = self._service.state(name).copy()
        for index in plan.closing:
            switched.shards[index].closed_ms = now
        switched.shards.extend(plan.new)
        self._service.shard_map.put(switched)
        if not self._service.write_barrier.drain(self.drain_timeout_s):
            raise InternalFailureException(
                f"Writes to stream {name} did not finish within {self.drain_timeout_s:g} s; "
                "the resharding stays UPDATING."
            )
        final = self._service.state(name).copy()
        for index in plan.closing:
            shard = final.shards[index]
            high = self._service.kafka_reader.watermarks(topic, index)[1]
            shard.ending_offset = max(high, shard.starting_offset)
        final.status = "ACTIVE"
        if scaled is not None:
            final.scaling_ms = scaled
        self._service.shard_map.put(final)

    def _put_status(self, state: StreamState, status: str) -> None:
        changed = state.copy()
        changed.status = status
        self._service.shard_map.put(changed)

    def _add_partitions(self, topic: str, total: int) -> None:
        try:
            self._service.admin.add_partitions(topic, total)
        except KafkaException as exc:
            # An interrupted resharding may have added them already; they were never written.
            if exc.args[0].code() != KafkaError.INVALID_PARTITIONS:
                raise
            self._service.admin.wait_for_leaders(topic, total)
        self._service.kafka_writer.refresh_metadata(topic, total)
        self._service.kafka_reader.refresh_metadata(topic)
