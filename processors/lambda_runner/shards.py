"""Which shards of a stream a mapping reads now: parents before children, as Lambda does.

After a split or a merge the parent shards are closed; records of a partition key written before
the resharding are in a parent, later ones in a child. To keep each key in order, a child is read
only once every parent it has is read to its end (SHARD_END) or has expired from the stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from processors.lambda_runner.positions import SHARD_END

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

__all__ = ["ShardNode", "list_shards", "ready_shards"]


@dataclass(frozen=True)
class ShardNode:
    shard_id: str
    parents: tuple[str, ...] = ()
    closed: bool = False

    @classmethod
    def from_aws(cls, shard: Any) -> ShardNode:
        parents = tuple(
            shard[key] for key in ("ParentShardId", "AdjacentParentShardId") if shard.get(key)
        )
        closed = "EndingSequenceNumber" in shard.get("SequenceNumberRange", {})
        return cls(shard["ShardId"], parents, closed)


def list_shards(client: KinesisClient, stream_name: str) -> list[ShardNode]:
    """Every shard of the stream still within retention (ListShards, all pages)."""
    response = client.list_shards(StreamName=stream_name)
    shards = [ShardNode.from_aws(s) for s in response["Shards"]]
    while response.get("NextToken"):
        response = client.list_shards(NextToken=response["NextToken"])
        shards += [ShardNode.from_aws(s) for s in response["Shards"]]
    return shards


def ready_shards(
    shards: list[ShardNode], positions: dict[str, str], running: set[str]
) -> list[str]:
    """Shards to start reading: not finished, not being read, and every listed parent finished."""
    listed = {shard.shard_id for shard in shards}
    return [
        shard.shard_id
        for shard in shards
        if shard.shard_id not in running
        and positions.get(shard.shard_id) != SHARD_END
        and all(positions.get(p) == SHARD_END for p in shard.parents if p in listed)
    ]
