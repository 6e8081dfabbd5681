"""Amazon SNS on Kafka: topics and subscriptions in a compacted topic, messages durable in Kafka.

The endpoint serves it on AWS's query protocol (`query.sns_query_service`); `sinks/notify`
delivers the published messages to http/https, email, email-json and sms subscriptions.
"""

from __future__ import annotations

from cadabra.sns.errors import (
    InternalErrorException,
    InvalidParameterException,
    InvalidParameterValueException,
    NotFoundException,
    SnsError,
)
from cadabra.sns.models import Notification, SubscriptionState, TopicState, topic_arn
from cadabra.sns.service import SnsService
from cadabra.sns.settings import SnsSettings

__all__ = [
    "InternalErrorException",
    "InvalidParameterException",
    "InvalidParameterValueException",
    "NotFoundException",
    "Notification",
    "SnsError",
    "SnsService",
    "SnsSettings",
    "SubscriptionState",
    "TopicState",
    "topic_arn",
]
