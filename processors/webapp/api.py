"""The client app's HTTP side: the page, its files and a JSON API, as one plain ASGI app.

    GET /                              the page (static/index.html)
    GET /static/{app.js,style.css}     its script and style sheet
    GET /api/customers/{id}/orders     a customer's order history, newest first, with totals
    GET /api/alarms[?after=N]          the kept alarms (newest first) and the reader's status
    GET /api/alarms/stream[?after=N]   the same live, as Server-Sent Events (events.py)

Orders come from an `OrdersSource` (DynamoDB Query on CustomerID), alarms from an `AlarmsSource`.
Errors are JSON shaped like AWS's, `{"__type": ..., "message": ...}`: 400 ValidationException for a
customer id that is not a number, 502 with the table's own error code when the query fails.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl

from botocore.exceptions import BotoCoreError, ClientError

from processors.webapp.errors import InvalidCustomerIdError
from processors.webapp.events import AlarmFeed
from processors.webapp.orders import order_history
from processors.webapp.responses import Receive, Scope, Send, send_bytes, send_error, send_json
from processors.webapp.sources import AlarmsSource, OrdersSource

__all__ = ["STATIC_FILES", "WebApp", "parse_customer_id"]

logger = logging.getLogger(__name__)

STATIC_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/static/style.css": ("style.css", "text/css; charset=utf-8"),
}
_ORDERS_PATH = re.compile(r"^/api/customers/([^/]+)/orders/?$")
# DynamoDB numbers hold 38 digits of precision.
_CUSTOMER_ID = re.compile(r"^[0-9]{1,38}$")


def parse_customer_id(text: str) -> int:
    """A customer id as DynamoDB's CustomerID (N) key value; raises InvalidCustomerIdError."""
    if not _CUSTOMER_ID.match(text.strip()):
        raise InvalidCustomerIdError(text)
    return int(text.strip())


def _load_static() -> dict[str, tuple[bytes, str]]:
    folder = resources.files("processors.webapp") / "static"
    return {
        path: ((folder / name).read_bytes(), content_type)
        for path, (name, content_type) in STATIC_FILES.items()
    }


class WebApp:
    """The ASGI application; `close()` ends open alarm feeds (call it before shutting down)."""

    def __init__(self, orders: OrdersSource, alarms: AlarmsSource) -> None:
        self.orders = orders
        self.alarms = alarms
        self.closing = threading.Event()
        self.feed = AlarmFeed(alarms, self.closing)
        self.static = _load_static()

    def close(self) -> None:
        self.closing.set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"]
        query = dict(parse_qsl(scope.get("query_string", b"").decode()))
        if method not in ("GET", "HEAD"):
            await send_error(send, 405, "MethodNotAllowed", f"{method} is not allowed on {path}")
        elif path in self.static:
            body, content_type = self.static[path]
            await send_bytes(send, body, content_type, head=method == "HEAD")
        elif path == "/api/alarms":
            await send_json(send, self.alarms_json(query), head=method == "HEAD")
        elif path == "/api/alarms/stream":
            await self.feed(scope, receive, send, query)
        elif match := _ORDERS_PATH.match(path):
            await self._orders(send, match.group(1))
        else:
            await send_error(send, 404, "NotFound", f"No such resource: {path}")

    def alarms_json(self, query: dict[str, str]) -> dict[str, Any]:
        after = query.get("after", "0")
        alarms = self.alarms.since(int(after) if after.isdigit() else 0)
        return {
            "status": self.alarms.status().to_json(),
            "last_id": alarms[-1].id if alarms else None,
            "alarms": [alarm.to_json() for alarm in reversed(alarms)],
        }

    async def _orders(self, send: Send, text: str) -> None:
        try:
            customer_id = parse_customer_id(text)
        except InvalidCustomerIdError as exc:
            await send_error(send, exc.http_status, exc.code, exc.message)
            return
        try:
            items = await asyncio.to_thread(self.orders.query, customer_id)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code, message = str(error.get("Code", "ClientError")), str(error.get("Message", exc))
            await send_error(send, 502, code, message)
            return
        except BotoCoreError as exc:
            await send_error(send, 502, type(exc).__name__, str(exc))
            return
        await send_json(send, order_history(customer_id, items).to_json())


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
