"""AWS's rules for SplitShard, MergeShards and UpdateShardCount, with AWS's errors and wording.

- The stream is ACTIVE (ResourceInUseException "... not ACTIVE, instead in state UPDATING") and
  provisioned (ValidationException "... is in On-Demand mode.").
- Shards exist (ResourceNotFoundException "Could not find shard ...") and are OPEN
  (InvalidArgumentException "... has already been merged or split ...").
- A split key lies beyond the parent's StartingHashKey + 1 and before its EndingHashKey.
- Merged shards are adjacent: their hash-key ranges meet without a gap, in either order.
- UpdateShardCount: at most double and at least half the open shards (LimitExceededException,
  AWS's words), at most 10,000 per stream, not the current count (AWS does not say what it does
  then; Cadabra refuses the no-op with InvalidArgumentException), and at most 10 calls per
  rolling 24 hours per stream (LimitExceededException).
- The account's open shards stay within `StreamsSettings.shard_limit` (LimitExceededException).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cadabra.errors import (
    InvalidArgumentException,
    LimitExceededException,
    ResourceInUseException,
    ResourceNotFoundException,
    ValidationException,
)
from cadabra.streams.listing import open_shard_count
from cadabra.streams.models import ShardInfo, StreamState
from cadabra.streams.sequence import shard_index

if TYPE_CHECKING:
    from cadabra.streams.service import StreamsService

__all__ = [
    "DAY_MS",
    "MAX_SCALINGS_PER_DAY",
    "check_adjacent",
    "check_scaling_rate",
    "check_shard_limit",
    "check_split_key",
    "check_target",
    "open_shard",
    "updatable",
]

MAX_SCALINGS_PER_DAY = 10
MAX_SHARDS_PER_STREAM = 10_000
DAY_MS = 24 * 3_600_000


def updatable(service: StreamsService, name: str) -> StreamState:
    """The stream, if a resharding may start on it now."""
    service.shard_map.refresh()  # another process may have started one
    state = service.state(name)
    account = service.aws.account_id
    if state.status != "ACTIVE":
        raise ResourceInUseException(
            f"Stream {name} under account {account} not ACTIVE, instead in state {state.status}"
        )
    if state.stream_mode == "ON_DEMAND":
        raise ValidationException(
            f"Request is invalid. Stream {name} under account {account} is in On-Demand mode."
        )
    return state


def open_shard(state: StreamState, requested: str, account: str) -> ShardInfo:
    index = shard_index(requested)
    shard = state.shard(index) if index is not None else None
    if shard is None:
        raise ResourceNotFoundException(
            f"Could not find shard {requested} in stream {state.name} under account {account}."
        )
    if not shard.is_open:
        raise InvalidArgumentException(
            f"Shard {shard.shard_id} in stream {state.name} under account {account} has already "
            "been merged or split, and thus is not eligible for merging or splitting."
        )
    return shard


def check_split_key(parent: ShardInfo, key: int, stream: str, account: str) -> None:
    start, end = parent.starting_hash_key, parent.ending_hash_key
    if not start + 1 < key < end:
        raise InvalidArgumentException(
            f"NewStartingHashKey {key} used in SplitShard() on shard {parent.shard_id} in stream "
            f"{stream} under account {account} is not both greater than one plus the shard's "
            f"StartingHashKey {start} and less than the shard's EndingHashKey {end}."
        )


def check_adjacent(shard: ShardInfo, other: ShardInfo, stream: str, account: str) -> None:
    if not (
        shard.ending_hash_key + 1 == other.starting_hash_key
        or other.ending_hash_key + 1 == shard.starting_hash_key
    ):
        raise InvalidArgumentException(
            f"Shards {shard.shard_id} and {other.shard_id} in stream {stream} under account "
            f"{account} are not an adjacent pair of shards eligible for merging"
        )


def check_target(current: int, target: int) -> None:
    counts = f"Current open shard count: {current}, Target shard count: {target}"
    if target == current:
        raise InvalidArgumentException(
            f"UpdateShardCount needs a target shard count different from the current open shard "
            f"count. {counts}"
        )
    if target > 2 * current:
        raise LimitExceededException(
            f"UpdateShardCount cannot scale up over double your current open shard count. {counts}"
        )
    if 2 * target < current:
        raise LimitExceededException(
            f"UpdateShardCount cannot scale down below half your current open shard count. {counts}"
        )
    if target > MAX_SHARDS_PER_STREAM:
        raise LimitExceededException(
            f"UpdateShardCount cannot scale a stream beyond {MAX_SHARDS_PER_STREAM} shards. "
            f"{counts}"
        )


def check_scaling_rate(state: StreamState, now_ms: int, account: str) -> list[int]:
    """The stream's scalings of the last 24 hours, if one more is allowed."""
    recent = [t for t in state.scaling_ms if now_ms - t < DAY_MS]
    if len(recent) >= MAX_SCALINGS_PER_DAY:
        raise LimitExceededException(
            f"UpdateShardCount on stream {state.name} under account {account} exceeds the limit "
            f"of {MAX_SCALINGS_PER_DAY} scaling operations per rolling 24-hour period. The oldest "
            f"of them expires at {min(recent) + DAY_MS} (epoch ms)."
        )
    return recent


def check_shard_limit(service: StreamsService, added: int) -> None:
    limit, account = service.settings.shard_limit, service.aws.account_id
    resulting = open_shard_count(service) + added
    if added > 0 and resulting > limit:
        raise LimitExceededException(
            f"This request would exceed the shard limit for the account {account} in "
            f"{service.aws.region}. Current limit of shards is {limit}. Number of shards that "
            f"would have resulted from this request is {resulting}."
        )
