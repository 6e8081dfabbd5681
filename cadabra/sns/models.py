"""SNS topics, their subscriptions and published messages, as Cadabra keeps them in Kafka.

A topic is one JSON document in the compacted state topic (key = topic name) that holds its
attributes and its subscriptions: the endpoint writes it, the notifier reads it. A published
message is one JSON record in the topic's own Kafka topic (`sns.<name>`), key = MessageId; it
names the subscriptions that existed when it was published, as SNS fans a message out to those.

ARNs are AWS's: `arn:aws:sns:<region>:<account>:<topic>` and, for a subscription, the topic ARN
followed by `:<uuid>`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "PROTOCOLS",
    "Notification",
    "SubscriptionState",
    "TopicState",
    "subscription_topic_arn",
    "topic_arn",
    "topic_name_of",
]

# The delivery protocols Cadabra implements (sinks/notify delivers them).
PROTOCOLS = ("http", "https", "email", "email-json", "sms")


def topic_arn(region: str, account_id: str, name: str) -> str:
    return f"arn:aws:sns:{region}:{account_id}:{name}"


def topic_name_of(arn: str) -> str:
    """The topic name of a topic ARN (the sixth field); '' if the ARN has fewer."""
    parts = arn.split(":")
    return parts[5] if len(parts) >= 6 else ""


def subscription_topic_arn(subscription_arn: str) -> str:
    """The topic ARN a subscription ARN extends (its first six fields)."""
    return ":".join(subscription_arn.split(":")[:6])


@dataclass(slots=True)
class SubscriptionState:
    arn: str
    protocol: str
    endpoint: str
    # Subscription attributes set by Subscribe/SetSubscriptionAttributes (RawMessageDelivery,
    # DeliveryPolicy, ...), as strings, as AWS keeps them.
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def raw(self) -> bool:
        return self.attributes.get("RawMessageDelivery", "false").lower() == "true"


@dataclass(slots=True)
class TopicState:
    name: str
    arn: str
    owner: str
    created_ms: int
    attributes: dict[str, str] = field(default_factory=dict)
    subscriptions: list[SubscriptionState] = field(default_factory=list)
    subscriptions_deleted: int = 0

    @property
    def display_name(self) -> str:
        return self.attributes.get("DisplayName", "")

    def subscription(self, arn: str) -> SubscriptionState | None:
        return next((s for s in self.subscriptions if s.arn == arn), None)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> TopicState:
        document = json.loads(raw)
        subscriptions = [SubscriptionState(**s) for s in document.pop("subscriptions", [])]
        return cls(**document, subscriptions=subscriptions)


@dataclass(frozen=True, slots=True)
class Notification:
    """One published message, durable in Kafka until the notifier delivered it."""

    message_id: str
    topic_arn: str
    message: str
    timestamp_ms: int
    subject: str | None = None
    # MessageStructure "json": `message` is a JSON object with a message per protocol.
    message_structure: str | None = None
    # Name -> {"Type": DataType, "Value": StringValue or base64 BinaryValue}, as SNS sends them.
    message_attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    # The subscriptions of the topic when the message was published.
    subscriptions: tuple[str, ...] = ()

    @property
    def timestamp(self) -> str:
        """ISO 8601 with milliseconds and a Z, as SNS's `Timestamp`."""
        moment = datetime.fromtimestamp(self.timestamp_ms / 1000, tz=UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.timestamp_ms % 1000:03d}Z"

    def message_for(self, protocol: str) -> str:
        """The message a protocol receives: its own entry of a JSON structure, else default."""
        if self.message_structure != "json":
            return self.message
        structure: dict[str, Any] = json.loads(self.message)
        value = structure.get(protocol, structure.get("default", ""))
        return value if isinstance(value, str) else json.dumps(value)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Notification:
        document = json.loads(raw)
        document["subscriptions"] = tuple(document.get("subscriptions", ()))
        return cls(**document)
