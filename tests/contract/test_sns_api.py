"""SNS's API through boto3 on the endpoint's query protocol: topics, subscriptions, Publish.

Response shapes and error codes are pinned as boto3 sees them from AWS: `NotFound` (404) for a
missing topic, `InvalidParameter` (400) with AWS's "Invalid parameter: ..." messages.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from confluent_kafka import Consumer, TopicPartition

from cadabra.config import KafkaSettings
from cadabra.sns import SnsService
from cadabra.sns.testing import serve_sns, sns_client
from cadabra.stack.net import free_port_block


@pytest.fixture(scope="module")
def sns_service(stack: Any) -> Iterator[SnsService]:
    service = SnsService(KafkaSettings(bootstrap=stack.kafka_bootstrap))
    yield service
    service.close()


@pytest.fixture(scope="module")
def sns_url(sns_service: SnsService) -> Iterator[str]:
    with serve_sns(sns_service, free_port_block(1)) as url:
        yield url


@pytest.fixture
def sns(sns_url: str) -> Any:
    return sns_client(sns_url)


@pytest.fixture
def make_topic(sns: Any) -> Iterator[Any]:
    created: list[str] = []

    def make(**attributes: str) -> str:
        name = f"test-{uuid.uuid4().hex[:12]}"
        arn: str = sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]
        created.append(arn)
        return arn

    yield make
    for arn in created:
        sns.delete_topic(TopicArn=arn)


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def test_create_topic_is_idempotent_and_named_by_arn(sns: Any, make_topic: Any) -> None:
    arn = make_topic(DisplayName="Cadabra")
    name = arn.rsplit(":", 1)[1]
    assert arn == f"arn:aws:sns:us-east-1:000000000000:{name}"
    assert sns.create_topic(Name=name, Attributes={"DisplayName": "Cadabra"})["TopicArn"] == arn
    with pytest.raises(ClientError) as excinfo:
        sns.create_topic(Name=name, Attributes={"DisplayName": "Other"})
    assert _error(excinfo) == (
        "InvalidParameter",
        "Invalid parameter: Topic already exists with different attributes",
        400,
    )
    listed = [
        t["TopicArn"]
        for page in sns.get_paginator("list_topics").paginate()
        for t in page["Topics"]
    ]
    assert arn in listed


def test_topic_attributes_and_display_name(sns: Any, make_topic: Any) -> None:
    arn = make_topic()
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="Cadabra")
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attributes["DisplayName"] == "Cadabra"
    assert attributes["TopicArn"] == arn
    assert attributes["Owner"] == "000000000000"
    assert attributes["SubscriptionsConfirmed"] == "0"
    policy = json.loads(attributes["EffectiveDeliveryPolicy"])
    assert policy["http"]["defaultHealthyRetryPolicy"]["numRetries"] == 3
    assert json.loads(attributes["Policy"])["Statement"][0]["Resource"] == arn


def test_bad_topic_names_and_arns(sns: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        sns.create_topic(Name="no spaces allowed")
    assert _error(excinfo) == ("InvalidParameter", "Invalid parameter: Topic Name", 400)
    with pytest.raises(ClientError) as excinfo:
        sns.get_topic_attributes(TopicArn="fake_topic")
    assert _error(excinfo) == (
        "InvalidParameter",
        "Invalid parameter: TopicArn Reason: fake_topic does not start with arn",
        400,
    )
    missing = f"arn:aws:sns:us-east-1:000000000000:missing-{uuid.uuid4().hex[:8]}"
    with pytest.raises(ClientError) as excinfo:
        sns.get_topic_attributes(TopicArn=missing)
    assert _error(excinfo) == ("NotFound", "Topic does not exist", 404)
    assert sns.delete_topic(TopicArn=missing)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_delete_topic_removes_it_and_its_subscriptions(sns: Any) -> None:
    arn = sns.create_topic(Name=f"test-{uuid.uuid4().hex[:12]}")["TopicArn"]
    sub = sns.subscribe(TopicArn=arn, Protocol="sms", Endpoint="+15555550100")["SubscriptionArn"]
    sns.delete_topic(TopicArn=arn)
    with pytest.raises(ClientError) as excinfo:
        sns.publish(TopicArn=arn, Message="hello")
    assert _error(excinfo)[0] == "NotFound"
    listed = [s["SubscriptionArn"] for s in sns.list_subscriptions()["Subscriptions"]]
    assert sub not in listed


def test_subscriptions_of_every_protocol(sns: Any, make_topic: Any) -> None:
    arn = make_topic()
    endpoints = {
        "sms": "+15555550100",
        "http": "http://127.0.0.1:9/hook",
        "https": "https://example.com/hook",
        "email": "ops@example.com",
        "email-json": "robot@example.com",
    }
    arns = {
        protocol: sns.subscribe(TopicArn=arn, Protocol=protocol, Endpoint=endpoint)[
            "SubscriptionArn"
        ]
        for protocol, endpoint in endpoints.items()
    }
    for protocol, sub_arn in arns.items():
        assert sub_arn.startswith(f"{arn}:")
        # Subscribing again answers the same subscription.
        again = sns.subscribe(TopicArn=arn, Protocol=protocol, Endpoint=endpoints[protocol])
        assert again["SubscriptionArn"] == sub_arn
    listed = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert {(s["Protocol"], s["Endpoint"]) for s in listed} == set(endpoints.items())
    assert all(s["TopicArn"] == arn and s["Owner"] == "000000000000" for s in listed)
    attributes = sns.get_subscription_attributes(SubscriptionArn=arns["http"])["Attributes"]
    assert attributes["PendingConfirmation"] == "false"
    assert attributes["Endpoint"] == endpoints["http"]
    sns.unsubscribe(SubscriptionArn=arns["sms"])
    remaining = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert arns["sms"] not in {s["SubscriptionArn"] for s in remaining}
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["SubscriptionsDeleted"] == "1"


def test_subscribe_errors(sns: Any, make_topic: Any) -> None:
    arn = make_topic()
    cases = [
        ("carrier-pigeon", "coop", "Amazon SNS does not support this protocol string"),
        ("http", "https://example.com", "Endpoint must match the specified protocol"),
        ("sms", "not-a-number", "is not a valid E.164 phone number"),
        ("email", "nobody", "Email address"),
    ]
    for protocol, endpoint, message in cases:
        with pytest.raises(ClientError) as excinfo:
            sns.subscribe(TopicArn=arn, Protocol=protocol, Endpoint=endpoint)
        code, text, status = _error(excinfo)
        assert (code, status) == ("InvalidParameter", 400)
        assert message in text
    with pytest.raises(ClientError) as excinfo:
        sns.subscribe(
            TopicArn=arn,
            Protocol="http",
            Endpoint="http://127.0.0.1:9/",
            Attributes={"FilterPolicy": "{}"},
        )
    assert "Cadabra does not implement FilterPolicy" in _error(excinfo)[1]


def _read_published(sns_service: SnsService, topic_arn: str, count: int) -> list[dict[str, Any]]:
    topic = sns_service.kafka_topic(topic_arn.rsplit(":", 1)[1])
    consumer = Consumer(
        {"bootstrap.servers": sns_service.kafka.bootstrap, "group.id": f"t-{uuid.uuid4().hex}"}
    )
    consumer.assign([TopicPartition(topic, 0, 0)])
    try:
        messages = consumer.consume(count, timeout=20)
        return [json.loads(m.value()) for m in messages if m.error() is None]
    finally:
        consumer.close()


def test_publish_is_durable_in_kafka(sns: Any, sns_service: SnsService, make_topic: Any) -> None:
    arn = make_topic()
    sub = sns.subscribe(TopicArn=arn, Protocol="sms", Endpoint="+15555550100")["SubscriptionArn"]
    response = sns.publish(
        TopicArn=arn,
        Message="Investigate sudden surge in orders",
        Subject="Cadabra Order Rate Alarm",
        MessageAttributes={"severity": {"DataType": "String", "StringValue": "high"}},
    )
    message_id = response["MessageId"]
    assert str(uuid.UUID(message_id)) == message_id
    by_target = sns.publish(TargetArn=arn, Message="second")["MessageId"]
    (first, second) = _read_published(sns_service, arn, 2)
    assert first["message_id"] == message_id
    assert first["topic_arn"] == arn
    assert first["subject"] == "Cadabra Order Rate Alarm"
    assert first["message"] == "Investigate sudden surge in orders"
    assert first["message_attributes"] == {"severity": {"Type": "String", "Value": "high"}}
    assert first["subscriptions"] == [sub]
    assert second["message_id"] == by_target


def test_publish_errors(sns: Any, make_topic: Any) -> None:
    arn = make_topic()
    missing = f"arn:aws:sns:us-east-1:000000000000:missing-{uuid.uuid4().hex[:8]}"
    cases: list[tuple[dict[str, Any], tuple[str, str, int]]] = [
        ({"TopicArn": missing, "Message": "x"}, ("NotFound", "Topic does not exist", 404)),
        (
            {"TopicArn": arn, "Message": ""},
            ("InvalidParameter", "Invalid parameter: Empty message", 400),
        ),
        (
            {"TopicArn": arn, "Message": "x" * 262_145},
            ("InvalidParameter", "Invalid parameter: Message too long", 400),
        ),
        (
            {"TopicArn": arn, "Message": "x", "Subject": "s" * 100},
            ("InvalidParameter", "Invalid parameter: Subject", 400),
        ),
        (
            {"TopicArn": arn, "Message": "x", "Subject": "two\nlines"},
            ("InvalidParameter", "Invalid parameter: Subject", 400),
        ),
        (
            {"TopicArn": arn, "Message": "{}", "MessageStructure": "json"},
            (
                "InvalidParameter",
                "Invalid parameter: Message Structure - No default entry in JSON message body",
                400,
            ),
        ),
    ]
    for request, expected in cases:
        with pytest.raises(ClientError) as excinfo:
            sns.publish(**request)
        assert _error(excinfo) == expected, request
    # The limits themselves pass: 256 KiB of message, a 99-character subject.
    sns.publish(TopicArn=arn, Message="x" * 262_144)
    sns.publish(TopicArn=arn, Message="x", Subject="s" * 99)


def test_unsubscribe_url_works_with_get(sns: Any, sns_url: str, make_topic: Any) -> None:
    arn = make_topic()
    sub = sns.subscribe(TopicArn=arn, Protocol="sms", Endpoint="+15555550100")["SubscriptionArn"]
    query = urllib.parse.urlencode({"Action": "Unsubscribe", "SubscriptionArn": sub})
    with urllib.request.urlopen(f"{sns_url}/?{query}", timeout=10) as reply:  # noqa: S310
        body = reply.read().decode()
    assert "<UnsubscribeResponse" in body
    assert sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"] == []


def test_unknown_action_is_an_xml_error(sns_url: str) -> None:
    data = urllib.parse.urlencode({"Action": "Frobnicate", "Version": "2010-03-31"}).encode()
    request = urllib.request.Request(  # noqa: S310 - an http URL of the test
        sns_url, data=data, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310
    body = excinfo.value.read().decode()
    assert excinfo.value.code == 400
    assert "<Code>InvalidAction</Code>" in body
    assert "<Type>Sender</Type>" in body


def test_sigv4_signed_form_requests_are_verified(sns_service: SnsService) -> None:
    import boto3
    from botocore.config import Config

    from cadabra.config import AuthSettings
    from cadabra.endpoint.app import EndpointApp
    from cadabra.endpoint.auth import SERVICE_NAMES, Authenticator
    from cadabra.endpoint.testing import serve_in_thread
    from cadabra.sns.query import sns_query_service

    settings = AuthSettings(auth="sigv4", CADABRA_AUTH_KEYS="cadabra:cadabra-secret")
    authenticator = Authenticator(settings, service_names=(*SERVICE_NAMES, "sns"))
    app = EndpointApp(
        {}, authenticator=authenticator, query_services=[sns_query_service(sns_service)]
    )
    with serve_in_thread(app, free_port_block(1)) as url:
        assert "Topics" in sns_client(url).list_topics()
        forged = boto3.client(
            "sns",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="cadabra",
            aws_secret_access_key="wrong",  # noqa: S106 - a deliberately wrong secret
            config=Config(retries={"total_max_attempts": 1}),
        )
        with pytest.raises(ClientError) as excinfo:
            forged.list_topics()
    app.close()
    code, message, status = _error(excinfo)
    assert (code, status) == ("InvalidSignatureException", 400)
    assert "signature we calculated does not match" in message
