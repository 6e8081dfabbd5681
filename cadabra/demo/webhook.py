"""The demo's SNS subscriber: a local HTTP endpoint that counts the alarm notifications it gets.

SNS POSTs a JSON notification (`x-amz-sns-message-type: Notification`); a
`SubscriptionConfirmation` is confirmed by fetching its `SubscribeURL`, as an HTTP subscriber
must. Each notification's receipt time is kept for the report.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["AlarmReceiver", "Notification"]


@dataclass(frozen=True)
class Notification:
    received_s: float  # wall-clock seconds
    subject: str
    message: str


@dataclass
class AlarmReceiver:
    host: str = "127.0.0.1"
    notifications: list[Notification] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                receiver.receive(self.headers.get("x-amz-sns-message-type", ""), body)
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the demo reports what arrived."""

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self._server.server_address[1]}/alarms"

    def receive(self, kind: str, body: dict[str, Any]) -> None:
        if kind == "SubscriptionConfirmation" and body.get("SubscribeURL"):
            urllib.request.urlopen(body["SubscribeURL"], timeout=10).close()  # noqa: S310
            return
        if kind == "Notification":
            self.notifications.append(
                Notification(time.time(), body.get("Subject", ""), body.get("Message", ""))
            )

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
