"""The Kinesis and Firehose HTTP endpoint: AWS's JSON 1.1 (and, for Kinesis, CBOR) protocol.

One POST route. `X-Amz-Target: <prefix>.<Operation>` picks the service and operation, the body
is decoded against the botocore model of that operation, the handler runs in a worker thread
(service calls block on Kafka acknowledgements), and the response or error is encoded in the
request's content type. Errors carry AWS's `__type` and `message`; malformed input is always a
4xx, never a 5xx. This is a plain ASGI application served by uvicorn.

Services on AWS's query protocol (SNS) share the port: a form-encoded POST (or a GET, as SNS's
UnsubscribeURL is) with an `Action` parameter goes to the query service its `Version` names,
which answers in XML.
"""

from __future__ import annotations

import asyncio
import logging
import urllib.parse
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.model import OperationModel, Shape

from cadabra.config import AuthSettings
from cadabra.endpoint import eventstream
from cadabra.endpoint.auth import Authenticator, IncomingRequest
from cadabra.endpoint.errors import error_response
from cadabra.endpoint.hot_path import FastHandler
from cadabra.endpoint.operations import Handler
from cadabra.endpoint.wire import (
    CBOR,
    JSON,
    SerializationException,
    decode_body,
    encode_body,
    from_wire,
    operation_model,
    to_wire,
)
from cadabra.errors import CadabraError, InternalFailureException

__all__ = ["EndpointApp", "QueryService", "Service", "UnknownOperationException"]

logger = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
MAX_BODY_BYTES = 64 * 1024 * 1024
FORM = "application/x-www-form-urlencoded"
XML = "text/xml"


class UnknownOperationException(CadabraError):
    code = "UnknownOperationException"
    http_status = 400


@dataclass(frozen=True)
class Service:
    """One AWS service behind the endpoint: its botocore model name and its operation table."""

    model: str
    operations: Mapping[str, Handler]
    cbor: bool = False
    # Operations whose handler returns an iterator of events (SubscribeToShard).
    streaming: frozenset[str] = frozenset()
    # Operations with a hot path tried first (hot_path.py): no model walk, no worker thread.
    fast: Mapping[str, FastHandler] = field(default_factory=dict)


@dataclass(frozen=True)
class QueryService:
    """One AWS service on the query protocol: form parameters in, (HTTP status, XML) out.

    `handle` answers every request itself, errors included; `fail` renders an error raised
    before it is called (authentication) in the service's XML.
    """

    version: str  # the API version clients send as `Version`, e.g. "2010-03-31" for SNS
    actions: frozenset[str]
    handle: Callable[[Mapping[str, str]], tuple[int, bytes]]
    fail: Callable[[CadabraError], tuple[int, bytes]]


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str


@dataclass(frozen=True)
class EventStreamReply:
    """A streaming answer: AWS event-stream messages, one per event the iterator yields."""

    events: Iterator[dict[str, Any]]
    event_type: str  # e.g. SubscribeToShardEvent
    content_type: str


class EndpointApp:
    def __init__(
        self,
        services: Mapping[str, Service],
        threads: int = 32,
        authenticator: Authenticator | None = None,
        query_services: Sequence[QueryService] = (),
    ) -> None:
        self._services = dict(services)  # keyed by target prefix, e.g. "Kinesis_20131202"
        self._query_services = tuple(query_services)
        self._authenticator = authenticator or Authenticator(AuthSettings(auth="open"))
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="endpoint")
        # Each open subscription waits for records in a thread of its own.
        self._streams = ThreadPoolExecutor(max_workers=256, thread_name_prefix="subscription")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        body = await _read_body(receive)
        reply: Reply | EventStreamReply
        query = self._query_request(scope, headers, body)
        try:
            self._authenticate(scope, headers, body)
        except CadabraError as exc:
            reply = _query_error(query[0], exc) if query else _error(exc, _content_type(headers))
        else:
            if query is not None:
                reply = await self._handle_query(*query)
            else:
                reply = await self._handle(scope["method"], headers, body)
        if isinstance(reply, EventStreamReply):
            await self._stream(reply, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [
                    (b"content-type", reply.content_type.encode()),
                    (b"x-amzn-requestid", str(uuid.uuid4()).encode()),
                    (b"content-length", str(len(reply.body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": reply.body})

    def _query_request(
        self, scope: Scope, headers: dict[str, str], body: bytes | None
    ) -> tuple[QueryService, dict[str, str]] | None:
        """The query service and parameters of a query-protocol request; None for the others."""
        if not self._query_services or body is None:
            return None
        if scope["method"] == "POST" and headers.get("content-type", "").startswith(FORM):
            text = body.decode("utf-8", errors="replace")
        elif scope["method"] == "GET":
            text = scope.get("query_string", b"").decode("latin-1")
        else:
            return None
        params = dict(urllib.parse.parse_qsl(text, keep_blank_values=True))
        if "Action" not in params:
            return None
        version = params.get("Version")
        service = next((q for q in self._query_services if q.version == version), None) or next(
            (q for q in self._query_services if params["Action"] in q.actions),
            self._query_services[0],
        )
        return service, params

    async def _handle_query(self, service: QueryService, params: dict[str, str]) -> Reply:
        loop = asyncio.get_running_loop()
        status, body = await loop.run_in_executor(self._pool, service.handle, params)
        return Reply(status, body, XML)

    def _authenticate(self, scope: Scope, headers: dict[str, str], body: bytes | None) -> None:
        path = scope.get("raw_path") or scope["path"].encode()
        request = IncomingRequest(
            method=scope["method"],
            path=path.decode("latin-1"),
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            body=body or b"",
        )
        self._authenticator.authenticate(request, now=datetime.now(UTC))

    async def _stream(self, reply: EventStreamReply, send: Send) -> None:
        """Send each event as it comes; an error mid-stream becomes an exception message."""
        payload_type = CBOR if reply.content_type == CBOR else eventstream.JSON_CONTENT_TYPE
        headers = [
            (b"content-type", eventstream.EVENT_STREAM_CONTENT_TYPE.encode()),
            (b"x-amzn-requestid", str(uuid.uuid4()).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        chunk = eventstream.initial_response(payload_type)
        loop = asyncio.get_running_loop()
        try:
            while True:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                item = await loop.run_in_executor(self._streams, next, reply.events, None)
                if item is None:
                    break
                payload = eventstream.encode_payload(item, payload_type)
                chunk = eventstream.event(reply.event_type, payload, payload_type)
        except CadabraError as exc:
            message = eventstream.encode_payload({"message": exc.message}, payload_type)
            chunk = eventstream.exception_event(exc.code, message, payload_type)
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        finally:
            close = getattr(reply.events, "close", None)
            if close is not None:
                close()
        await send({"type": "http.response.body", "body": b""})

    async def _handle(
        self, method: str, headers: dict[str, str], body: bytes | None
    ) -> Reply | EventStreamReply:
        content_type = _content_type(headers)
        try:
            if body is None:
                raise SerializationException(f"Request body exceeds {MAX_BODY_BYTES} bytes.")
            service, operation, handler = self._route(method, headers.get("x-amz-target", ""))
            if content_type == CBOR and not service.cbor:
                raise SerializationException("CBOR is not supported for this service.")
            model = operation_model(service.model, operation)
            if model is None:
                raise UnknownOperationException(f"Operation {operation} is not modelled.")
            cbor = content_type == CBOR
            document = decode_body(body, content_type)
            fast = service.fast.get(operation)
            if fast is not None:
                answer = await fast(document, cbor)
                if isinstance(answer, bytes):
                    return Reply(200, answer, content_type)
                if answer is not None:
                    body = encode_body(to_wire(model.output_shape, answer, cbor), content_type)
                    return Reply(200, body, content_type)
            shape = model.input_shape
            request = from_wire(shape, document, cbor) if shape is not None else {}
            loop = asyncio.get_running_loop()
            response = await loop.run_in_executor(self._pool, handler, request)
            if operation in service.streaming:
                events: Iterator[dict[str, Any]] = iter(response)  # type: ignore[arg-type]
                return EventStreamReply(events, _event_type(model), content_type)
            answer = to_wire(model.output_shape, response, cbor)
            return Reply(200, encode_body(answer, content_type), content_type)
        except CadabraError as exc:
            return _error(exc, content_type)
        except Exception:
            logger.exception("internal failure")
            return _error(InternalFailureException("Internal Service Failure"), content_type)

    def _route(self, method: str, target: str) -> tuple[Service, str, Handler]:
        prefix, _, operation = target.partition(".")
        service = self._services.get(prefix)
        handler = service.operations.get(operation) if service else None
        if method != "POST" or service is None or handler is None:
            raise UnknownOperationException(
                f"Operation {target or '(none)'} is not supported by this endpoint."
            )
        return service, operation, handler

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._streams.shutdown(wait=False, cancel_futures=True)


def _event_type(model: OperationModel) -> str:
    """The one non-exception member of the operation's event-stream union."""
    union: Shape = model.output_shape.members["EventStream"]  # type: ignore[union-attr]
    members: dict[str, Shape] = union.members  # type: ignore[attr-defined]
    return next(name for name, shape in members.items() if not shape.metadata.get("exception"))


def _content_type(headers: Mapping[str, str]) -> str:
    return CBOR if headers.get("content-type", "").startswith(CBOR) else JSON


def _query_error(service: QueryService, exc: CadabraError) -> Reply:
    status, body = service.fail(exc)
    return Reply(status, body, XML)


def _error(exc: CadabraError, content_type: str) -> Reply:
    status, document = error_response(exc)
    return Reply(status, encode_body(document, content_type), content_type)


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_BODY_BYTES:
            chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks) if size <= MAX_BODY_BYTES else None


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
