"""The live alarm feed as Server-Sent Events (`GET /api/alarms/stream`).

Each alarm is one event `alarm` whose id is the alarm's number, so a browser that reconnects sends
Last-Event-ID and gets only what it missed (also `?after=N`). The reader's state goes out as an
event `status` whenever it changes, and a comment every 15 s keeps proxies from closing the
connection. The feed checks its in-memory board a few times a second; the board is filled by the
Kinesis reader's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from typing import Any

from processors.webapp.responses import CSP, Receive, Scope, Send
from processors.webapp.sources import AlarmsSource

__all__ = ["AlarmFeed", "sse_event"]

CHECK_INTERVAL_S = 0.2
KEEPALIVE_S = 15.0
RETRY_MS = 1000


def sse_event(event: str, data: Any, event_id: int | None = None) -> bytes:
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append(f"data: {json.dumps(data, separators=(',', ':'))}")
    return ("\n".join(lines) + "\n\n").encode()


def _after(scope: Scope, query: dict[str, str]) -> int:
    headers = dict(scope.get("headers") or [])
    text = headers.get(b"last-event-id", b"").decode() or query.get("after", "0")
    return int(text) if text.isdigit() else 0


class AlarmFeed:
    """Streams one client's alarms until it disconnects or the app closes."""

    def __init__(self, alarms: AlarmsSource, closing: threading.Event | None = None) -> None:
        self.alarms = alarms
        # Set (from any thread) when the server shuts down, so open feeds end.
        self.closing = closing or threading.Event()

    async def __call__(
        self, scope: Scope, receive: Receive, send: Send, query: dict[str, str]
    ) -> None:
        gone = asyncio.Event()
        watcher = asyncio.create_task(self._watch(receive, gone))
        try:
            await self._start(send)
            await self._stream(send, _after(scope, query), gone)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    async def _start(self, send: Send) -> None:
        headers = {
            "content-type": "text/event-stream; charset=utf-8",
            "cache-control": "no-store",
            "x-accel-buffering": "no",
            "content-security-policy": CSP,
        }
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
            }
        )
        await self._send(send, f"retry: {RETRY_MS}\n\n".encode())

    async def _stream(self, send: Send, after: int, gone: asyncio.Event) -> None:
        status: Any = None
        beat = time.monotonic()
        while not gone.is_set() and not self.closing.is_set():
            chunk = b""
            current = self.alarms.status().to_json()
            if current != status:
                status = current
                chunk += sse_event("status", current)
            for alarm in self.alarms.since(after):
                chunk += sse_event("alarm", alarm.to_json(), alarm.id)
                after = alarm.id
            if not chunk and time.monotonic() - beat >= KEEPALIVE_S:
                chunk = b": keepalive\n\n"
            if chunk:
                await self._send(send, chunk)
                beat = time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(gone.wait(), CHECK_INTERVAL_S)
        if not gone.is_set():
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    @staticmethod
    async def _send(send: Send, body: bytes) -> None:
        await send({"type": "http.response.body", "body": body, "more_body": True})

    @staticmethod
    async def _watch(receive: Receive, gone: asyncio.Event) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        gone.set()
