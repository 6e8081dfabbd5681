"""Opaque Kinesis shard iterators that expire after five minutes.

An iterator names a position (stream, shard, next Kafka offset) and the time it was issued. It is
signed so that a truncated or edited iterator is rejected as malformed (InvalidArgumentException)
rather than read from a wrong position; one older than the TTL is ExpiredIteratorException, with
AWS's wording. Length stays well under AWS's 512-character limit.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

from cadabra.errors import ExpiredIteratorException, InvalidArgumentException

__all__ = ["IteratorCodec", "ShardPosition"]

_MAC_BYTES = 16


@dataclass(frozen=True, slots=True)
class ShardPosition:
    stream: str
    shard_index: int
    offset: int
    issued_ms: int


class IteratorCodec:
    def __init__(self, secret: bytes, ttl_ms: int) -> None:
        self._secret = secret
        self._ttl_ms = ttl_ms

    def encode(self, position: ShardPosition) -> str:
        body = (
            f"{position.stream}|{position.shard_index}|{position.offset}|{position.issued_ms}"
        ).encode()
        token = body + self._mac(body)
        return base64.urlsafe_b64encode(token).decode("ascii")

    def decode(self, iterator: str, now_ms: int) -> ShardPosition:
        position = self._parse(iterator)
        age_ms = now_ms - position.issued_ms
        if age_ms > self._ttl_ms:
            raise ExpiredIteratorException(
                f"Iterator expired. The iterator was created at time {position.issued_ms} "
                f"while right now it is {now_ms} which is further in the future than the "
                f"tolerated delay of {self._ttl_ms} milliseconds."
            )
        return position

    def _parse(self, iterator: str) -> ShardPosition:
        try:
            token = base64.urlsafe_b64decode(iterator.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise _malformed(iterator) from None
        body, mac = token[:-_MAC_BYTES], token[-_MAC_BYTES:]
        if len(token) <= _MAC_BYTES or not hmac.compare_digest(mac, self._mac(body)):
            raise _malformed(iterator)
        stream, index, offset, issued = body.decode().rsplit("|", 3)
        return ShardPosition(stream, int(index), int(offset), int(issued))

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._secret, body, hashlib.sha256).digest()[:_MAC_BYTES]


def _malformed(iterator: str) -> InvalidArgumentException:
    shown = iterator if len(iterator) <= 64 else iterator[:64] + "..."
    return InvalidArgumentException(f"Invalid ShardIterator: {shown!r} is not a valid iterator.")
