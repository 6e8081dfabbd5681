"""SNS delivery on a real broker: Publish → the notifier → a webhook, an SMTP server, the SMS log.

Each test module uses its own `sns-<id>.` topic prefix, so its notifiers read only its topics.
Retry delays are shortened through the settings; the attempts are SNS's (1 + 3 retries).
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cadabra.config import KafkaSettings
from cadabra.sns import SnsService, SnsSettings
from cadabra.sns.testing import serve_sns, sns_client
from cadabra.stack.net import free_port_block
from sinks.notify.notifier import Notifier
from sinks.notify.settings import NotifySettings
from sinks.notify.testing import SmtpSink, WebhookSink, wait_until

PREFIX = f"snst{uuid.uuid4().hex[:8]}."
ALARM = "Investigate sudden surge in orders"
SUBJECT = "Cadabra Order Rate Alarm"


@pytest.fixture(scope="module")
def kafka(stack: Any) -> KafkaSettings:
    return KafkaSettings(bootstrap=stack.kafka_bootstrap)


@pytest.fixture(scope="module")
def sns_service(kafka: KafkaSettings) -> Iterator[SnsService]:
    service = SnsService(kafka, SnsSettings(topic_prefix=PREFIX))
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
def topic(sns: Any) -> Iterator[str]:
    arn: str = sns.create_topic(
        Name=f"CadabraAlarms-{uuid.uuid4().hex[:8]}", Attributes={"DisplayName": "Cadabra"}
    )["TopicArn"]
    yield arn
    sns.delete_topic(TopicArn=arn)


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


def settings(smtp: SmtpSink | None = None, **overrides: Any) -> NotifySettings:
    values: dict[str, Any] = {
        "group_id": f"notify-test-{uuid.uuid4().hex[:8]}",
        "poll_timeout_s": 0.1,
        "discover_interval_s": 0.5,
        "http_min_delay_s": 0.05,
        "http_max_delay_s": 0.05,
        "email_retry_delay_s": 0.05,
        "public_url": "http://cadabra.test:4567",
        **({"smtp_port": smtp.port} if smtp else {}),
        **overrides,
    }
    return NotifySettings(**values)


class Running:
    """A notifier on a thread of its own, stopped (settled and committed) at the end."""

    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier
        self.thread = threading.Thread(target=notifier.run, daemon=True)

    def __enter__(self) -> Notifier:
        self.thread.start()
        return self.notifier

    def __exit__(self, *_exc: object) -> None:
        self.notifier.stop.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()


def notifier(kafka: KafkaSettings, config: NotifySettings) -> Running:
    return Running(Notifier(config, SnsSettings(topic_prefix=PREFIX), kafka))


def test_webhook_receives_the_notification_after_retries(
    sns: Any, topic: str, kafka: KafkaSettings
) -> None:
    with WebhookSink(statuses=[500, 503]) as hook:
        sub = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=hook.url)["SubscriptionArn"]
        message_id = sns.publish(TopicArn=topic, Message=ALARM, Subject=SUBJECT)["MessageId"]
        with notifier(kafka, settings()) as running:
            assert wait_until(lambda: running.stats.delivered == 1)
        assert len(hook.posts) == 3  # two 5xx answers retried, then 200
        assert running.stats.retries == 2
        post = hook.posts[-1]
        assert post.path == "/hook"
        assert post.headers["x-amz-sns-message-type"] == "Notification"
        assert post.headers["x-amz-sns-message-id"] == message_id
        assert post.headers["x-amz-sns-topic-arn"] == topic
        assert post.headers["x-amz-sns-subscription-arn"] == sub
        assert post.headers["content-type"] == "text/plain; charset=UTF-8"
        body = json.loads(post.body)
        assert body["Type"] == "Notification"
        assert body["MessageId"] == message_id
        assert body["TopicArn"] == topic
        assert body["Subject"] == SUBJECT
        assert body["Message"] == ALARM
        assert body["SignatureVersion"] == "1"
        assert body["UnsubscribeURL"].startswith("http://cadabra.test:4567/?Action=Unsubscribe")
        assert body["Timestamp"].endswith("Z")
        assert all(json.loads(p.body)["MessageId"] == message_id for p in hook.posts)


def test_webhook_gives_up_after_the_policy_and_4xx_is_not_retried(
    sns: Any, topic: str, kafka: KafkaSettings
) -> None:
    with WebhookSink(statuses=[500] * 10) as failing, WebhookSink(statuses=[404]) as refusing:
        sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=failing.url)
        sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=refusing.url)
        sns.publish(TopicArn=topic, Message=ALARM)
        with notifier(kafka, settings()) as running:
            assert wait_until(lambda: running.stats.failed == 1 and running.stats.delivered == 1)
        assert len(failing.posts) == 4  # SNS's default: the attempt and 3 retries
        assert len(refusing.posts) == 1


def test_email_and_email_json_go_through_smtp(
    sns: Any, topic: str, kafka: KafkaSettings, smtp: SmtpSink
) -> None:
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@cadabra.test")
    sns.subscribe(TopicArn=topic, Protocol="email-json", Endpoint="robot@cadabra.test")
    message_id = sns.publish(TopicArn=topic, Message=ALARM, Subject=SUBJECT)["MessageId"]
    with notifier(kafka, settings(smtp)) as running:
        assert wait_until(lambda: running.stats.delivered == 2)
    mails = {mail["To"]: mail for mail in smtp.mails}
    plain, as_json = mails["ops@cadabra.test"], mails["robot@cadabra.test"]
    assert plain["Subject"] == SUBJECT
    assert plain["From"] == "Cadabra <no-reply@sns.amazonaws.com>"
    text = plain.get_payload(decode=True).decode()
    assert text.startswith(ALARM)
    assert "Action=Unsubscribe" in text
    document = json.loads(as_json.get_payload(decode=True))
    assert (document["MessageId"], document["Message"]) == (message_id, ALARM)


def test_sms_is_logged_and_written(
    sns: Any, topic: str, kafka: KafkaSettings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="+15555550100")
    sns.publish(TopicArn=topic, Message=ALARM, Subject=SUBJECT)
    log = tmp_path / "sms.jsonl"
    with (
        caplog.at_level(logging.INFO, logger="sinks.notify"),
        notifier(kafka, settings(sms_log=log)) as running,
    ):
        assert wait_until(lambda: running.stats.delivered == 1)
    assert f"SMS to +15555550100: {ALARM}" in caplog.text
    (line,) = [json.loads(text) for text in log.read_text().splitlines()]
    assert line["PhoneNumber"] == "+15555550100"
    assert line["Message"] == ALARM
    assert line["SenderId"] == "Cadabra"


def test_undelivered_messages_are_delivered_after_a_restart(
    sns: Any, topic: str, kafka: KafkaSettings
) -> None:
    """At-least-once: a notifier stopped mid-retries commits nothing past that message."""
    group = f"notify-test-{uuid.uuid4().hex[:8]}"
    with WebhookSink(statuses=[500] * 2) as hook:
        sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=hook.url)
        message_id = sns.publish(TopicArn=topic, Message=ALARM)["MessageId"]
        slow = settings(group_id=group, http_min_delay_s=60, http_max_delay_s=60)
        with notifier(kafka, slow):
            assert wait_until(lambda: len(hook.posts) == 1)  # failed; next retry in 60 s
        assert len(hook.posts) == 1
        with notifier(kafka, settings(group_id=group)) as running:
            assert wait_until(lambda: running.stats.delivered == 1)
        assert len(hook.posts) == 3  # again from the start: 500, then 200
        assert {json.loads(p.body)["MessageId"] for p in hook.posts} == {message_id}
        # Delivered and committed: a third start delivers nothing again.
        with notifier(kafka, settings(group_id=group)) as running:
            assert not wait_until(lambda: len(hook.posts) > 3, timeout_s=3)
        assert running.stats.delivered == 0


def test_unsubscribed_endpoints_get_nothing_more(
    sns: Any, topic: str, kafka: KafkaSettings
) -> None:
    with WebhookSink() as kept, WebhookSink() as dropped:
        sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=kept.url)
        gone = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=dropped.url)
        sns.unsubscribe(SubscriptionArn=gone["SubscriptionArn"])
        sns.publish(TopicArn=topic, Message=ALARM)
        with notifier(kafka, settings()) as running:
            assert wait_until(lambda: running.stats.delivered == 1)
        assert len(kept.posts) == 1
        assert dropped.posts == []
