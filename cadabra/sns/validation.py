"""Amazon SNS's request checks: names, ARNs, protocols and endpoints, subjects, message sizes.

Limits are AWS's: topic names of 1-256 letters, digits, `-` and `_`; a message and its
attributes together at most 256 KiB (262,144 bytes); a subject of 1-99 printable ASCII
characters (no line breaks or control characters); at most 10 message attributes. Messages are
AWS's ("Invalid parameter: Message too long", "Invalid parameter: TopicArn Reason: ...").
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from typing import Any

from cadabra.sns.errors import (
    InvalidParameterException,
    InvalidParameterValueException,
    NotFoundException,
)
from cadabra.sns.models import PROTOCOLS

__all__ = [
    "MAX_MESSAGE_BYTES",
    "SUBSCRIPTION_ATTRIBUTES",
    "TOPIC_ATTRIBUTES",
    "check_endpoint",
    "check_message",
    "check_subject",
    "check_subscription_attribute",
    "check_topic_attribute",
    "check_topic_name",
    "message_attributes",
    "parse_arn",
]

MAX_MESSAGE_BYTES = 262_144
MAX_SUBJECT_CHARS = 99
MAX_MESSAGE_ATTRIBUTES = 10
_TOPIC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_E164 = re.compile(r"^\+?[1-9]\d{1,14}$")
_SUBJECT = re.compile(r"^[\x20-\x7e]+$")
_DATA_TYPE = re.compile(r"^(String|String\.Array|Number|Binary)(\.[A-Za-z0-9_.-]+)?$")
# Topic attributes SetTopicAttributes accepts; Cadabra uses DisplayName and DeliveryPolicy.
TOPIC_ATTRIBUTES = frozenset(
    {
        "DisplayName",
        "Policy",
        "DeliveryPolicy",
        "KmsMasterKeyId",
        "SignatureVersion",
        "TracingConfig",
        "HTTPSuccessFeedbackRoleArn",
        "HTTPFailureFeedbackRoleArn",
        "HTTPSuccessFeedbackSampleRate",
        "DataProtectionPolicy",
    }
)
# Subscription attributes Cadabra honours; the others AWS has (FilterPolicy, RedrivePolicy,
# SubscriptionRoleArn, ReplayPolicy) are refused rather than silently ignored.
SUBSCRIPTION_ATTRIBUTES = frozenset({"DeliveryPolicy", "RawMessageDelivery"})
_UNSUPPORTED_SUBSCRIPTION_ATTRIBUTES = frozenset(
    {"FilterPolicy", "FilterPolicyScope", "RedrivePolicy", "SubscriptionRoleArn", "ReplayPolicy"}
)


def check_topic_name(name: str) -> None:
    if name.endswith(".fifo"):
        raise InvalidParameterException(
            "Invalid parameter: Topic Name Reason: Cadabra does not implement FIFO topics"
        )
    if not _TOPIC_NAME.match(name):
        raise InvalidParameterException("Invalid parameter: Topic Name")


def parse_arn(arn: str | None, parameter: str) -> list[str]:
    """An ARN's colon-separated fields, after AWS's checks of `parameter` (e.g. TopicArn)."""
    if not arn:
        raise InvalidParameterException(
            f"Invalid parameter: {parameter} Reason: no value for required parameter"
        )
    if not arn.startswith("arn:"):
        raise InvalidParameterException(
            f"Invalid parameter: {parameter} Reason: {arn} does not start with arn"
        )
    parts = arn.split(":")
    if len(parts) < 6:
        raise InvalidParameterException(
            f"Invalid parameter: {parameter} Reason: An ARN must have at least 6 elements, "
            f"not {len(parts)}"
        )
    if parts[2] != "sns":
        raise InvalidParameterException(f"Invalid parameter: {parameter}")
    return parts


def check_endpoint(protocol: str, endpoint: str | None) -> str:
    if protocol not in PROTOCOLS:
        if protocol in ("sqs", "lambda", "firehose", "application"):
            raise InvalidParameterException(
                f"Invalid parameter: Protocol Reason: Cadabra does not deliver to {protocol} "
                f"subscriptions (it delivers {', '.join(PROTOCOLS)})"
            )
        raise InvalidParameterException(
            f"Invalid parameter: Amazon SNS does not support this protocol string: {protocol}"
        )
    if not endpoint:
        raise NotFoundException("Endpoint not specified in subscription")
    if protocol in ("http", "https") and not endpoint.startswith(f"{protocol}://"):
        raise InvalidParameterException(
            "Invalid parameter: Endpoint must match the specified protocol"
        )
    if protocol.startswith("email") and "@" not in endpoint.strip("@"):
        raise InvalidParameterException("Invalid parameter: Email address")
    if protocol == "sms" and not _E164.match(endpoint):
        raise InvalidParameterException(
            f"Invalid parameter: Endpoint Reason: {endpoint} is not a valid E.164 phone number"
        )
    return endpoint


def check_subject(subject: str | None) -> None:
    if subject is None:
        return
    if len(subject) > MAX_SUBJECT_CHARS or not _SUBJECT.match(subject):
        raise InvalidParameterException("Invalid parameter: Subject")


def check_message(
    message: str | None, structure: str | None, attributes: Mapping[str, dict[str, str]]
) -> None:
    if not message:
        raise InvalidParameterException("Invalid parameter: Empty message")
    size = len(message.encode()) + sum(
        len(name.encode()) + sum(len(v.encode()) for v in value.values())
        for name, value in attributes.items()
    )
    if size > MAX_MESSAGE_BYTES:
        raise InvalidParameterException("Invalid parameter: Message too long")
    if structure is None:
        return
    if structure != "json":
        raise InvalidParameterException("Invalid parameter: MessageStructure")
    try:
        document = json.loads(message)
    except json.JSONDecodeError:
        document = None
    if not isinstance(document, dict):
        raise InvalidParameterException(
            "Invalid parameter: Message Structure - JSON message body failed to parse"
        )
    if "default" not in document:
        raise InvalidParameterException(
            "Invalid parameter: Message Structure - No default entry in JSON message body"
        )


def message_attributes(given: Mapping[str, Mapping[str, Any]] | None) -> dict[str, dict[str, str]]:
    """MessageAttributes as SNS delivers them: name -> {"Type", "Value"} (binary as base64)."""
    attributes: dict[str, dict[str, str]] = {}
    if len(given or {}) > MAX_MESSAGE_ATTRIBUTES:
        raise InvalidParameterException(
            f"Invalid parameter: MessageAttributes Reason: at most {MAX_MESSAGE_ATTRIBUTES} "
            "message attributes are allowed"
        )
    for name, value in (given or {}).items():
        data_type = str(value.get("DataType") or "")
        if name.lower().startswith(("aws.", "amazon.")) or not 0 < len(name) <= 256:
            raise InvalidParameterValueException(f"The message attribute name '{name}' is invalid.")
        if not _DATA_TYPE.match(data_type):
            raise InvalidParameterValueException(
                f"The message attribute '{name}' has an invalid message attribute type, the set "
                "of supported type prefixes is Binary, Number, and String."
            )
        if data_type.startswith("Binary"):
            raw = value.get("BinaryValue")
            text = base64.b64encode(raw).decode() if isinstance(raw, bytes) else str(raw or "")
        else:
            text = str(value.get("StringValue") or "")
        if not text:
            raise InvalidParameterValueException(
                f"The message attribute '{name}' must contain non-empty message attribute value "
                f"for message attribute type '{data_type.split('.')[0]}'."
            )
        attributes[name] = {"Type": data_type, "Value": text}
    return attributes


def check_topic_attribute(name: str, value: str | None) -> None:
    if name == "FifoTopic" and (value or "").lower() == "true":
        raise InvalidParameterException(
            "Invalid parameter: Attributes Reason: Cadabra does not implement FIFO topics"
        )
    if name not in TOPIC_ATTRIBUTES and name != "FifoTopic":
        raise InvalidParameterException("Invalid parameter: AttributeName")
    if name == "DeliveryPolicy" and value:
        _check_json(value, "DeliveryPolicy")


def check_subscription_attribute(name: str, value: str | None) -> None:
    if name in _UNSUPPORTED_SUBSCRIPTION_ATTRIBUTES:
        raise InvalidParameterException(
            f"Invalid parameter: Attributes Reason: Cadabra does not implement {name}"
        )
    if name not in SUBSCRIPTION_ATTRIBUTES:
        raise InvalidParameterException("Invalid parameter: AttributeName")
    if name == "RawMessageDelivery" and (value or "").lower() not in ("true", "false"):
        raise InvalidParameterException(
            "Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value "
            f"[{value}]. Must be true or false."
        )
    if name == "DeliveryPolicy" and value:
        _check_json(value, "DeliveryPolicy")


def _check_json(value: str, name: str) -> None:
    try:
        document = json.loads(value)
    except json.JSONDecodeError:
        document = None
    if not isinstance(document, dict):
        raise InvalidParameterException(
            f"Invalid parameter: {name} Reason: failed to parse JSON: {value[:100]}"
        )
