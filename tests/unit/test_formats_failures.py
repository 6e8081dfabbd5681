"""The format-conversion-failed documents: AWS's members, in AWS's order."""

from __future__ import annotations

import base64
import json

from sinks.firehose.formats import (
    MALFORMED_DATA,
    data_catalog_table,
    failure_document,
    failure_lines,
)


def test_failure_document_has_awss_members_in_order() -> None:
    document = failure_document(b'{"a":"x"}', 1700000000000, MALFORMED_DATA, "bad", now_ms=17)
    assert list(document) == [
        "attemptsMade",
        "arrivalTimestamp",
        "lastErrorCode",
        "lastErrorMessage",
        "attemptEndingTimestamp",
        "rawData",
    ]
    assert document["attemptsMade"] == 1
    assert document["attemptEndingTimestamp"] == 17
    assert base64.b64decode(document["rawData"]) == b'{"a":"x"}'


def test_kinesis_sourced_records_carry_sequence_numbers_and_the_catalog_table() -> None:
    table = data_catalog_table(
        {"DatabaseName": "db", "TableName": "t", "RoleARN": "arn:aws:iam::1:role/r"},
        account_id="000000000000",
        region="us-east-1",
    )
    document = failure_document(
        b"x",
        1,
        "c",
        "m",
        attempts=2,
        now_ms=3,
        sequence_number="4955",
        subsequence_number=0,
        catalog_table=table,
    )
    assert (document["sequenceNumber"], document["subSequenceNumber"]) == ("4955", 0)
    assert document["dataCatalogTable"] == {
        "catalogId": "000000000000",
        "databaseName": "db",
        "tableName": "t",
        "region": "us-east-1",
        "versionId": "LATEST",
        "catalogArn": "arn:aws:glue:us-east-1:000000000000:catalog",
        "roleArn": "arn:aws:iam::1:role/r",
    }


def test_failure_lines_are_one_json_document_a_line() -> None:
    documents = [failure_document(b"a", 1, "c", "m", now_ms=2) for _ in range(2)]
    lines = failure_lines(documents).splitlines()
    assert [json.loads(line) for line in lines] == documents
