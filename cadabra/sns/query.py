"""AWS's query protocol, server side, for SNS: form-encoded requests in, XML documents out.

A request is `Action=Publish&Version=2010-03-31&TopicArn=...`, its nested members flattened as
botocore's query serializer writes them (`Attributes.entry.1.key`/`.value`,
`MessageAttributes.entry.1.Name`/`.Value.DataType`, `Tags.member.1.Key`); the parameters are
read back into a request document by walking the operation's botocore input shape. A response is
`<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult>...
</PublishResult><ResponseMetadata><RequestId>...</RequestId></ResponseMetadata></PublishResponse>`,
an error `<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code><Message>...</Message>
</Error><RequestId>...</RequestId></ErrorResponse>` with the error's HTTP status.
"""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import Mapping
from functools import cache
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

import botocore.session
from botocore import xform_name
from botocore.model import OperationModel, ServiceModel, Shape, StructureShape

from cadabra.endpoint.app import QueryService
from cadabra.endpoint.operations import Handler, adapt
from cadabra.errors import CadabraError
from cadabra.sns.errors import InternalErrorException, InvalidParameterException, SnsError
from cadabra.sns.service import SnsService

__all__ = [
    "SNS_ACTIONS",
    "InvalidActionError",
    "QueryProtocol",
    "parse_params",
    "render_error",
    "render_response",
    "sns_query_service",
]

logger = logging.getLogger(__name__)

SNS_ACTIONS = (
    "CreateTopic",
    "DeleteTopic",
    "ListTopics",
    "GetTopicAttributes",
    "SetTopicAttributes",
    "Subscribe",
    "Unsubscribe",
    "ListSubscriptions",
    "ListSubscriptionsByTopic",
    "GetSubscriptionAttributes",
    "SetSubscriptionAttributes",
    "Publish",
)


class InvalidActionError(SnsError):
    code = "InvalidAction"


@cache
def service_model(name: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(name)


# -- requests ------------------------------------------------------------------------------


def parse_params(shape: StructureShape | None, params: Mapping[str, str]) -> dict[str, Any]:
    """The request document the flattened query parameters describe."""
    if shape is None:
        return {}
    return _structure(shape, params, "")


def _structure(shape: StructureShape, params: Mapping[str, str], prefix: str) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for name, member in shape.members.items():
        value = _value(member, params, prefix + member.serialization.get("name", name))
        if value is not None:
            document[name] = value
    return document


def _value(shape: Shape, params: Mapping[str, str], key: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        if not any(p.startswith(f"{key}.") for p in params):
            return None
        return _structure(shape, params, f"{key}.")  # type: ignore[arg-type]
    if kind == "list":
        return _list(shape, params, key)
    if kind == "map":
        return _map(shape, params, key)
    raw = params.get(key)
    return None if raw is None else _scalar(kind, raw, key)


def _list(shape: Any, params: Mapping[str, str], key: str) -> list[Any] | None:
    flattened = shape.serialization.get("flattened")
    base = f"{key}." if flattened else f"{key}.{shape.member.serialization.get('name', 'member')}."
    items: list[Any] = []
    while (item := _value(shape.member, params, f"{base}{len(items) + 1}")) is not None:
        items.append(item)
    if not items:
        return [] if params.get(key) == "" else None
    return items


def _map(shape: Any, params: Mapping[str, str], key: str) -> dict[str, Any] | None:
    base = f"{key}." if shape.serialization.get("flattened") else f"{key}.entry."
    key_name = shape.key.serialization.get("name", "key")
    value_name = shape.value.serialization.get("name", "value")
    document: dict[str, Any] = {}
    index = 1
    while (name := params.get(f"{base}{index}.{key_name}")) is not None:
        document[name] = _value(shape.value, params, f"{base}{index}.{value_name}")
        index += 1
    return document or None


def _scalar(kind: str, raw: str, key: str) -> Any:
    try:
        if kind in ("integer", "long"):
            return int(raw)
        if kind in ("float", "double"):
            return float(raw)
        if kind == "boolean":
            return raw.lower() == "true"
        if kind == "blob":
            return base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise InvalidParameterException(f"Invalid parameter: {key}") from exc
    return raw


# -- responses -----------------------------------------------------------------------------


def render_response(operation: OperationModel, result: Mapping[str, Any], request_id: str) -> bytes:
    namespace = operation.service_model.metadata.get("xmlNamespace", "")
    root = Element(f"{operation.name}Response", xmlns=namespace)
    shape = operation.output_shape
    if shape is not None:
        wrapper = shape.serialization.get("resultWrapper", f"{operation.name}Result")
        _fill(SubElement(root, wrapper), shape, result)
    SubElement(SubElement(root, "ResponseMetadata"), "RequestId").text = request_id
    return _document(root)


def render_error(exc: CadabraError, request_id: str, namespace: str) -> tuple[int, bytes]:
    root = Element("ErrorResponse", xmlns=namespace)
    error = SubElement(root, "Error")
    SubElement(error, "Type").text = "Receiver" if exc.http_status >= 500 else "Sender"
    SubElement(error, "Code").text = exc.code
    SubElement(error, "Message").text = exc.message
    SubElement(root, "RequestId").text = request_id
    return exc.http_status, _document(root)


def _document(root: Element) -> bytes:
    return b'<?xml version="1.0"?>\n' + tostring(root, encoding="unicode").encode()


def _fill(element: Element, shape: Shape, value: Any) -> None:
    kind = shape.type_name
    if kind == "structure":
        for name, member in shape.members.items():  # type: ignore[attr-defined]
            if value.get(name) is not None:
                child = SubElement(element, member.serialization.get("name", name))
                _fill(child, member, value[name])
    elif kind == "list":
        item_shape: Shape = shape.member  # type: ignore[attr-defined]
        item_name = item_shape.serialization.get("name", "member")
        for item in value:
            _fill(SubElement(element, item_name), item_shape, item)
    elif kind == "map":
        key_shape: Shape = shape.key  # type: ignore[attr-defined]
        value_shape: Shape = shape.value  # type: ignore[attr-defined]
        for key, item in value.items():
            entry = SubElement(element, "entry")
            SubElement(entry, key_shape.serialization.get("name", "key")).text = str(key)
            _fill(
                SubElement(entry, value_shape.serialization.get("name", "value")), value_shape, item
            )
    else:
        element.text = _text(kind, value)


def _text(kind: str, value: Any) -> str:
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "blob":
        return base64.b64encode(value).decode()
    if kind == "timestamp":
        return str(value.isoformat())
    return str(value)


# -- dispatch ------------------------------------------------------------------------------


class QueryProtocol:
    """Action -> handler(request document) -> response document, as query-protocol XML."""

    def __init__(self, model: str, operations: Mapping[str, Handler]) -> None:
        self._model = service_model(model)
        self._operations = dict(operations)
        self.namespace = str(self._model.metadata.get("xmlNamespace", ""))

    def handle(self, params: Mapping[str, str]) -> tuple[int, bytes]:
        request_id = str(uuid.uuid4())
        action = params.get("Action", "")
        try:
            handler = self._operations.get(action)
            if handler is None:
                raise InvalidActionError(f"The action {action} is not valid for this web service.")
            operation = self._model.operation_model(action)
            response = handler(parse_params(operation.input_shape, params))
            return 200, render_response(operation, response, request_id)
        except CadabraError as exc:
            return render_error(exc, request_id, self.namespace)
        except Exception:
            logger.exception("internal failure in %s", action)
            return render_error(
                InternalErrorException("Internal Error"), request_id, self.namespace
            )

    def fail(self, exc: CadabraError) -> tuple[int, bytes]:
        return render_error(exc, str(uuid.uuid4()), self.namespace)


def sns_operations(service: SnsService) -> dict[str, Handler]:
    return {action: adapt(getattr(service, xform_name(action))) for action in SNS_ACTIONS}


def sns_query_service(service: SnsService) -> QueryService:
    """SNS (Version 2010-03-31) for the endpoint's query-protocol route."""
    protocol = QueryProtocol("sns", sns_operations(service))
    api_version = str(service_model("sns").api_version)
    return QueryService(api_version, frozenset(SNS_ACTIONS), protocol.handle, protocol.fail)
