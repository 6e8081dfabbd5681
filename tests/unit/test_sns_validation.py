"""SNS's request limits: subjects, message size, ARNs, endpoints, message attributes."""

from __future__ import annotations

import json

import pytest

from cadabra.sns.delivery_policy import RetryPolicy, effective_delivery_policy
from cadabra.sns.errors import (
    InvalidParameterException,
    InvalidParameterValueException,
    NotFoundException,
)
from cadabra.sns.models import Notification
from cadabra.sns.validation import (
    MAX_MESSAGE_BYTES,
    check_endpoint,
    check_message,
    check_subject,
    check_topic_name,
    message_attributes,
    parse_arn,
)


@pytest.mark.parametrize("subject", ["s" * 99, "Cadabra Order Rate Alarm", "a!?"])
def test_good_subjects(subject: str) -> None:
    check_subject(subject)


@pytest.mark.parametrize("subject", ["", "s" * 100, "two\nlines", "tab\there", "caf\u00e9"])
def test_bad_subjects(subject: str) -> None:
    with pytest.raises(InvalidParameterException, match=r"^Invalid parameter: Subject$"):
        check_subject(subject)


def test_message_size_counts_bytes_and_attributes() -> None:
    check_message("x" * MAX_MESSAGE_BYTES, None, {})
    with pytest.raises(InvalidParameterException, match="Message too long"):
        check_message("\u00e9" * (MAX_MESSAGE_BYTES // 2 + 1), None, {})
    with pytest.raises(InvalidParameterException, match="Message too long"):
        check_message("x" * (MAX_MESSAGE_BYTES - 3), None, {"ab": {"Type": "String"}})
    with pytest.raises(InvalidParameterException, match="Empty message"):
        check_message("", None, {})


def test_message_structure_json() -> None:
    check_message(json.dumps({"default": "d", "sms": "s"}), "json", {})
    with pytest.raises(InvalidParameterException, match="No default entry"):
        check_message(json.dumps({"sms": "s"}), "json", {})
    with pytest.raises(InvalidParameterException, match="failed to parse"):
        check_message("not json", "json", {})
    note = Notification("id", "arn", json.dumps({"default": "d", "sms": "s"}), 0, None, "json")
    assert (note.message_for("sms"), note.message_for("email")) == ("s", "d")


def test_arns_and_topic_names() -> None:
    assert parse_arn("arn:aws:sns:us-east-1:1:T", "TopicArn")[5] == "T"
    with pytest.raises(InvalidParameterException, match="fake does not start with arn"):
        parse_arn("fake", "TopicArn")
    with pytest.raises(InvalidParameterException, match="at least 6 elements, not 3"):
        parse_arn("arn:aws:sns", "TopicArn")
    check_topic_name("CadabraAlarms")
    for bad in ("", "a" * 257, "with space", "dots.not"):
        with pytest.raises(InvalidParameterException, match="Topic Name"):
            check_topic_name(bad)


def test_endpoints_must_fit_their_protocol() -> None:
    assert check_endpoint("sms", "+15555550100") == "+15555550100"
    assert check_endpoint("https", "https://x") == "https://x"
    with pytest.raises(NotFoundException, match="Endpoint not specified"):
        check_endpoint("sms", None)
    with pytest.raises(InvalidParameterException, match="does not deliver to sqs"):
        check_endpoint("sqs", "arn:aws:sqs:us-east-1:1:q")
    with pytest.raises(InvalidParameterException, match="must match the specified protocol"):
        check_endpoint("https", "http://x")


def test_message_attributes_as_sns_sends_them() -> None:
    given = {
        "n": {"DataType": "Number", "StringValue": "3"},
        "b": {"DataType": "Binary", "BinaryValue": b"\x01"},
    }
    assert message_attributes(given) == {
        "n": {"Type": "Number", "Value": "3"},
        "b": {"Type": "Binary", "Value": "AQ=="},
    }
    with pytest.raises(InvalidParameterValueException, match="must contain non-empty"):
        message_attributes({"s": {"DataType": "String", "StringValue": ""}})
    with pytest.raises(InvalidParameterValueException, match="invalid message attribute type"):
        message_attributes({"s": {"DataType": "Text", "StringValue": "x"}})
    with pytest.raises(InvalidParameterException, match="at most 10"):
        message_attributes({f"a{i}": {"DataType": "String", "StringValue": "x"} for i in range(11)})


def test_default_http_policy_is_three_retries_twenty_seconds_apart() -> None:
    assert RetryPolicy().delays() == [20.0, 20.0, 20.0]
    policy = json.loads(effective_delivery_policy(None))["http"]["defaultHealthyRetryPolicy"]
    assert (policy["numRetries"], policy["minDelayTarget"], policy["maxDelayTarget"]) == (3, 20, 20)


def test_policy_phases_and_overrides() -> None:
    policy = RetryPolicy(
        num_retries=7,
        min_delay_s=1,
        max_delay_s=9,
        num_no_delay_retries=1,
        num_min_delay_retries=1,
        num_max_delay_retries=2,
    )
    assert policy.delays() == [0.0, 1.0, 1.0, 5.0, 9.0, 9.0, 9.0]
    topic = json.dumps({"http": {"defaultHealthyRetryPolicy": {"numRetries": 1}}})
    subscription = json.dumps({"healthyRetryPolicy": {"minDelayTarget": 2, "maxDelayTarget": 2}})
    assert RetryPolicy.for_subscription(topic, subscription, RetryPolicy()).delays() == [2.0]
    locked = json.dumps({"http": {"disableSubscriptionOverrides": True}})
    assert RetryPolicy.for_subscription(locked, subscription, RetryPolicy()).delays() == [20.0] * 3
