"""`cadabra stack` through typer's CliRunner, on a stack home that holds only a state file."""

from __future__ import annotations

import shlex
from pathlib import Path

from typer.testing import CliRunner

from cadabra.cli import app
from cadabra.stack.state import StackLayout, StackState, save_state

runner = CliRunner()

EXPECTED_KEYS = [
    "CADABRA_KAFKA_BOOTSTRAP",
    "CADABRA_S3_ENDPOINT_URL",
    "CADABRA_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
    "AWS_REQUEST_CHECKSUM_CALCULATION",
    "AWS_RESPONSE_CHECKSUM_VALIDATION",
]


def _parse(output: str) -> dict[str, str]:
    pairs = [shlex.split(line)[-1].split("=", 1) for line in output.splitlines()]
    return {key: value for key, value in pairs}


def test_env_prints_eval_able_lines_for_every_variable(tmp_path: Path) -> None:
    result = runner.invoke(app, ["stack", "env", "--home", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split("=", 1)[0] for line in lines] == EXPECTED_KEYS
    env = _parse(result.stdout)
    assert env["CADABRA_KAFKA_BOOTSTRAP"] == "127.0.0.1:9092"
    assert env["AWS_REQUEST_CHECKSUM_CALCULATION"] == "when_required"
    assert "no stack runs" in result.stderr


def test_env_reads_the_running_stack_from_its_state_file(tmp_path: Path) -> None:
    state = StackState.started(StackLayout(home=tmp_path, brokers=3, kafka_port=29092))
    state.env = {"CADABRA_KAFKA_BOOTSTRAP": "127.0.0.1:29092,127.0.0.1:29094", "X": "a b"}
    save_state(state)
    env_vars = {"CADABRA_STACK_HOME": str(tmp_path)}  # the home from the environment
    result = runner.invoke(app, ["stack", "env", "--export"], env=env_vars)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "export CADABRA_KAFKA_BOOTSTRAP=127.0.0.1:29092,127.0.0.1:29094",
        "export X='a b'",
    ]


def test_status_shows_every_process_of_the_recorded_layout(tmp_path: Path) -> None:
    state = StackState.started(StackLayout(home=tmp_path, brokers=3, kafka_port=29092))
    state.pids = {"kafka-1": 999_999_999}
    save_state(state)
    result = runner.invoke(app, ["stack", "status", "--home", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in ("kafka-1", "kafka-2", "kafka-3", "s3"):
        assert name in result.stdout
    assert "999999999" in result.stdout
    assert "yes" not in result.stdout


def test_logs_prints_the_tail_of_a_service_log(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "s3.log"
    log.parent.mkdir()
    log.write_text("".join(f"line {i}\n" for i in range(10)))
    result = runner.invoke(app, ["stack", "logs", "s3", "-n", "2", "--home", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["line 8", "line 9"]


def test_logs_of_an_unknown_service_fails_naming_the_known_ones(tmp_path: Path) -> None:
    result = runner.invoke(app, ["stack", "logs", "zookeeper", "--home", str(tmp_path)])
    assert result.exit_code == 1
    assert "kafka-1, s3" in result.stderr


def test_down_with_nothing_running_says_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["stack", "down", "--home", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Nothing was running" in result.stderr


def test_every_up_option_names_its_environment_variable() -> None:
    result = runner.invoke(app, ["stack", "up", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for var in ("HOME", "BROKERS", "KAFKA_PORT", "CONTROLLER_PORT", "S3_PORT", "START_TIMEOUT_S"):
        assert f"CADABRA_STACK_{var}" in result.stdout
