"""Kinesis hash keys: MD5 of the partition key as an unsigned 128-bit integer.

A stream's open shards cover [0, 2^128 - 1] without gaps. CreateStream with N shards splits the
range evenly: shard i starts at i * floor(2^128 / N) and the last shard ends at 2^128 - 1
(2 shards split at 2^127, as AWS's DescribeStream shows).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

__all__ = ["HASH_KEY_SPACE", "MAX_HASH_KEY", "even_ranges", "hash_key"]

HASH_KEY_SPACE = 1 << 128
MAX_HASH_KEY = HASH_KEY_SPACE - 1


@lru_cache(maxsize=65_536)  # producers reuse keys (customer ids); MD5 + int() is the hot path
def hash_key(partition_key: str) -> int:
    """The 128-bit hash key AWS (and the KCL) compute for a partition key."""
    digest = hashlib.md5(partition_key.encode("utf-8"), usedforsecurity=False).digest()
    return int.from_bytes(digest, "big")


def even_ranges(shard_count: int) -> list[tuple[int, int]]:
    """Inclusive (start, end) hash-key ranges of `shard_count` new shards."""
    width = HASH_KEY_SPACE // shard_count
    starts = [i * width for i in range(shard_count)]
    ends = [start - 1 for start in starts[1:]] + [MAX_HASH_KEY]
    return list(zip(starts, ends, strict=True))
