"""dataProcessingOptions byte for byte as the Java Kinesis Agent converts records.

Expected outputs of LOGTOJSON's Apache common-log examples are the AWS developer guide's
("Use the Agent to Pre-process Data"); the others follow the agent's patterns and field names.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from producers.agent.errors import AgentConfigError, DataConversionError
from producers.agent.processing import build_pipeline
from producers.loggen import SyntheticSource

COURSE_FIELDS = [
    "InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "Customer",
    "Country",
]  # fmt: skip
COURSE_CSVTOJSON = {"optionName": "CSVTOJSON", "customFieldNames": COURSE_FIELDS}
COMMON_LINE = (
    '64.242.88.10 - - [07/Mar/2004:16:10:02 -0800] "GET /mailman/listinfo/hsdivision HTTP/1.1" '
    "200 6291\n"
)


def _convert(option: dict[str, Any], record: str) -> str:
    return build_pipeline([option])(record)


def test_no_options_send_the_record_unchanged() -> None:
    assert build_pipeline([])("a,b\r\n") == "a,b\r\n"


def test_course_csvtojson_keeps_the_crlf_carriage_return_on_country() -> None:
    line = ",".join(SyntheticSource(1).row(0)) + "\r\n"  # as LogGenerator writes it
    out = _convert(COURSE_CSVTOJSON, line)
    assert out.endswith('\\r"}\n')
    record = json.loads(out)
    assert list(record) == COURSE_FIELDS
    assert record["Country"] == SyntheticSource(1).row(0)[7] + "\r"
    assert all(isinstance(value, str) for value in record.values())


def test_csvtojson_bytes_match_jacksons_compact_output() -> None:
    line = "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom\r\n"  # noqa: E501
    assert _convert(COURSE_CSVTOJSON, line) == (
        '{"InvoiceNo":"536365","StockCode":"85123A","Description":"WHITE HANGING HEART T-LIGHT '
        'HOLDER","Quantity":"6","InvoiceDate":"12/1/2010 8:26","UnitPrice":"2.55",'
        '"Customer":"17850","Country":"United Kingdom\\r"}\n'
    )


def test_csvtojson_missing_columns_are_null_extra_dropped_trailing_empties_too() -> None:
    option = {"optionName": "CSVTOJSON", "customFieldNames": ["a", "b", "c", "d"]}
    assert _convert(option, "v1, v2\n") == '{"a":"v1","b":" v2","c":null,"d":null}\n'
    assert _convert(option, "1,2,3,4,5,6\n") == '{"a":"1","b":"2","c":"3","d":"4"}\n'
    assert _convert(option, "1,,3,,\n") == '{"a":"1","b":"","c":"3","d":null}\n'
    assert _convert(option, "\n") == '{"a":"","b":null,"c":null,"d":null}\n'


def test_csvtojson_splits_quoted_commas_like_javas_regex_split() -> None:
    option = {"optionName": "CSVTOJSON", "customFieldNames": ["no", "description", "qty"]}
    out = json.loads(_convert(option, '536366,"HAND WARMER, UNION JACK",6\r\n'))
    assert out == {"no": "536366", "description": '"HAND WARMER', "qty": ' UNION JACK"'}


def test_csvtojson_delimiter_is_a_java_regex() -> None:
    tab = {"optionName": "CSVTOJSON", "customFieldNames": ["a", "b"], "delimiter": "\\t"}
    assert _convert(tab, "x\ty\n") == '{"a":"x","b":"y"}\n'
    pipe = {"optionName": "CSVTOJSON", "customFieldNames": ["a", "b"], "delimiter": "\\|"}
    assert _convert(pipe, "x|y\n") == '{"a":"x","b":"y"}\n'
    spaces = {"optionName": "CSVTOJSON", "customFieldNames": ["a", "b"], "delimiter": "\\s+"}
    assert _convert(spaces, "x    y\n") == '{"a":"x","b":"y"}\n'


def test_logtojson_common_apache_log_as_in_the_aws_docs() -> None:
    option = {"optionName": "LOGTOJSON", "logFormat": "COMMONAPACHELOG"}
    assert _convert(option, COMMON_LINE) == (
        '{"host":"64.242.88.10","ident":null,"authuser":null,'
        '"datetime":"07/Mar/2004:16:10:02 -0800",'
        '"request":"GET /mailman/listinfo/hsdivision HTTP/1.1","response":"200","bytes":"6291"}\n'
    )


def test_logtojson_custom_field_names_rename_the_default_fields() -> None:
    names = ["f1", "f2", "f3", "f4", "f5", "f6", "f7"]
    option = {"optionName": "LOGTOJSON", "logFormat": "COMMONAPACHELOG", "customFieldNames": names}
    assert _convert(option, COMMON_LINE) == (
        '{"f1":"64.242.88.10","f2":null,"f3":null,"f4":"07/Mar/2004:16:10:02 -0800",'
        '"f5":"GET /mailman/listinfo/hsdivision HTTP/1.1","f6":"200","f7":"6291"}\n'
    )


def test_logtojson_match_pattern_as_in_the_aws_docs() -> None:
    option = {
        "optionName": "LOGTOJSON",
        "logFormat": "COMMONAPACHELOG",
        "matchPattern": '^([\\d.]+) (\\S+) (\\S+) \\[([\\w:/]+\\s[+\\-]\\d{4})\\] "(.+?)" (\\d{3})',
        "customFieldNames": ["host", "ident", "authuser", "datetime", "request", "response"],
    }
    line = '123.45.67.89 - - [27/Oct/2000:09:27:09 -0400] "GET /java/javaResources.html HTTP/1.0" 200\n'  # noqa: E501
    assert _convert(option, line) == (
        '{"host":"123.45.67.89","ident":null,"authuser":null,'
        '"datetime":"27/Oct/2000:09:27:09 -0400",'
        '"request":"GET /java/javaResources.html HTTP/1.0","response":"200"}\n'
    )


@pytest.mark.parametrize(
    ("log_format", "line", "expected"),
    [
        (
            "COMBINEDAPACHELOG",
            '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 '
            '"http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"',
            {
                "host": "127.0.0.1", "ident": None, "authuser": "frank",
                "datetime": "10/Oct/2000:13:55:36 -0700", "request": "GET /apache_pb.gif HTTP/1.0",
                "response": "200", "bytes": "2326",
                "referer": "http://www.example.com/start.html",
                "agent": "Mozilla/4.08 [en] (Win98; I ;Nav)",
            },
        ),
        (
            "APACHEERRORLOG",
            "[Fri Sep 09 10:42:29.902022 2011] [core:error] [pid 35708:tid 4328636416] "
            "[client 72.15.99.187] File does not exist: /usr/local/apache2/htdocs/favicon.ico",
            {
                "timestamp": "Fri Sep 09 10:42:29.902022 2011", "module": "core",
                "severity": "error", "processid": "35708", "threadid": "4328636416",
                "client": "72.15.99.187",
                "message": "File does not exist: /usr/local/apache2/htdocs/favicon.ico",
            },
        ),
        (
            "APACHEERRORLOG",
            "[Wed Oct 11 14:32:52 2000] [error] [pid 1234] [client 127.0.0.1] client denied",
            {
                "timestamp": "Wed Oct 11 14:32:52 2000", "module": None, "severity": "error",
                "processid": "1234", "threadid": None, "client": "127.0.0.1",
                "message": "client denied",
            },
        ),
        (
            "SYSLOG",
            "Mar 12 12:00:08 server2 rcd[308]: Loaded 12 packages in 'ximian-red-carpet|351'",
            {
                "timestamp": "Mar 12 12:00:08", "hostname": "server2", "program": "rcd",
                "processid": "308", "message": "Loaded 12 packages in 'ximian-red-carpet|351'",
            },
        ),
        (
            "SYSLOG",
            "Oct  1 09:15:00 web-1 CRON: - (root) CMD (run-parts /etc/cron.hourly)",
            {
                "timestamp": "Oct  1 09:15:00", "hostname": "web-1", "program": "CRON",
                "processid": None, "message": "- (root) CMD (run-parts /etc/cron.hourly)",
            },
        ),
        (
            "RFC3339SYSLOG",
            "2018-03-27T21:41:56.127+02:00 ip-10-0-0-1 sshd[2110]: Connection closed",
            {
                "timestamp": "2018-03-27T21:41:56.127+02:00", "hostname": "ip-10-0-0-1",
                "program": "sshd", "processid": "2110", "message": "Connection closed",
            },
        ),
    ],
)  # fmt: skip
def test_logtojson_formats_parse_their_sample_lines(
    log_format: str, line: str, expected: dict[str, str | None]
) -> None:
    out = _convert({"optionName": "LOGTOJSON", "logFormat": log_format}, line + "\n")
    assert out.endswith("}\n") and "\n" not in out[:-1]
    assert list(json.loads(out).items()) == list(expected.items())


def test_logtojson_a_line_that_does_not_match_is_skipped() -> None:
    pipeline = build_pipeline([{"optionName": "LOGTOJSON", "logFormat": "SYSLOG"}])
    with pytest.raises(DataConversionError, match="does not match the SYSLOG"):
        pipeline("not a syslog line\n")


def test_logtojson_dot_stops_at_a_carriage_return_as_in_java() -> None:
    # Java's `.` excludes \r, so the agent skips CRLF Apache lines (the trailing `.*` fails).
    pipeline = build_pipeline([{"optionName": "LOGTOJSON", "logFormat": "COMMONAPACHELOG"}])
    with pytest.raises(DataConversionError):
        pipeline(COMMON_LINE.replace("\n", "\r\n"))


def test_addmetadata_puts_ts_metadata_then_data() -> None:
    moment = datetime(2024, 1, 2, 3, 4, 5, 678_999, tzinfo=UTC)
    option = {"optionName": "ADDMETADATA", "timestamp": "true", "metadata": {"k": "v", "n": 1}}
    pipeline = build_pipeline([option], clock=lambda: moment)
    assert pipeline("a line\n") == (
        '{"ts":"2024-01-02T03:04:05.678Z","metadata":{"k":"v","n":1},"data":"a line"}\n'
    )
    plain = build_pipeline([{"optionName": "ADDMETADATA", "metadata": {"k": "v"}}])
    assert plain("x\r\n") == '{"metadata":{"k":"v"},"data":"x\\r"}\n'


def test_prettyprint_is_jacksons_default_pretty_printer() -> None:
    option = {
        "optionName": "ADDMETADATA",
        "metadata": {"tags": ["a", "b"], "empty": {}, "none": []},
        "jsonFormat": "PRETTYPRINT",
    }
    assert _convert(option, "x\n") == (
        '{\n  "metadata" : {\n    "tags" : [ "a", "b" ],\n    "empty" : { },\n'
        '    "none" : [ ]\n  },\n  "data" : "x"\n}\n'
    )


def test_json_strings_are_escaped_like_jackson() -> None:
    option = {"optionName": "CSVTOJSON", "customFieldNames": ["a"]}
    assert _convert(option, 'q"b\\\x01\x1f\tÉ\u2028\n') == (
        '{"a":"q\\"b\\\\\\u0001\\u001F\\tÉ\u2028"}\n'
    )


def test_singleline_trims_and_joins_the_lines() -> None:
    pipeline = build_pipeline([{"optionName": "SINGLELINE"}])
    assert pipeline("  [SEQUENCE=1]\r\n   a\tb  \n\n  c \n") == "[SEQUENCE=1]a\tbc\n"


def test_options_apply_in_order_singleline_then_csvtojson() -> None:
    options = [
        {"optionName": "SINGLELINE"},
        {"optionName": "CSVTOJSON", "customFieldNames": ["f1", "f2"], "delimiter": "\\t"},
    ]
    assert build_pipeline(options)("x\ty\n  z\n") == '{"f1":"x","f2":"yz"}\n'


def test_addbrackets_wraps_the_record_newline_included() -> None:
    assert _convert({"optionName": "ADDBRACKETS"}, "hello there\n") == "{hello there\n}"


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ([{"optionName": "CSVTOJSON"}], "dataProcessingOptions[0].customFieldNames"),
        (
            [{"optionName": "SINGLELINE"}, {"optionName": "CSVTOJSON", "customFieldNames": "a"}],
            "dataProcessingOptions[1].customFieldNames",
        ),
        ([{"optionName": "TOJSON"}], "dataProcessingOptions[0].optionName: Value(TOJSON)"),
        ([{}], "dataProcessingOptions[0].optionName"),
        ([{"optionName": "ADDEC2METADATA"}], "ADDEC2METADATA is not supported"),
        ([{"optionName": "LOGTOJSON"}], "dataProcessingOptions[0].logFormat"),
        (
            [{"optionName": "LOGTOJSON", "logFormat": "NGINX"}],
            "dataProcessingOptions[0].logFormat: Value(NGINX)",
        ),
        (
            [{"optionName": "LOGTOJSON", "logFormat": "SYSLOG", "matchPattern": "(.*)"}],
            "dataProcessingOptions[0].customFieldNames",
        ),
        (
            [{"optionName": "LOGTOJSON", "logFormat": "SYSLOG", "customFieldNames": ["a"]}],
            "dataProcessingOptions[0].customFieldNames: Invalid custom field names",
        ),
        (
            [
                {
                    "optionName": "LOGTOJSON",
                    "logFormat": "SYSLOG",
                    "matchPattern": "(\\w+) (\\w+)",
                    "customFieldNames": ["only"],
                }
            ],
            "dataProcessingOptions[0].customFieldNames: 1 names for 2 groups",
        ),
        (
            [
                {
                    "optionName": "LOGTOJSON",
                    "logFormat": "SYSLOG",
                    "matchPattern": "([a-z&&[^b]])",
                    "customFieldNames": ["x"],
                }
            ],
            "dataProcessingOptions[0].matchPattern",
        ),
        (
            [{"optionName": "CSVTOJSON", "customFieldNames": ["a"], "delimiter": "("}],
            "dataProcessingOptions[0].delimiter",
        ),
        (
            [{"optionName": "CSVTOJSON", "customFieldNames": ["a"], "jsonFormat": "pretty"}],
            "dataProcessingOptions[0].jsonFormat",
        ),
        (["SINGLELINE"], "dataProcessingOptions[0]: must be an object"),
    ],
)
def test_bad_options_name_their_key(options: list[Any], named: str) -> None:
    with pytest.raises(AgentConfigError) as error:
        build_pipeline(options)
    assert named in str(error.value)


def test_errors_carry_the_callers_location() -> None:
    with pytest.raises(AgentConfigError, match=r"^flows\[2\]\.dataProcessingOptions\[0\]\."):
        build_pipeline([{"optionName": "CSVTOJSON"}], "flows[2].dataProcessingOptions")
    with pytest.raises(AgentConfigError, match="must be a list"):
        build_pipeline({"optionName": "SINGLELINE"}, "flows[0].dataProcessingOptions")  # type: ignore[arg-type]
