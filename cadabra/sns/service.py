"""Amazon SNS (API 2010-03-31) on Kafka: topics, subscriptions and durable Publish.

`SnsService` is what the endpoint's query protocol (and tests) call. Requests take AWS's
parameters in snake_case; responses are AWS's response documents. Topics and their
subscriptions live in a compacted Kafka topic (the registry); each published message is written
to its topic's Kafka topic (`sns.<name>`, acks=all) before Publish returns its MessageId, and the
notifier (`sinks/notify`) delivers it to the subscriptions the topic had at that moment.

Differences from AWS: subscriptions are confirmed at once (no SubscriptionConfirmation round
trip, `PendingConfirmation` is always false); protocols are http, https, email, email-json and
sms; FIFO topics, filter policies, SMS to a bare PhoneNumber and platform endpoints are refused.
"""

from __future__ import annotations

import copy
import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from cadabra.config import AwsSettings, KafkaSettings
from cadabra.sns import validation as check
from cadabra.sns.delivery_policy import effective_delivery_policy
from cadabra.sns.errors import (
    InternalErrorException,
    InvalidParameterException,
    NotFoundException,
    SubscriptionLimitExceededException,
    TopicLimitExceededException,
)
from cadabra.sns.models import (
    Notification,
    SubscriptionState,
    TopicState,
    subscription_topic_arn,
    topic_arn,
)
from cadabra.sns.registry import TopicRegistry
from cadabra.sns.settings import SnsSettings
from cadabra.streams.kafka_writer import KafkaWriter, WriteFailed
from cadabra.streams.topics import TopicAdmin

__all__ = ["SnsService"]

Document = dict[str, Any]
PAGE = 100


def _wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class SnsService:
    def __init__(
        self,
        kafka: KafkaSettings | None = None,
        settings: SnsSettings | None = None,
        aws: AwsSettings | None = None,
        clock_ms: Callable[[], int] = _wall_clock_ms,
    ) -> None:
        self.kafka = kafka or KafkaSettings()
        self.settings = settings or SnsSettings()
        self.aws = aws or AwsSettings()
        self.clock_ms = clock_ms
        self.lock = threading.RLock()
        self.admin = TopicAdmin(self.kafka.bootstrap, self.kafka.replication_factor)
        self.registry = TopicRegistry(self.kafka.bootstrap, self.settings.state_topic, self.admin)
        self.writer = KafkaWriter(self.kafka.bootstrap)

    # -- lookups ----------------------------------------------------------------------------

    def kafka_topic(self, name: str) -> str:
        return f"{self.settings.topic_prefix}{name}"

    def topic(self, arn: str | None, parameter: str = "TopicArn") -> TopicState:
        parts = check.parse_arn(arn, parameter)
        if parts[3] != self.aws.region:
            raise InvalidParameterException(f"Invalid parameter: {parameter}")
        state = self.registry.get(parts[5], refresh=True)
        if state is None or parts[4] != self.aws.account_id:
            raise NotFoundException("Topic does not exist")
        return state

    def _subscription(self, arn: str | None) -> tuple[TopicState, SubscriptionState]:
        parts = check.parse_arn(arn, "SubscriptionArn")
        if len(parts) < 7:
            raise InvalidParameterException("Invalid parameter: SubscriptionId")
        try:
            state = self.topic(subscription_topic_arn(arn or ""), "SubscriptionArn")
        except NotFoundException:
            state = None
        subscription = state.subscription(arn or "") if state is not None else None
        if state is None or subscription is None:
            raise NotFoundException("Subscription does not exist")
        return state, subscription

    # -- topics -----------------------------------------------------------------------------

    def create_topic(self, name: str, attributes: Mapping[str, str] | None = None) -> Document:
        check.check_topic_name(name)
        given = dict(attributes or {})
        for key, value in given.items():
            check.check_topic_attribute(key, value)
        given.pop("FifoTopic", None)
        with self.lock:
            self.registry.refresh()
            existing = self.registry.get(name)
            if existing is not None:
                if any(existing.attributes.get(k, "") != v for k, v in given.items()):
                    raise InvalidParameterException(
                        "Invalid parameter: Topic already exists with different attributes"
                    )
                return {"TopicArn": existing.arn}
            if len(self.registry.names()) >= self.settings.topic_limit:
                raise TopicLimitExceededException("Topic limit exceeded")
            self._create_kafka_topic(name)
            arn = topic_arn(self.aws.region, self.aws.account_id, name)
            state = TopicState(name, arn, self.aws.account_id, self.clock_ms(), given)
            self.registry.put(state)
        return {"TopicArn": arn}

    def _create_kafka_topic(self, name: str) -> None:
        try:
            self.admin.create_stream_topic(self.kafka_topic(name), 1, self.settings.retention_hours)
        except Exception as exc:  # left over from a topic deleted while a notifier read it
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise

    def delete_topic(self, topic_arn: str) -> Document:
        parts = check.parse_arn(topic_arn, "TopicArn")
        if parts[3] != self.aws.region:
            raise InvalidParameterException("Invalid parameter: TopicArn")
        with self.lock:
            if self.registry.get(parts[5], refresh=True) is not None:
                self.registry.delete(parts[5])
                self.admin.delete(self.kafka_topic(parts[5]))
        return {}  # deleting a topic that does not exist succeeds, as on AWS

    def list_topics(self, next_token: str | None = None) -> Document:
        self.registry.refresh()
        names = [n for n in self.registry.names() if n > (next_token or "")]
        page = names[:PAGE]
        arns = [topic_arn(self.aws.region, self.aws.account_id, n) for n in page]
        response: Document = {"Topics": [{"TopicArn": arn} for arn in arns]}
        if len(names) > PAGE:
            response["NextToken"] = page[-1]
        return response

    def get_topic_attributes(self, topic_arn: str) -> Document:
        state = self.topic(topic_arn)
        attributes = {
            "TopicArn": state.arn,
            "Owner": state.owner,
            "Policy": _default_policy(state),
            "DisplayName": "",
            **state.attributes,
            "SubscriptionsConfirmed": str(len(state.subscriptions)),
            "SubscriptionsPending": "0",
            "SubscriptionsDeleted": str(state.subscriptions_deleted),
            "EffectiveDeliveryPolicy": effective_delivery_policy(
                state.attributes.get("DeliveryPolicy")
            ),
        }
        return {"Attributes": attributes}

    def set_topic_attributes(
        self, topic_arn: str, attribute_name: str, attribute_value: str | None = None
    ) -> Document:
        check.check_topic_attribute(attribute_name, attribute_value)
        if attribute_name == "FifoTopic":
            raise InvalidParameterException("Invalid parameter: AttributeName")
        with self.lock:
            state = copy.deepcopy(self.topic(topic_arn))
            state.attributes[attribute_name] = attribute_value or ""
            self.registry.put(state)
        return {}

    # -- subscriptions ----------------------------------------------------------------------

    def subscribe(
        self,
        topic_arn: str,
        protocol: str,
        endpoint: str | None = None,
        attributes: Mapping[str, str] | None = None,
    ) -> Document:
        self.topic(topic_arn)
        target = check.check_endpoint(protocol, endpoint)
        given = dict(attributes or {})
        for key, value in given.items():
            check.check_subscription_attribute(key, value)
        with self.lock:
            state = copy.deepcopy(self.topic(topic_arn))
            for existing in state.subscriptions:
                if (existing.protocol, existing.endpoint) == (protocol, target):
                    if any(existing.attributes.get(k) != v for k, v in given.items()):
                        raise InvalidParameterException(
                            "Invalid parameter: Attributes Reason: Subscription already exists "
                            "with different attributes"
                        )
                    return {"SubscriptionArn": existing.arn}
            if len(state.subscriptions) >= self.settings.subscription_limit:
                raise SubscriptionLimitExceededException("Subscription limit exceeded")
            subscription = SubscriptionState(f"{state.arn}:{uuid.uuid4()}", protocol, target, given)
            state.subscriptions.append(subscription)
            self.registry.put(state)
        return {"SubscriptionArn": subscription.arn}

    def unsubscribe(self, subscription_arn: str) -> Document:
        try:
            state, subscription = self._subscription(subscription_arn)
        except NotFoundException:
            return {}  # AWS answers an unknown subscription with success too
        with self.lock:
            state = copy.deepcopy(state)
            state.subscriptions = [s for s in state.subscriptions if s.arn != subscription.arn]
            state.subscriptions_deleted += 1
            self.registry.put(state)
        return {}

    def get_subscription_attributes(self, subscription_arn: str) -> Document:
        state, subscription = self._subscription(subscription_arn)
        attributes = {
            "SubscriptionArn": subscription.arn,
            "TopicArn": state.arn,
            "Owner": state.owner,
            "Protocol": subscription.protocol,
            "Endpoint": subscription.endpoint,
            "PendingConfirmation": "false",
            "ConfirmationWasAuthenticated": "true",
            "RawMessageDelivery": "false",
            **subscription.attributes,
        }
        if subscription.protocol in ("http", "https"):
            attributes["EffectiveDeliveryPolicy"] = effective_delivery_policy(
                state.attributes.get("DeliveryPolicy")
            )
        return {"Attributes": attributes}

    def set_subscription_attributes(
        self, subscription_arn: str, attribute_name: str, attribute_value: str | None = None
    ) -> Document:
        check.check_subscription_attribute(attribute_name, attribute_value)
        with self.lock:
            state, subscription = self._subscription(subscription_arn)
            state = copy.deepcopy(state)
            target = state.subscription(subscription.arn)
            assert target is not None  # noqa: S101 - the copy holds what the original held
            value = attribute_value or ""
            target.attributes[attribute_name] = (
                value.lower() if attribute_name == "RawMessageDelivery" else value
            )
            self.registry.put(state)
        return {}

    def list_subscriptions(self, next_token: str | None = None) -> Document:
        self.registry.refresh()
        states = [s for n in self.registry.names() if (s := self.registry.get(n)) is not None]
        return _subscription_page(states, next_token)

    def list_subscriptions_by_topic(
        self, topic_arn: str, next_token: str | None = None
    ) -> Document:
        return _subscription_page([self.topic(topic_arn)], next_token)

    # -- publishing -------------------------------------------------------------------------

    def publish(
        self,
        message: str,
        topic_arn: str | None = None,
        target_arn: str | None = None,
        phone_number: str | None = None,
        subject: str | None = None,
        message_structure: str | None = None,
        message_attributes: Mapping[str, Mapping[str, Any]] | None = None,
        message_deduplication_id: str | None = None,
    ) -> Document:
        arn, parameter = _publish_target(topic_arn, target_arn, phone_number)
        check.check_subject(subject)
        attributes = check.message_attributes(message_attributes)
        check.check_message(message, message_structure, attributes)
        if message_deduplication_id is not None:
            raise InvalidParameterException(
                "Invalid parameter: MessageDeduplicationId Reason: The request includes "
                "MessageDeduplicationId parameter that is not valid for this topic type"
            )
        state = self.topic(arn, parameter)
        notification = Notification(
            message_id=str(uuid.uuid4()),
            topic_arn=state.arn,
            message=message,
            timestamp_ms=self.clock_ms(),
            subject=subject,
            message_structure=message_structure,
            message_attributes=attributes,
            subscriptions=tuple(s.arn for s in state.subscriptions),
        )
        self._write(state.name, notification)
        return {"MessageId": notification.message_id}

    def _write(self, name: str, notification: Notification) -> None:
        key, value = notification.message_id.encode(), notification.to_json()
        (report,) = self.writer.write(self.kafka_topic(name), [0], [key], [value])
        if isinstance(report, WriteFailed):
            raise InternalErrorException(f"Publish to {name} failed: {report.reason}")

    def close(self) -> None:
        self.writer.close()
        self.registry.close()


def _publish_target(
    topic_arn: str | None, target_arn: str | None, phone_number: str | None
) -> tuple[str, str]:
    if phone_number is not None:
        raise InvalidParameterException(
            "Invalid parameter: PhoneNumber Reason: Cadabra sends SMS only to the sms "
            "subscriptions of a topic"
        )
    if topic_arn and target_arn:
        raise InvalidParameterException(
            "Invalid parameter: TopicArn or TargetArn Reason: Only one of them may be specified"
        )
    if not (topic_arn or target_arn):
        raise InvalidParameterException(
            "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter"
        )
    return (topic_arn, "TopicArn") if topic_arn else (target_arn or "", "TargetArn")


def _subscription_page(states: list[TopicState], next_token: str | None) -> Document:
    rows = [
        {
            "SubscriptionArn": s.arn,
            "Owner": state.owner,
            "Protocol": s.protocol,
            "Endpoint": s.endpoint,
            "TopicArn": state.arn,
        }
        for state in states
        for s in state.subscriptions
    ]
    rows.sort(key=lambda row: row["SubscriptionArn"])
    rows = [row for row in rows if row["SubscriptionArn"] > (next_token or "")]
    response: Document = {"Subscriptions": rows[:PAGE]}
    if len(rows) > PAGE:
        response["NextToken"] = rows[PAGE - 1]["SubscriptionArn"]
    return response


def _default_policy(state: TopicState) -> str:
    actions = [
        "SNS:GetTopicAttributes",
        "SNS:SetTopicAttributes",
        "SNS:AddPermission",
        "SNS:RemovePermission",
        "SNS:DeleteTopic",
        "SNS:Subscribe",
        "SNS:ListSubscriptionsByTopic",
        "SNS:Publish",
    ]
    statement = {
        "Sid": "__default_statement_ID",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": actions,
        "Resource": state.arn,
        "Condition": {"StringEquals": {"AWS:SourceOwner": state.owner}},
    }
    policy = {"Version": "2008-10-17", "Id": "__default_policy_ID", "Statement": [statement]}
    return json.dumps(policy, separators=(",", ":"))
