"""NextToken for ListStreams, ListShards and ListStreamConsumers: opaque, signed, 300 s old at most.

AWS's pagination tokens are opaque strings; those of ListShards and ListStreamConsumers expire 300 s
after they are issued (`ExpiredNextTokenException`). Cadabra's token names the operation, the
stream, where the previous page stopped and whatever else the next page needs (ListShards keeps the
first call's ShardFilter in it, since AWS refuses a ShardFilter next to a NextToken). It is signed
with the iterator secret, so a truncated or edited token is `InvalidArgumentException`, never a
wrong page. ListStreams' tokens expire after 300 s too: AWS does not say how long they live, but its
error list for ListStreams names ExpiredNextTokenException.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

from cadabra.errors import ExpiredNextTokenException, InvalidArgumentException

__all__ = ["TOKEN_TTL_MS", "PageToken", "PageTokens"]

TOKEN_TTL_MS = 300_000
_MAC_BYTES = 16


@dataclass(frozen=True, slots=True)
class PageToken:
    operation: str
    stream: str
    after: str
    issued_ms: int
    extra: dict[str, Any] = field(default_factory=dict)


class PageTokens:
    """Issues and checks the NextToken of one service's list operations."""

    def __init__(self, secret: bytes, ttl_ms: int = TOKEN_TTL_MS) -> None:
        self._secret = secret
        self._ttl_ms = ttl_ms

    def issue(
        self,
        operation: str,
        stream: str,
        after: str,
        now_ms: int,
        extra: dict[str, Any] | None = None,
    ) -> str:
        document = {"o": operation, "s": stream, "a": after, "t": now_ms, "x": extra or {}}
        body = json.dumps(document, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(body + self._mac(body)).decode("ascii")

    def read(self, token: str, operation: str, now_ms: int) -> PageToken:
        """The token's content; InvalidArgumentException if forged or for another operation,
        ExpiredNextTokenException once older than the TTL."""
        page = self._parse(token)
        if page.operation != operation:
            raise _invalid(token)
        if now_ms - page.issued_ms > self._ttl_ms:
            raise ExpiredNextTokenException(
                f"The NextToken has expired: it was issued at {page.issued_ms} and it is now "
                f"{now_ms}; tokens are valid for {self._ttl_ms // 1000} seconds. List again "
                "without NextToken."
            )
        return page

    def _parse(self, token: str) -> PageToken:
        try:
            raw = base64.urlsafe_b64decode(token.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise _invalid(token) from None
        body, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
        if len(raw) <= _MAC_BYTES or not hmac.compare_digest(mac, self._mac(body)):
            raise _invalid(token)
        document = json.loads(body)
        return PageToken(
            document["o"], document["s"], document["a"], int(document["t"]), document["x"]
        )

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._secret, b"next-token|" + body, hashlib.sha256).digest()[:_MAC_BYTES]


def _invalid(token: str) -> InvalidArgumentException:
    shown = token if len(token) <= 64 else token[:64] + "..."
    return InvalidArgumentException(f"Invalid NextToken: {shown!r} is not a valid token.")
