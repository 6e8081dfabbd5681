"""PutRecord and PutRecords: validate, route, apply the shard quotas, write durably.

Entries are checked against the quota in request order, as AWS does: a throttled entry gets
`ProvisionedThroughputExceededException` and later entries still go through, so PutRecords gives
no ordering guarantee. An entry is a success only once Kafka has acknowledged it (acks=all); a
write Kafka could not acknowledge is `InternalFailure`, and the caller resends just those.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cadabra.errors import InternalFailureException, ProvisionedThroughputExceededException
from cadabra.streams import validation as check
from cadabra.streams.kafka_writer import PendingWrite
from cadabra.streams.models import ShardInfo
from cadabra.streams.routing import Router
from cadabra.streams.sequence import sequence_base, shard_id

if TYPE_CHECKING:
    from cadabra.streams.service import StreamsService

__all__ = ["PendingPut", "PutRecordsEntry", "RecordWriter"]


@dataclass(slots=True)
class PutRecordsEntry:
    data: bytes
    partition_key: str
    explicit_hash_key: str | None = None


# Per record of a PutRecords answer: (SequenceNumber, ShardId), or the entry of its error.
Answer = tuple[str, str] | dict[str, str]


@dataclass(slots=True)
class PendingPut:
    """A PutRecords call whose accepted records are on their way to Kafka."""

    refused: list[dict[str, str] | None]  # the quota's refusals, by position
    accepted: list[int]
    indexes: list[int]
    write: PendingWrite

    def answers(self) -> tuple[list[Answer], int]:
        """Each record's answer, in call order, and how many failed (once the write is done)."""
        outcomes = self.write.outcomes()
        answers: list[Any] = list(self.refused)
        failed = len(answers) - len(outcomes)
        shards: dict[int, tuple[int, str]] = {}
        for position, index, outcome in zip(self.accepted, self.indexes, outcomes, strict=True):
            if type(outcome) is int:
                shard = shards.get(index)
                if shard is None:
                    shard = shards[index] = (sequence_base(index), shard_id(index))
                answers[position] = (str(shard[0] + outcome), shard[1])
            else:
                answers[position] = _INTERNAL_FAILURE
                failed += 1
        return answers, failed

    def response(self) -> dict[str, Any]:
        """AWS's PutRecords response, once the write is done (or timed out)."""
        answers, failed = self.answers()
        records = [
            {"SequenceNumber": a[0], "ShardId": a[1]} if isinstance(a, tuple) else dict(a)
            for a in answers
        ]
        return {"FailedRecordCount": failed, "Records": records, "EncryptionType": "NONE"}


_INTERNAL_FAILURE = {"ErrorCode": "InternalFailure", "ErrorMessage": "Internal Service Failure"}


class RecordWriter:
    def __init__(self, service: StreamsService) -> None:
        self._service = service
        self._routers: dict[str, Router] = {}

    def _router(self, name: str) -> Router:
        state = self._service.active_state(name)
        router = self._routers.get(name)
        if router is None or router.state is not state:
            router = self._routers[name] = Router(state)
        return router

    def put_record(
        self,
        data: bytes,
        partition_key: str,
        stream_name: str | None = None,
        stream_arn: str | None = None,
        explicit_hash_key: str | None = None,
        sequence_number_for_ordering: str | None = None,
    ) -> dict[str, Any]:
        if sequence_number_for_ordering is not None:
            check.check_sequence_number(sequence_number_for_ordering, "sequenceNumberForOrdering")
        entry = PutRecordsEntry(data, partition_key, explicit_hash_key)
        return self.single_response(self.put_records([entry], stream_name, stream_arn, single=True))

    @staticmethod
    def single_response(result: dict[str, Any]) -> dict[str, Any]:
        """PutRecord's answer (or error) from the PutRecords answer for its one record."""
        [outcome] = result["Records"]
        if outcome.get("ErrorCode") == "ProvisionedThroughputExceededException":
            raise ProvisionedThroughputExceededException(outcome["ErrorMessage"])
        if "ErrorCode" in outcome:
            raise InternalFailureException(outcome["ErrorMessage"])
        return {**outcome, "EncryptionType": "NONE"}

    def put_records(
        self,
        records: Sequence[PutRecordsEntry],
        stream_name: str | None = None,
        stream_arn: str | None = None,
        *,
        single: bool = False,
    ) -> dict[str, Any]:
        pending = self.begin(records, stream_name, stream_arn, single=single)
        pending.write.done.wait(self._service.kafka_writer.delivery_timeout_s + 5)
        return pending.response()

    def begin(
        self,
        records: Sequence[PutRecordsEntry],
        stream_name: str | None = None,
        stream_arn: str | None = None,
        *,
        single: bool = False,
        on_done: Callable[[PendingWrite], None] | None = None,
    ) -> PendingPut:
        """Validate, route, admit and hand the call's records to Kafka, without waiting for it.

        `on_done` runs on the Kafka writer's poller thread once every accepted record has its
        report (at once if none was accepted); then `response()` is AWS's answer.
        """
        name = self._service.stream_name(stream_name, stream_arn)
        router = self._router(name)
        keys = [entry.partition_key.encode() for entry in records]
        sizes = [len(entry.data) + len(key) for entry, key in zip(records, keys, strict=True)]
        hash_keys = self._validate(records, sizes, router, single=single)
        shards = [
            router.route(entry.partition_key, explicit)
            for entry, explicit in zip(records, hash_keys, strict=True)
        ]
        refused: list[dict[str, str] | None] = [None] * len(records)
        accepted = self._admit(name, shards, sizes, refused)
        indexes = [shards[position].index for position in accepted]
        write = self._service.kafka_writer.submit(
            self._service.topic(name),
            indexes,
            [keys[position] for position in accepted],
            [records[position].data for position in accepted],
            on_done,
        )
        return PendingPut(refused, accepted, indexes, write)

    def _validate(
        self, records: Sequence[PutRecordsEntry], sizes: list[int], router: Router, *, single: bool
    ) -> list[int | None]:
        """Explicit hash keys as numbers; the first invalid entry raises, naming its field."""
        max_bytes = router.state.max_record_size_kib * 1024
        if not single:
            check.check_records_batch(sizes)
        hash_keys: list[int | None] = []
        for position, (entry, size) in enumerate(zip(records, sizes, strict=True), start=1):
            explicit = entry.explicit_hash_key
            key_length = len(entry.partition_key)
            if explicit is None and 1 <= key_length <= 256 and size <= max_bytes:
                hash_keys.append(None)  # the common case: nothing to format
                continue
            field = "" if single else f"records.{position}.member."
            check.check_partition_key(entry.partition_key, f"{field}partitionKey")
            check.check_record_data(size, max_bytes, f"{field}data")
            hash_keys.append(check.check_explicit_hash_key(explicit, f"{field}explicitHashKey"))
        return hash_keys

    def _admit(
        self,
        name: str,
        shards: list[ShardInfo],
        sizes: list[int],
        refused: list[dict[str, str] | None],
    ) -> list[int]:
        """Positions of the entries the shard quotas accept, in request order."""
        quotas, account = self._service.quotas, self._service.aws.account_id
        if not quotas.enabled:
            return list(range(len(shards)))
        by_shard: dict[int, list[int]] = {}
        for position, shard in enumerate(shards):
            positions = by_shard.get(shard.index)
            if positions is None:
                by_shard[shard.index] = [position]
            else:
                positions.append(position)
        accepted: list[int] = []
        for index, positions in by_shard.items():  # shards' budgets are independent
            owner = shard_id(index)
            verdicts = quotas.admit_writes(name, owner, [sizes[p] for p in positions])
            for position, admitted in zip(positions, verdicts, strict=True):
                if admitted:
                    accepted.append(position)
                else:
                    error = quotas.write_error(name, owner, account)
                    refused[position] = {"ErrorCode": error.code, "ErrorMessage": error.message}
        return sorted(accepted)
