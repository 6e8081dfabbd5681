"""What SNS sends a subscriber: the notification JSON document and its HTTP headers.

The document is SNS's (`Type` Notification, MessageId, TopicArn, Subject, Message, Timestamp,
SignatureVersion, Signature, SigningCertURL, UnsubscribeURL, MessageAttributes). Cadabra does not
sign: `Signature` is a placeholder and `SigningCertURL` names no real certificate, so receivers
that verify SNS signatures must skip that check against Cadabra. The UnsubscribeURL works: a GET
of it on Cadabra's endpoint unsubscribes.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass
from typing import Any

from cadabra.sns.models import Notification, SubscriptionState, TopicState

__all__ = [
    "SIGNATURE_PLACEHOLDER",
    "Delivery",
    "http_headers",
    "notification_document",
    "notification_json",
]

SIGNATURE_PLACEHOLDER = "CADABRA-UNSIGNED"
USER_AGENT = "Amazon Simple Notification Service Agent"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message for one subscription."""

    topic: TopicState
    subscription: SubscriptionState
    notification: Notification
    public_url: str

    @property
    def message(self) -> str:
        return self.notification.message_for(self.subscription.protocol)

    @property
    def unsubscribe_url(self) -> str:
        query = urllib.parse.urlencode(
            {"Action": "Unsubscribe", "SubscriptionArn": self.subscription.arn}
        )
        return f"{self.public_url.rstrip('/')}/?{query}"


def notification_document(delivery: Delivery) -> dict[str, Any]:
    note = delivery.notification
    document: dict[str, Any] = {
        "Type": "Notification",
        "MessageId": note.message_id,
        "TopicArn": note.topic_arn,
    }
    if note.subject is not None:
        document["Subject"] = note.subject
    document |= {
        "Message": delivery.message,
        "Timestamp": note.timestamp,
        "SignatureVersion": "1",
        "Signature": SIGNATURE_PLACEHOLDER,
        "SigningCertURL": f"{delivery.public_url.rstrip('/')}/SimpleNotificationService.pem",
        "UnsubscribeURL": delivery.unsubscribe_url,
    }
    if note.message_attributes:
        document["MessageAttributes"] = note.message_attributes
    return document


def notification_json(delivery: Delivery) -> str:
    return json.dumps(notification_document(delivery), indent=2)


def http_headers(delivery: Delivery) -> dict[str, str]:
    headers = {
        "Content-Type": "text/plain; charset=UTF-8",
        "User-Agent": USER_AGENT,
        "x-amz-sns-message-type": "Notification",
        "x-amz-sns-message-id": delivery.notification.message_id,
        "x-amz-sns-topic-arn": delivery.notification.topic_arn,
        "x-amz-sns-subscription-arn": delivery.subscription.arn,
    }
    if delivery.subscription.raw:
        headers["x-amz-sns-rawdelivery"] = "true"
    return headers
