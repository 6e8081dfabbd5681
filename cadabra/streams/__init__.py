"""Kinesis Data Streams on Kafka: a stream is a topic, a shard is a partition."""

from __future__ import annotations

from cadabra.streams.hashing import MAX_HASH_KEY, even_ranges, hash_key
from cadabra.streams.sequence import decode_sequence, encode_sequence, shard_id
from cadabra.streams.service import StreamsService
from cadabra.streams.writes import PutRecordsEntry

__all__ = [
    "MAX_HASH_KEY",
    "PutRecordsEntry",
    "StreamsService",
    "decode_sequence",
    "encode_sequence",
    "even_ranges",
    "hash_key",
    "shard_id",
]
