"""Firehose operations served by the endpoint (target prefix Firehose_20150804).

Each handler takes the decoded AWS request document (PascalCase members, blobs as bytes) and
returns AWS's response document; the service validates. Members of the AWS model that Cadabra
does not implement (Redshift, OpenSearch, Splunk, HTTP, Snowflake and Iceberg destinations, MSK
and database sources, server-side encryption) are refused with `InvalidArgumentException` naming
them, rather than silently ignored; members outside the model are ignored, as AWS ignores them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore import xform_name

from cadabra.endpoint.operations import Handler, adapt
from cadabra.errors import InvalidArgumentException
from cadabra.firehose import FirehoseService
from cadabra.firehose.validation import firehose_model

__all__ = ["firehose_operations"]

# Every member these operations take is implemented, except those listed here.
_SUPPORTED: dict[str, tuple[str, ...] | None] = {
    "CreateDeliveryStream": (
        "DeliveryStreamName",
        "DeliveryStreamType",
        "KinesisStreamSourceConfiguration",
        "DirectPutSourceConfiguration",
        "ExtendedS3DestinationConfiguration",
        "S3DestinationConfiguration",
        "Tags",
    ),
    "UpdateDestination": (
        "DeliveryStreamName",
        "CurrentDeliveryStreamVersionId",
        "DestinationId",
        "ExtendedS3DestinationUpdate",
        "S3DestinationUpdate",
    ),
    "DescribeDeliveryStream": None,
    "ListDeliveryStreams": None,
    "DeleteDeliveryStream": None,
    "PutRecord": None,
    "PutRecordBatch": None,
    "TagDeliveryStream": None,
    "UntagDeliveryStream": None,
    "ListTagsForDeliveryStream": None,
}


def firehose_operations(service: FirehoseService) -> dict[str, Handler]:
    """AWS operation name → handler(request document) → response document."""
    table: dict[str, Handler] = {}
    for operation, supported in _SUPPORTED.items():
        method: Callable[..., dict[str, Any]] = getattr(service, xform_name(operation))
        handler = adapt(method)
        table[operation] = (
            handler if supported is None else _refusing(operation, supported, handler)
        )
    return table


def _refusing(operation: str, supported: tuple[str, ...], handler: Handler) -> Handler:
    """`handler`, after refusing the operation's modelled members Cadabra does not implement."""
    input_shape = firehose_model().operation_model(operation).input_shape
    modelled = set(input_shape.members) if input_shape is not None else set()
    unsupported = modelled - set(supported)

    def checked(request: dict[str, Any]) -> dict[str, Any]:
        refused = sorted(m for m in unsupported if request.get(m) is not None)
        if refused:
            raise InvalidArgumentException(
                f"{', '.join(refused)} is not supported by Cadabra ({operation} supports "
                f"{', '.join(supported)})."
            )
        return handler(request)

    checked.__name__ = handler.__name__
    return checked
