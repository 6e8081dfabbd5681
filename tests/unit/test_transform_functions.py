"""Resolving a processor's LambdaArn to the Python function Cadabra runs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sinks.firehose.transform import (
    FunctionRef,
    Transformer,
    TransformFunctionNotFound,
    TransformSettings,
    resolve_function,
)
from sinks.firehose.transform.examples import apache_log

REGION, ACCOUNT = "us-east-1", "123456789012"
STREAM = f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/WebLogs"


def _resolve(arn: str, settings: TransformSettings | None = None) -> FunctionRef:
    return resolve_function(
        arn, region=REGION, account_id=ACCOUNT, settings=settings or TransformSettings()
    )


def test_course_function_name_is_builtin() -> None:
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:LogTransform"
    ref = _resolve(arn)
    assert ref.handler is apache_log.handler
    assert (ref.function_name, ref.function_arn) == ("LogTransform", arn)


def test_qualifier_is_ignored_and_bare_names_resolve() -> None:
    ref = _resolve(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ApacheLogToJson:$LATEST")
    assert ref.handler is apache_log.handler
    bare = _resolve("ApacheLogToJson")
    assert bare.function_arn == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ApacheLogToJson"


def test_setting_maps_names_and_overrides_builtins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    (tmp_path / "my_transforms.py").write_text("def upper(event, context):\n    return event\n")
    settings = TransformSettings(
        functions={"LogTransform": "my_transforms:upper"}, code_root=tmp_path
    )
    ref = _resolve(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:LogTransform", settings)
    assert ref.handler.__name__ == "upper"


def test_functions_setting_is_read_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "CADABRA_FIREHOSE_TRANSFORM_FUNCTIONS",
        '{"Mine": "sinks.firehose.transform.examples.apache_log:handler"}',
    )
    ref = _resolve(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:Mine")
    assert ref.handler is apache_log.handler


def test_builtins_can_be_switched_off() -> None:
    with pytest.raises(TransformFunctionNotFound):
        _resolve("LogTransform", TransformSettings(builtin_examples=False))


def test_module_path_is_imported_directly() -> None:
    ref = _resolve("sinks.firehose.transform.examples.apache_log:handler")
    assert ref.handler is apache_log.handler
    assert ref.function_arn.startswith(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:sinks-")


def test_unknown_function_names_the_arn_and_the_setting() -> None:
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:Nowhere"
    with pytest.raises(TransformFunctionNotFound) as raised:
        _resolve(arn)
    assert arn in raised.value.message
    assert "CADABRA_FIREHOSE_TRANSFORM_FUNCTIONS" in raised.value.message
    assert '"Nowhere"' in raised.value.message
    assert raised.value.code == "InvalidArgumentException"


@pytest.mark.parametrize(
    "spec", ["no_such_module_xyz:handler", "sinks.firehose.transform.examples.apache_log:nope"]
)
def test_bad_module_paths_are_reported(spec: str) -> None:
    with pytest.raises(TransformFunctionNotFound, match=spec.split(":")[0].rsplit(".")[-1]):
        _resolve(spec)


def test_from_configuration_raises_for_unknown_functions() -> None:
    processing = {
        "Enabled": True,
        "Processors": [
            {
                "Type": "Lambda",
                "Parameters": [{"ParameterName": "LambdaArn", "ParameterValue": "Unknown"}],
            }
        ],
    }
    with pytest.raises(TransformFunctionNotFound, match="Unknown"):
        Transformer.from_configuration(processing, STREAM, REGION)
    assert Transformer.from_configuration(None, STREAM, REGION) is None
