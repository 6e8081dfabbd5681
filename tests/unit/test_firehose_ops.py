"""The Firehose operation table: thin translation from AWS request documents to the service."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from cadabra.endpoint.firehose_ops import firehose_operations
from cadabra.errors import InvalidArgumentException
from cadabra.firehose import FirehoseService
from cadabra.firehose.tags import DeliveryStreamTags
from cadabra.firehose.updates import DestinationUpdates
from cadabra.firehose.validation import firehose_model
from cadabra.firehose.writes import DirectPutWriter

OPERATIONS = {
    "CreateDeliveryStream",
    "DescribeDeliveryStream",
    "ListDeliveryStreams",
    "DeleteDeliveryStream",
    "UpdateDestination",
    "PutRecord",
    "PutRecordBatch",
    "TagDeliveryStream",
    "UntagDeliveryStream",
    "ListTagsForDeliveryStream",
}


class RecordingService:
    """Stands in for FirehoseService (same method signatures): records calls, answers names."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, method: str) -> Any:
        def call(**kwargs: Any) -> dict[str, Any]:
            self.calls.append((method, kwargs))
            return {"called": method}

        call.__name__ = method
        call.__signature__ = _method_signature(method)  # type: ignore[attr-defined]
        return call


def _method_signature(method: str) -> inspect.Signature:
    """The signature (without `self`) of the FirehoseService method, wherever it is defined."""
    owners = (FirehoseService, DirectPutWriter, DeliveryStreamTags, DestinationUpdates)
    real = next(getattr(owner, method) for owner in owners if hasattr(owner, method))
    signature = inspect.signature(real)
    return signature.replace(parameters=list(signature.parameters.values())[1:])


def _table(service: RecordingService) -> dict[str, Any]:
    return firehose_operations(service)  # type: ignore[arg-type]


def test_every_operation_is_served_and_modelled() -> None:
    table = _table(RecordingService())
    assert set(table) == OPERATIONS
    assert set(firehose_model().operation_names) >= OPERATIONS


def test_members_become_keyword_arguments() -> None:
    service = RecordingService()
    table = _table(service)
    records = [{"Data": b"a"}, {"Data": b"b"}]
    assert table["PutRecordBatch"]({"DeliveryStreamName": "s", "Records": records}) == {
        "called": "put_record_batch"
    }
    table["UpdateDestination"](
        {
            "DeliveryStreamName": "s",
            "CurrentDeliveryStreamVersionId": "3",
            "DestinationId": "destinationId-000000000001",
            "ExtendedS3DestinationUpdate": {"Prefix": "p/"},
        }
    )
    table["ListTagsForDeliveryStream"]({"DeliveryStreamName": "s", "ExclusiveStartTagKey": "k"})
    assert service.calls == [
        ("put_record_batch", {"delivery_stream_name": "s", "records": records}),
        (
            "update_destination",
            {
                "delivery_stream_name": "s",
                "current_delivery_stream_version_id": "3",
                "destination_id": "destinationId-000000000001",
                "extended_s3_destination_update": {"Prefix": "p/"},
            },
        ),
        (
            "list_tags_for_delivery_stream",
            {"delivery_stream_name": "s", "exclusive_start_tag_key": "k"},
        ),
    ]


@pytest.mark.parametrize(
    ("operation", "member"),
    [
        ("CreateDeliveryStream", "RedshiftDestinationConfiguration"),
        ("CreateDeliveryStream", "MSKSourceConfiguration"),
        ("CreateDeliveryStream", "DeliveryStreamEncryptionConfigurationInput"),
        ("UpdateDestination", "SplunkDestinationUpdate"),
    ],
)
def test_unimplemented_members_are_refused_by_name(operation: str, member: str) -> None:
    service = RecordingService()
    with pytest.raises(InvalidArgumentException, match=f"{member} is not supported by Cadabra"):
        _table(service)[operation]({"DeliveryStreamName": "s", member: {"x": 1}})
    assert service.calls == []


def test_members_outside_the_model_are_ignored() -> None:
    service = RecordingService()
    _table(service)["CreateDeliveryStream"]({"DeliveryStreamName": "s", "Unheard": 1})
    assert service.calls == [("create_delivery_stream", {"delivery_stream_name": "s"})]
