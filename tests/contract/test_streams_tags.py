"""Stream and consumer tags on a real broker: AWS's 50-tag limit, constraints and paging."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cadabra.config import KafkaSettings
from cadabra.errors import (
    InvalidArgumentException,
    ResourceNotFoundException,
    ValidationException,
)
from cadabra.streams import StreamsService

MakeStream = Callable[..., str]


def _tags(streams: StreamsService, name: str) -> dict[str, str]:
    listed = streams.list_tags_for_stream(stream_name=name)
    assert listed["HasMoreTags"] is False
    return {tag["Key"]: tag["Value"] for tag in listed["Tags"]}


def test_add_list_remove(streams: StreamsService, make_stream: MakeStream) -> None:
    name = make_stream(tags={"team": "orders"})
    assert _tags(streams, name) == {"team": "orders"}
    assert streams.add_tags_to_stream({"env": "prod", "team": "shop"}, stream_name=name) == {}
    assert _tags(streams, name) == {"env": "prod", "team": "shop"}
    listed = streams.list_tags_for_stream(stream_arn=streams.arn(name))["Tags"]
    assert listed == [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "shop"}]
    assert streams.remove_tags_from_stream(["team", "missing"], stream_name=name) == {}
    assert _tags(streams, name) == {"env": "prod"}


def test_a_stream_holds_50_tags_and_refuses_the_51st(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = make_stream()
    fifty = {f"key-{i:02d}": f"value {i}" for i in range(50)}
    streams.add_tags_to_stream(fifty, stream_name=name)
    streams.add_tags_to_stream({"key-00": "overwritten"}, stream_name=name)  # still 50
    message = (
        f"Failed to add tags to stream {name} under account 000000000000 because a given "
        "stream cannot have more than 50 tags associated with it."
    )
    with pytest.raises(InvalidArgumentException, match=message):
        streams.add_tags_to_stream({"one-more": "x"}, stream_name=name)
    tags = _tags(streams, name)
    assert len(tags) == 50
    assert tags["key-00"] == "overwritten"
    assert "one-more" not in tags


def test_list_tags_pages_in_key_order(streams: StreamsService, make_stream: MakeStream) -> None:
    name = make_stream()
    streams.add_tags_to_stream({k: k.upper() for k in "edcba"}, stream_name=name)
    first = streams.list_tags_for_stream(stream_name=name, limit=2)
    assert [t["Key"] for t in first["Tags"]] == ["a", "b"]
    assert first["HasMoreTags"] is True
    rest = streams.list_tags_for_stream(stream_name=name, exclusive_start_tag_key="b", limit=3)
    assert rest == {
        "Tags": [{"Key": k, "Value": k.upper()} for k in "cde"],
        "HasMoreTags": False,
    }
    with pytest.raises(ValidationException, match="less than or equal to 50"):
        streams.list_tags_for_stream(stream_name=name, limit=51)


@pytest.mark.parametrize(
    ("tags", "error", "text"),
    [
        ({}, ValidationException, "greater than or equal to 1"),
        ({"k" * 129: "v"}, ValidationException, "Map keys must satisfy constraint"),
        ({"k": "v" * 257}, ValidationException, "Map value must satisfy constraint"),
        ({"k#": "v"}, InvalidArgumentException, "invalid characters"),
        ({"k": "50%"}, InvalidArgumentException, "invalid characters"),
    ],
)
def test_tag_constraints(
    streams: StreamsService,
    make_stream: MakeStream,
    tags: dict[str, str],
    error: type[Exception],
    text: str,
) -> None:
    name = make_stream()
    with pytest.raises(error, match=text):
        streams.add_tags_to_stream(tags, stream_name=name)
    assert _tags(streams, name) == {}


def test_valid_characters_include_unicode_letters_and_aws_symbols(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = make_stream()
    tags = {"Grüße über": "a_b.c/d=e+f-g@h:i", "empty": ""}
    streams.add_tags_to_stream(tags, stream_name=name)
    assert _tags(streams, name) == tags
    with pytest.raises(ValidationException, match="tagKeys"):
        streams.remove_tags_from_stream([], stream_name=name)


def test_tags_are_in_the_shard_map_for_every_process(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = make_stream()
    streams.add_tags_to_stream({"owner": "cadabra"}, stream_name=name)
    other = StreamsService(KafkaSettings(bootstrap=streams.kafka.bootstrap))
    try:
        assert _tags(other, name) == {"owner": "cadabra"}
    finally:
        other.close()


def test_resource_tags_by_arn_for_streams_and_consumers(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = make_stream()
    stream_arn = streams.arn(name)
    streams.tag_resource({"a": "1", "b": "2"}, resource_arn=stream_arn)
    streams.untag_resource(["a"], resource_arn=stream_arn)
    assert streams.list_tags_for_resource(stream_arn) == {"Tags": [{"Key": "b", "Value": "2"}]}
    assert _tags(streams, name) == {"b": "2"}

    consumer = streams.register_stream_consumer(stream_arn, "reader", tags={"c": "3"})
    consumer_arn = consumer["Consumer"]["ConsumerARN"]
    streams.tag_resource({"d": "4"}, resource_arn=consumer_arn)
    listed = streams.list_tags_for_resource(consumer_arn)["Tags"]
    assert listed == [{"Key": "c", "Value": "3"}, {"Key": "d", "Value": "4"}]
    assert _tags(streams, name) == {"b": "2"}  # the stream's own tags are apart
    with pytest.raises(InvalidArgumentException, match="cannot have more than 50 tags"):
        streams.tag_resource({f"k{i}": "" for i in range(49)}, resource_arn=consumer_arn)
    with pytest.raises(ResourceNotFoundException):
        streams.list_tags_for_resource(consumer_arn.replace(":stream/", ":stream/x"))
    with pytest.raises(ValidationException, match="resourceARN"):
        streams.list_tags_for_resource("arn:aws:kinesis:us-east-1:000000000000:table/t")
