"""The query protocol round trip: botocore's own serializer and parser against Cadabra's."""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest
from botocore import parsers, serialize

from cadabra.sns.errors import NotFoundException
from cadabra.sns.query import (
    QueryProtocol,
    parse_params,
    render_error,
    render_response,
    service_model,
)

MODEL = service_model("sns")


def _sent(operation: str, request: dict[str, Any]) -> dict[str, str]:
    """The form parameters boto3 sends for `request`."""
    serializer = serialize.create_serializer("query")
    body = serializer.serialize_to_request(request, MODEL.operation_model(operation))["body"]
    return {k: str(v) for k, v in body.items()}


def _received(operation: str, xml: bytes, status: int = 200) -> dict[str, Any]:
    """What boto3 makes of the response."""
    parser = parsers.create_parser("query")
    shape = MODEL.operation_model(operation).output_shape
    parsed: dict[str, Any] = parser.parse(
        {"body": xml, "headers": {}, "status_code": status}, shape
    )
    return parsed


@pytest.mark.parametrize(
    ("operation", "request_document"),
    [
        (
            "Publish",
            {
                "TopicArn": "arn:aws:sns:us-east-1:000000000000:CadabraAlarms",
                "Message": "Investigate sudden surge in orders",
                "Subject": "Cadabra Order Rate Alarm",
                "MessageAttributes": {
                    "severity": {"DataType": "String", "StringValue": "high"},
                    "raw": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
                },
            },
        ),
        (
            "CreateTopic",
            {
                "Name": "CadabraAlarms",
                "Attributes": {"DisplayName": "Cadabra", "DeliveryPolicy": "{}"},
                "Tags": [{"Key": "course", "Value": "bigdata"}, {"Key": "k", "Value": "v"}],
            },
        ),
        ("Subscribe", {"TopicArn": "arn", "Protocol": "sms", "Endpoint": "+15555550100"}),
        ("ListTopics", {}),
    ],
)
def test_parse_params_reads_what_botocore_sends(
    operation: str, request_document: dict[str, Any]
) -> None:
    params = _sent(operation, request_document)
    assert params["Action"] == operation
    assert parse_params(MODEL.operation_model(operation).input_shape, params) == request_document


def test_responses_parse_back_with_botocore() -> None:
    publish = MODEL.operation_model("Publish")
    xml = render_response(publish, {"MessageId": "m-1"}, "r-1")
    assert xml.startswith(b'<?xml version="1.0"?>\n<PublishResponse xmlns="http://sns.amazonaws')
    parsed = _received("Publish", xml)
    assert parsed["MessageId"] == "m-1"
    assert parsed["ResponseMetadata"]["RequestId"] == "r-1"
    attributes = {"DisplayName": "Cadabra", "TopicArn": "arn"}
    xml = render_response(
        MODEL.operation_model("GetTopicAttributes"), {"Attributes": attributes}, "r-2"
    )
    assert _received("GetTopicAttributes", xml)["Attributes"] == attributes
    topics = {"Topics": [{"TopicArn": "a"}, {"TopicArn": "b"}], "NextToken": "b"}
    xml = render_response(MODEL.operation_model("ListTopics"), topics, "r-3")
    parsed = _received("ListTopics", xml)
    assert (parsed["Topics"], parsed["NextToken"]) == (topics["Topics"], "b")


def test_a_response_without_output_has_metadata_only() -> None:
    xml = render_response(MODEL.operation_model("DeleteTopic"), {}, "r-4")
    assert b"<DeleteTopicResponse" in xml
    assert b"DeleteTopicResult" not in xml
    assert b"<RequestId>r-4</RequestId>" in xml


def test_errors_parse_back_with_botocore() -> None:
    status, xml = render_error(NotFoundException("Topic does not exist"), "r-5", "ns")
    assert status == 404
    error = _received("Publish", xml, status)["Error"]
    assert (error["Code"], error["Message"], error["Type"]) == (
        "NotFound",
        "Topic does not exist",
        "Sender",
    )


def test_protocol_dispatches_and_reports_unknown_actions() -> None:
    calls: list[dict[str, Any]] = []

    def create_topic(request: dict[str, Any]) -> dict[str, Any]:
        calls.append(request)
        return {"TopicArn": "arn:aws:sns:us-east-1:000000000000:T"}

    protocol = QueryProtocol("sns", {"CreateTopic": create_topic})
    status, xml = protocol.handle(_sent("CreateTopic", {"Name": "T"}))
    assert status == 200
    assert calls == [{"Name": "T"}]
    assert _received("CreateTopic", xml)["TopicArn"].endswith(":T")
    status, xml = protocol.handle(dict(urllib.parse.parse_qsl("Action=Nope&Version=2010-03-31")))
    assert status == 400
    assert b"<Code>InvalidAction</Code>" in xml


def test_a_handler_crash_is_an_internal_error() -> None:
    def broken(_request: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("boom")

    status, xml = QueryProtocol("sns", {"ListTopics": broken}).handle({"Action": "ListTopics"})
    assert status == 500
    assert b"<Code>InternalError</Code>" in xml
    assert b"<Type>Receiver</Type>" in xml
