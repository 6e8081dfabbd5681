"""ProcessingConfiguration → the Lambda processor, with AWS's defaults and bounds."""

from __future__ import annotations

from typing import Any

import pytest

from cadabra.errors import InvalidArgumentException
from sinks.firehose.transform import LambdaProcessor, lambda_processor

ARN = "arn:aws:lambda:us-east-1:123456789012:function:LogTransform"


def _processing(*parameters: tuple[str, str], enabled: bool = True) -> dict[str, Any]:
    params = [{"ParameterName": "LambdaArn", "ParameterValue": ARN}]
    params += [{"ParameterName": n, "ParameterValue": v} for n, v in parameters]
    return {"Enabled": enabled, "Processors": [{"Type": "Lambda", "Parameters": params}]}


def test_defaults_are_aws_defaults() -> None:
    processor = lambda_processor(_processing())
    assert processor == LambdaProcessor(ARN, 3, 1.0, 60, None)
    assert processor.buffer_size_bytes == 1024 * 1024


def test_parameters_are_read() -> None:
    processor = lambda_processor(
        _processing(
            ("NumberOfRetries", "0"),
            ("BufferSizeInMBs", "0.2"),
            ("BufferIntervalInSeconds", "900"),
            ("RoleArn", "arn:aws:iam::123456789012:role/firehose"),
        )
    )
    assert processor is not None
    assert processor.number_of_retries == 0
    assert processor.buffer_size_bytes == int(0.2 * 1024 * 1024)
    assert processor.buffer_interval_s == 900
    assert processor.role_arn == "arn:aws:iam::123456789012:role/firehose"


@pytest.mark.parametrize(
    "processing",
    [None, {}, {"Enabled": False, "Processors": []}, _processing(enabled=False), {"Enabled": True}],
)
def test_no_processing_gives_none(processing: dict[str, Any] | None) -> None:
    assert lambda_processor(processing) is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NumberOfRetries", "301"),
        ("NumberOfRetries", "-1"),
        ("NumberOfRetries", "two"),
        ("BufferSizeInMBs", "0.1"),
        ("BufferSizeInMBs", "3.5"),
        ("BufferIntervalInSeconds", "901"),
    ],
)
def test_out_of_bounds_parameters_are_refused(name: str, value: str) -> None:
    with pytest.raises(InvalidArgumentException, match=name):
        lambda_processor(_processing((name, value)))


def test_unknown_parameter_and_two_lambdas_are_refused() -> None:
    with pytest.raises(InvalidArgumentException, match="Colour"):
        lambda_processor(_processing(("Colour", "red")))
    doubled = _processing()
    doubled["Processors"] = doubled["Processors"] * 2
    with pytest.raises(InvalidArgumentException, match="only one"):
        lambda_processor(doubled)


def test_other_processor_types_are_skipped() -> None:
    processing = _processing()
    processing["Processors"].insert(0, {"Type": "AppendDelimiterToRecord", "Parameters": []})
    processor = lambda_processor(processing)
    assert processor is not None and processor.lambda_arn == ARN
