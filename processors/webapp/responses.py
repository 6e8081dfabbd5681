"""Small ASGI response helpers for the client app (no web framework: plain ASGI on uvicorn).

Every response carries a Content-Security-Policy that lets the page load and call only its own
origin, so nothing is fetched from elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["CSP", "Receive", "Scope", "Send", "send_bytes", "send_error", "send_json"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def _headers(content_type: str, length: int, extra: dict[str, str]) -> list[tuple[bytes, bytes]]:
    headers = {
        "content-type": content_type,
        "content-length": str(length),
        "content-security-policy": CSP,
        "x-content-type-options": "nosniff",
        **extra,
    }
    return [(name.encode(), value.encode()) for name, value in headers.items()]


async def send_bytes(
    send: Send,
    body: bytes,
    content_type: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
    head: bool = False,
) -> None:
    """A whole response; `head` sends the headers only (a HEAD request)."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": _headers(content_type, len(body), headers or {}),
        }
    )
    await send({"type": "http.response.body", "body": b"" if head else body})


async def send_json(send: Send, payload: Any, status: int = 200, head: bool = False) -> None:
    body = json.dumps(payload, separators=(",", ":")).encode()
    no_store = {"cache-control": "no-store"}
    await send_bytes(send, body, "application/json", status, no_store, head)


async def send_error(send: Send, status: int, code: str, message: str) -> None:
    """An error shaped like AWS's JSON errors: `{"__type": code, "message": ...}`."""
    await send_json(send, {"__type": code, "message": message}, status)
