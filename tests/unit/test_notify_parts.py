"""SNS delivery's parts: committable offsets, the notification document, mails, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from cadabra.sns.models import Notification, SubscriptionState, TopicState
from sinks.notify.channels import EmailChannel, SmsChannel
from sinks.notify.cli import register
from sinks.notify.messages import (
    SIGNATURE_PLACEHOLDER,
    Delivery,
    http_headers,
    notification_document,
)
from sinks.notify.offsets import OffsetTracker
from sinks.notify.settings import NotifySettings

TOPIC = "arn:aws:sns:us-east-1:000000000000:CadabraAlarms"


def _delivery(protocol: str, endpoint: str, **attributes: str) -> Delivery:
    subscription = SubscriptionState(f"{TOPIC}:s-1", protocol, endpoint, dict(attributes))
    topic = TopicState("CadabraAlarms", TOPIC, "000000000000", 0, {"DisplayName": "Cadabra"})
    topic.subscriptions.append(subscription)
    note = Notification(
        "m-1",
        TOPIC,
        "Investigate sudden surge in orders",
        1_700_000_000_123,
        "Cadabra Order Rate Alarm",
        message_attributes={"a": {"Type": "String", "Value": "v"}},
        subscriptions=(subscription.arn,),
    )
    return Delivery(topic, subscription, note, "http://127.0.0.1:4567/")


def test_committable_offsets_wait_for_the_lowest_open_message() -> None:
    tracker = OffsetTracker()
    p = ("sns.T", 0)
    tracker.start(p, 0, 1)
    tracker.start(p, 1, 2)
    tracker.start(p, 2, 0)  # no subscriptions: settled at once
    assert tracker.committable() == {p: 0}
    tracker.settle(p, 1, done=True)
    tracker.settle(p, 0, done=True)
    assert tracker.committable() == {p: 1}  # offset 1 has one delivery left
    tracker.settle(p, 1, done=True)
    assert tracker.committable() == {p: 3}
    assert tracker.in_flight() == 0


def test_an_interrupted_delivery_blocks_the_commit() -> None:
    tracker = OffsetTracker()
    p = ("sns.T", 0)
    tracker.start(p, 5, 1)
    tracker.start(p, 6, 1)
    tracker.settle(p, 6, done=True)
    tracker.settle(p, 5, done=False)
    assert tracker.committable() == {p: 5}
    assert tracker.wait_below(1, 0.01)
    tracker.forget([p])
    assert tracker.committable() == {}


def test_notification_document_is_sns_shaped() -> None:
    delivery = _delivery("http", "http://hook")
    document = notification_document(delivery)
    assert list(document) == [
        "Type",
        "MessageId",
        "TopicArn",
        "Subject",
        "Message",
        "Timestamp",
        "SignatureVersion",
        "Signature",
        "SigningCertURL",
        "UnsubscribeURL",
        "MessageAttributes",
    ]
    assert document["Timestamp"] == "2023-11-14T22:13:20.123Z"
    assert document["Signature"] == SIGNATURE_PLACEHOLDER
    assert document["UnsubscribeURL"] == (
        "http://127.0.0.1:4567/?Action=Unsubscribe&SubscriptionArn="
        "arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3ACadabraAlarms%3As-1"
    )
    headers = http_headers(delivery)
    assert headers["x-amz-sns-subscription-arn"] == f"{TOPIC}:s-1"
    assert "x-amz-sns-rawdelivery" not in headers
    raw = _delivery("http", "http://hook", RawMessageDelivery="true")
    assert http_headers(raw)["x-amz-sns-rawdelivery"] == "true"


def test_email_and_email_json_mails() -> None:
    channel = EmailChannel(NotifySettings())
    mail = channel.compose(_delivery("email", "ops@cadabra.test"))
    assert mail["Subject"] == "Cadabra Order Rate Alarm"
    assert mail["From"] == "Cadabra <no-reply@sns.amazonaws.com>"
    assert mail.get_content().startswith("Investigate sudden surge in orders\n\n--\n")
    as_json = channel.compose(_delivery("email-json", "robot@cadabra.test"))
    assert json.loads(as_json.get_content())["MessageId"] == "m-1"


def test_sms_lines(tmp_path: Path) -> None:
    path = tmp_path / "sms.jsonl"
    SmsChannel(path).deliver(_delivery("sms", "+15555550100"))
    (line,) = path.read_text().splitlines()
    assert json.loads(line)["Message"] == "Investigate sudden surge in orders"


def test_cli_registers_notify_run() -> None:
    app = typer.Typer()
    app.command()(lambda: None)  # a second command keeps `notify` a subcommand group
    register(app)
    result = CliRunner().invoke(app, ["notify", "run", "--help"])
    assert result.exit_code == 0
    for option in ("--group-id", "--smtp-host", "--smtp-port", "--sms-log"):
        assert option in result.output
