"""Firehose S3 object keys: prefix expressions, defaults, validation, stable names."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from cadabra.errors import DeliveryError, InvalidArgumentException
from cadabra.firehose.timestamps import format_timestamp
from sinks.firehose.keys import (
    check_key_configuration,
    error_object_key,
    evaluate_error_prefix,
    evaluate_prefix,
    file_extension,
    object_key,
    object_name,
    random_string,
)

ARRIVAL = datetime(2018, 8, 27, 10, 30, 5, 123456, tzinfo=UTC)
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
RANDOM = r"[0-9a-f]{8}-[0-9a-f]{2}"


def test_no_prefix_gives_the_default_time_prefix() -> None:
    assert evaluate_prefix(None, ARRIVAL) == "2018/08/27/10/"
    assert evaluate_prefix("", ARRIVAL) == "2018/08/27/10/"


def test_spec_example_prefix() -> None:
    prefix = (
        "myPrefix/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}"
        "/hour=!{timestamp:HH}/"
    )
    assert evaluate_prefix(prefix, ARRIVAL) == "myPrefix/year=2018/month=08/day=27/hour=10/"


def test_prefix_without_timestamp_gets_the_time_part_appended() -> None:
    assert evaluate_prefix("myPrefix/", ARRIVAL) == "myPrefix/2018/08/27/10/"


def test_quoted_literals_and_escaped_quotes() -> None:
    assert format_timestamp("yyyy'-'MM'-'dd", ARRIVAL) == "2018-08-27"
    assert format_timestamp("'year='yyyy", ARRIVAL) == "year=2018"
    assert format_timestamp("''yy''", ARRIVAL) == "'18'"
    assert format_timestamp("'it''s' H", ARRIVAL) == "it's 10"


def test_pattern_letters() -> None:
    early = datetime(2018, 3, 7, 4, 5, 6, 7000, tzinfo=UTC)
    assert format_timestamp("yy M d H m s", early) == "18 3 7 4 5 6"
    assert format_timestamp("yyyy/MM/dd/HH/mm/ss.SSS", early) == "2018/03/07/04/05/06.007"
    assert format_timestamp("MMM MMMM D uuuu", early) == "Mar March 66 2018"


def test_all_timestamps_use_one_instant_in_the_custom_time_zone() -> None:
    prefix = "!{timestamp:yyyy-MM-dd}/!{timestamp:HH}/"
    assert evaluate_prefix(prefix, ARRIVAL, time_zone="Asia/Tokyo") == "2018-08-27/19/"
    late = datetime(2018, 8, 27, 20, 0, tzinfo=UTC)
    assert evaluate_prefix(None, late, time_zone="Asia/Tokyo") == "2018/08/28/05/"


def test_suffix_uses_the_custom_time_zone_too() -> None:
    name = object_name("orders", 3, ARRIVAL, ".gz", "p0-7", time_zone="Asia/Tokyo")
    assert re.fullmatch(rf"orders-3-2018-08-27-19-30-05-{UUID}\.gz", name)


def test_random_string_shape_and_distinctness() -> None:
    values = {random_string() for _ in range(100)}
    assert len(values) == 100
    assert all(re.fullmatch(RANDOM, value) for value in values)
    evaluated = evaluate_prefix("!{firehose:random-string}/!{firehose:random-string}/", ARRIVAL)
    first, second = evaluated.split("/")[:2]
    assert re.fullmatch(RANDOM, first) and re.fullmatch(RANDOM, second)
    assert first != second


def test_error_output_type_has_one_value_for_all_occurrences() -> None:
    error_prefix = (
        "errors/!{firehose:error-output-type}/!{timestamp:yyyy}/!{firehose:error-output-type}/"
    )
    evaluated = evaluate_error_prefix(error_prefix, ARRIVAL, "format-conversion-failed")
    assert evaluated == "errors/format-conversion-failed/2018/format-conversion-failed/"


def test_default_error_prefix() -> None:
    assert evaluate_error_prefix(None, ARRIVAL, "processing-failed") == (
        "processing-failed/2018/08/27/10/"
    )


def test_partition_keys() -> None:
    prefix = "t=!{partitionKeyFromQuery:customer}/!{partitionKeyFromLambda:region}/"
    keys = {"customer": "42", "region": "eu"}
    assert evaluate_prefix(prefix, ARRIVAL, partition_keys=keys) == "t=42/eu/2018/08/27/10/"
    with pytest.raises(DeliveryError, match="partitionKeyFromQuery:customer"):
        evaluate_prefix(prefix, ARRIVAL, partition_keys={"region": "eu"})


def test_object_key_shape() -> None:
    key = object_key("orders", 2, ARRIVAL, None, ".gz", None)
    assert re.fullmatch(rf"2018/08/27/10/orders-2-2018-08-27-10-30-05-{UUID}\.gz", key)


def test_identity_gives_a_stable_key_and_none_a_fresh_one() -> None:
    prefix = "p/!{firehose:random-string}/"
    first = object_key("orders", 1, ARRIVAL, prefix, "", "partition-0/offset-100")
    again = object_key("orders", 1, ARRIVAL, prefix, "", "partition-0/offset-100")
    other = object_key("orders", 1, ARRIVAL, prefix, "", "partition-0/offset-101")
    assert first == again
    assert first != other
    assert object_key("orders", 1, ARRIVAL, None, "", None) != object_key(
        "orders", 1, ARRIVAL, None, "", None
    )


def test_error_object_key() -> None:
    key = error_object_key(
        "orders", 1, ARRIVAL, "err/!{firehose:error-output-type}/", "processing-failed", "", "i"
    )
    assert re.fullmatch(
        rf"err/processing-failed/2018/08/27/10/orders-1-2018-08-27-10-30-05-{UUID}", key
    )


def test_file_extension_defaults() -> None:
    assert file_extension(None, "UNCOMPRESSED") == ""
    assert file_extension(None, "GZIP") == ".gz"
    assert file_extension(None, "ZIP") == ".zip"
    assert file_extension(None, "Snappy") == ".snappy"
    assert file_extension(None, "HADOOP_SNAPPY") == ".snappy"
    assert file_extension(".json.gz", "GZIP") == ".json.gz"
    with pytest.raises(InvalidArgumentException, match="CompressionFormat 'BZIP2'"):
        file_extension(None, "BZIP2")


@pytest.mark.parametrize(
    ("prefix", "error_prefix", "message"),
    [
        ("a/!{b", "e/!{firehose:error-output-type}", "may only start an expression"),
        ("a/!{nope:x}/", "e/!{firehose:error-output-type}", "unknown expression namespace"),
        (
            "a/!{firehose:error-output-type}/",
            "e/!{firehose:error-output-type}",
            "Prefix cannot use",
        ),
        ("a/!{timestamp:yyyy}/", None, "ErrorOutputPrefix cannot be null"),
        ("a/!{timestamp:yyyy}/", "e/!{timestamp:yyyy}/", "not !{firehose:error-output-type}"),
        ("a/!{partitionKeyFromQuery:k}/", "e/!{firehose:error-output-type}", "partition keys"),
        ("a/!{timestamp:yyyy EEE}/", "e/!{firehose:error-output-type}", "letter 'E'"),
        ("a/!{timestamp:yyyy}/", "e/!{timestamp:'x}/!{firehose:error-output-type}", "not closed"),
        ("a/!{timestamp:ddd}/", "e/!{firehose:error-output-type}", "too many pattern letters"),
        ("a/!{timestamp:[yyyy]}/", "e/!{firehose:error-output-type}", "reserved"),
    ],
)
def test_validation_errors(prefix: str, error_prefix: str | None, message: str) -> None:
    with pytest.raises(InvalidArgumentException, match=re.escape(message)):
        check_key_configuration(prefix, error_prefix)


def test_valid_configuration_passes() -> None:
    check_key_configuration(
        "p/!{partitionKeyFromQuery:k}/!{timestamp:yyyy'/'MM}/",
        "e/!{firehose:error-output-type}/!{timestamp:yyyy}/",
        dynamic_partitioning=True,
        configured_extension=".json",
        time_zone="Asia/Tokyo",
    )


def test_file_extension_and_time_zone_validation() -> None:
    with pytest.raises(InvalidArgumentException, match="FileExtension 'json'"):
        check_key_configuration(None, None, configured_extension="json")
    with pytest.raises(InvalidArgumentException, match="FileExtension"):
        check_key_configuration(None, None, configured_extension=".JSON")
    with pytest.raises(InvalidArgumentException, match="CustomTimeZone 'Mars/Olympus'"):
        check_key_configuration(None, None, time_zone="Mars/Olympus")


def test_evaluated_prefix_is_at_most_512_characters() -> None:
    assert len(evaluate_prefix("a" * 498, ARRIVAL)) == 512
    with pytest.raises(InvalidArgumentException, match="the maximum is 512"):
        evaluate_prefix("a" * 499, ARRIVAL)
    with pytest.raises(InvalidArgumentException, match="the maximum is 512"):
        evaluate_prefix("!{partitionKeyFromQuery:k}/", ARRIVAL, partition_keys={"k": "x" * 512})


def test_naive_arrival_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate_prefix(None, datetime(2018, 8, 27))  # noqa: DTZ001
