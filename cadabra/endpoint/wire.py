"""AWS JSON 1.1 and CBOR 1.1 bodies, converted with the services' own botocore models.

Requests are checked against the operation's input shape as AWS does before any work: a value
of the wrong type is a `SerializationException`; a missing required member or a length/range
outside the model's bounds is a `ValidationException` naming the member in AWS's lowerCamel path
(`records.1.member.partitionKey`). Blobs arrive base64-encoded in JSON and as bytes in CBOR.

Timestamps are epoch seconds (a fraction for milliseconds) in JSON. AWS's CBOR 1.1 breaks RFC 8949
here: the Java SDK's `SdkCborGenerator` writes CBOR tag 1 around an *integer of epoch
milliseconds*, and its parser reads any number as epoch milliseconds (`Long.parseLong`: a float is
an error). So tag 1 is read as milliseconds, not seconds as cbor2 would, and answers carry tag 1
around integer milliseconds, as Kinesis does (aws-sdk-java-v2 issue 4661).
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

import cbor2
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.session import get_session

from cadabra.errors import CadabraError, ValidationException

__all__ = [
    "CBOR",
    "JSON",
    "SerializationException",
    "decode_body",
    "encode_body",
    "from_wire",
    "operation_model",
    "to_wire",
]

JSON = "application/x-amz-json-1.1"
CBOR = "application/x-amz-cbor-1.1"
CBOR_EPOCH_TAG = 1
# Tag 1 stays a bare number: `_timestamp` reads CBOR numbers as epoch milliseconds.
_CBOR_DECODERS = {CBOR_EPOCH_TAG: lambda value, _immutable: value}
_SCALARS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
    "double": (int, float),
    "float": (int, float),
}


class SerializationException(CadabraError):
    """The body could not be read as the operation's input (AWS's wording and code)."""

    code = "SerializationException"
    http_status = 400


@cache
def service_model(name: str) -> ServiceModel:
    return get_session().get_service_model(name)


def operation_model(service: str, operation: str) -> OperationModel | None:
    model = service_model(service)
    return model.operation_model(operation) if operation in model.operation_names else None


def decode_body(body: bytes, content_type: str) -> Any:
    if not body.strip():
        return {}
    try:
        if content_type == CBOR:
            return cbor2.loads(body, semantic_decoders=_CBOR_DECODERS)
        return json.loads(body)
    except (ValueError, cbor2.CBORDecodeError, RecursionError, MemoryError) as exc:
        raise SerializationException(
            f"Start of structure or map found where not expected: {type(exc).__name__}"
        ) from None


def encode_body(document: Any, content_type: str) -> bytes:
    if content_type == CBOR:
        return cbor2.dumps(document)
    return json.dumps(document, separators=(",", ":")).encode()


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


class _Retry(Exception):
    """Raised by the fast pass on any problem: the careful pass then words the error."""


def from_wire(shape: Shape, value: Any, cbor: bool) -> Any:
    """The request document with blobs as bytes and timestamps as datetimes, or an AWS error.

    A first pass builds no member paths (a PutRecords call has thousands of members); only if it
    meets a problem does a second pass run with paths, to name the member as AWS does.
    """
    try:
        return _convert(shape, value, cbor, None)
    except _Retry:
        return _convert(shape, value, cbor, "")


def _child(path: str | None, member: str) -> str | None:
    if path is None:
        return None
    return f"{path}.{member}" if path else member


def _convert(shape: Shape, value: Any, cbor: bool, path: str | None) -> Any:
    kind = shape.type_name
    if kind == "structure":
        return _structure_from_wire(shape, value, cbor, path)
    if kind == "list":
        _expect(value, (list,), path, "list")
        _check_bounds(shape, len(value), path, "length", value)
        item: Shape = shape.member  # type: ignore[attr-defined]
        if path is None:
            return [_convert(item, v, cbor, None) for v in value]
        return [_convert(item, v, cbor, f"{path}.{i}.member") for i, v in enumerate(value, 1)]
    if kind == "map":
        _expect(value, (dict,), path, "map")
        values: Shape = shape.value  # type: ignore[attr-defined]
        return {k: _convert(values, v, cbor, _child(path, k)) for k, v in value.items()}
    if kind == "blob":
        return _blob(value, cbor, path, shape)
    if kind == "timestamp":
        return _timestamp(value, cbor, path)
    _expect(value, _SCALARS.get(kind, (object,)), path, kind)
    if kind in ("integer", "long") and isinstance(value, bool):
        raise _type_error(path, kind)
    if kind == "string":
        _check_bounds(shape, len(value), path, "length", value)
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            raise _violation(
                value, path, f"Member must satisfy enum value set: [{', '.join(enum)}]"
            )
    elif kind in ("integer", "long"):
        _check_bounds(shape, value, path, "value")
    return value


# Keyed by id(); the entry holds the shape itself, so that id is never reused for another.
_LAYOUTS: dict[int, tuple[Shape, dict[str, Shape], list[str]]] = {}


def _layout(shape: Shape) -> tuple[dict[str, Shape], list[str]]:
    """A structure's members and required names, looked up once per shape."""
    layout = _LAYOUTS.get(id(shape))
    if layout is None:
        members: dict[str, Shape] = dict(shape.members)  # type: ignore[attr-defined]
        layout = _LAYOUTS[id(shape)] = (shape, members, list(shape.required_members))
    return layout[1], layout[2]


def _structure_from_wire(shape: Shape, value: Any, cbor: bool, path: str | None) -> dict[str, Any]:
    _expect(value, (dict,), path, "structure")
    members, required = _layout(shape)
    result: dict[str, Any] = {}
    for name, item in value.items():  # types first, as AWS deserialises before it validates
        if name in members and item is not None:
            where = None if path is None else _child(path, _camel(name))
            result[name] = _convert(members[name], item, cbor, where)
    for name in required:
        if name not in result:
            where = _child(path, _camel(name))
            if where is None:
                raise _Retry
            raise ValidationException(
                f"1 validation error detected: Value null at '{where}' failed to satisfy "
                "constraint: Member must not be null"
            )
    return result


def _blob(value: Any, cbor: bool, path: str | None, shape: Shape) -> bytes:
    if cbor and isinstance(value, bytes):
        data = value
    else:
        _expect(value, (str,), path, "blob")
        try:
            data = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            if path is None:
                raise _Retry from None
            raise SerializationException(
                f"Base64 encoded value expected for '{path}': the value is not valid base64."
            ) from None
    _check_bounds(shape, len(data), path, "length", "")
    return data


def _timestamp(value: Any, cbor: bool, path: str | None) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if cbor else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise _type_error(path, "timestamp") from None
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            raise _type_error(path, "timestamp") from None
    raise _type_error(path, "timestamp")


def _expect(value: Any, types: tuple[type, ...], path: str | None, kind: str) -> None:
    if not isinstance(value, types):
        raise _type_error(path, kind)


def _type_error(path: str | None, kind: str) -> Exception:
    if path is None:
        return _Retry()
    return SerializationException(f"Unexpected value type for '{path or 'body'}': expected {kind}.")


def _check_bounds(shape: Shape, size: int, path: str | None, what: str, shown: Any = None) -> None:
    """AWS shows the offending value (a blob's as nothing), or the number itself for ranges."""
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    value = size if shown is None else shown
    if low is not None and size < low:
        raise _violation(value, path, f"Member must have {what} greater than or equal to {low}")
    if high is not None and size > high:
        raise _violation(value, path, f"Member must have {what} less than or equal to {high}")


def _violation(value: Any, path: str | None, constraint: str) -> Exception:
    if path is None:
        return _Retry()
    shown = str(value) if len(str(value)) <= 80 else f"{str(value)[:80]}..."
    return ValidationException(
        f"1 validation error detected: Value '{shown}' at '{path}' failed to satisfy "
        f"constraint: {constraint}"
    )


def to_wire(shape: Shape | None, value: Any, cbor: bool) -> Any:
    """The response document as the protocol carries it (base64 blobs, epoch timestamps)."""
    if shape is None:
        return value
    kind = shape.type_name
    if kind == "structure":
        members = shape.members  # type: ignore[attr-defined]
        return {
            name: to_wire(members[name], item, cbor)
            for name, item in value.items()
            if name in members and item is not None
        }
    if kind == "list":
        item_shape: Shape = shape.member  # type: ignore[attr-defined]
        if _plain(item_shape):  # e.g. PutRecords' 500 result entries: nothing to convert
            return value
        return [to_wire(item_shape, item, cbor) for item in value]
    if kind == "map":
        return {k: to_wire(shape.value, v, cbor) for k, v in value.items()}  # type: ignore[attr-defined]
    if kind == "blob":
        return value if cbor else base64.b64encode(value).decode("ascii")
    if kind == "timestamp":
        seconds = value.timestamp() if isinstance(value, datetime) else float(value)
        return cbor2.CBORTag(CBOR_EPOCH_TAG, round(seconds * 1000)) if cbor else seconds
    return value


_PLAIN: dict[int, tuple[Shape, bool]] = {}


def _plain(shape: Shape) -> bool:
    """Whether values of `shape` travel as they are: no blob or timestamp anywhere inside.

    Such values are produced by the handlers with modelled members only, so `to_wire` can pass
    them through without rebuilding them.
    """
    known = _PLAIN.get(id(shape))
    if known is None:
        known = _PLAIN[id(shape)] = (shape, _plain_walk(shape, set()))
    return known[1]


def _plain_walk(shape: Shape, seen: set[str]) -> bool:
    if shape.name in seen:
        return True
    seen.add(shape.name)
    kind = shape.type_name
    if kind in ("blob", "timestamp"):
        return False
    if kind == "structure":
        members: dict[str, Shape] = shape.members  # type: ignore[attr-defined]
        return all(_plain_walk(member, seen) for member in members.values())
    if kind == "list":
        return _plain_walk(shape.member, seen)  # type: ignore[attr-defined]
    if kind == "map":
        return _plain_walk(shape.value, seen)  # type: ignore[attr-defined]
    return True
