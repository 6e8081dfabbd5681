"""docker-compose.yml and the Dockerfile agree with the code and with each other (no engine needed).

These tests read the files: service names, listeners, ports, credentials and environment variable
names must match each other, the settings classes in `cadabra.config`, the native stack's Kafka
version and the packages `pyproject.toml` installs. They also pin the rules that let the same file
run on Docker with the official images and on CI's Podman with local ones: images and host ports
from variables, healthchecks Podman 4.3 does not mangle, a condition on every dependency.
tests/compose/ runs the file for real.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import re
import shlex
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from settings_catalog import settings_env_names

from cadabra.config import AwsSettings, S3Settings
from cadabra.stack import bucket
from cadabra.stack.net import free_port_block

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("kafka", "minio", "bucket", "postgres", "endpoint", "delivery", "notify", "cadabra")
# Services running the image built from the Dockerfile.
CADABRA_SERVICES = ("bucket", "endpoint", "delivery", "notify", "cadabra")
# Third-party images: the variable CI sets, and the official repository users get by default.
OFFICIAL_IMAGES = {
    "kafka": ("KAFKA_IMAGE", "apache/kafka"),
    "minio": ("MINIO_IMAGE", "minio/minio"),
    "postgres": ("POSTGRES_IMAGE", "postgres"),
}
PYTHON_IMAGE_DEFAULT = "python:3.11-slim"
# Host ports: the variable that moves each, and the port users have always had.
HOST_PORTS = {
    ("kafka", "CADABRA_KAFKA_HOST_PORT"): 29092,
    ("minio", "CADABRA_S3_HOST_PORT"): 9000,
    ("minio", "CADABRA_S3_CONSOLE_HOST_PORT"): 9001,
    ("endpoint", "CADABRA_ENDPOINT_HOST_PORT"): 4567,
}
MINIO_API_PORT = 9000  # `minio server` listens here unless --address says otherwise
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}

# ${VAR}, ${VAR:-default}, ${VAR-default}; `$$` is compose's escape for a literal `$`.
_INTERPOLATION = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:?-)(?P<default>[^}]*))?\}")
_HTTP_PROBE_PORT = re.compile(r"HTTPConnection\('127\.0\.0\.1', (\d+)")


# -- reading the files -----------------------------------------------------------------------------


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def _service(name: str) -> dict[str, Any]:
    service = _compose()["services"][name]
    assert isinstance(service, dict)
    return service


def _interpolate(value: str) -> str:
    """What compose makes of `value` when no variable is set in the user's environment."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        return match.group("default") or ""

    return _INTERPOLATION.sub(replace, value)


def _variable(value: str) -> tuple[str, str]:
    """(name, default) of a value that is exactly one `${NAME:-default}`."""
    match = _INTERPOLATION.fullmatch(value)
    assert match and match.group("op") == ":-", f"{value!r} is not ${{NAME:-default}}"
    return match.group("name"), match.group("default")


def _environment(service: str) -> dict[str, str]:
    env = _service(service).get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: _interpolate(str(value)) for key, value in env.items()}


def _host_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host, int(port)


def _listeners(value: str) -> dict[str, tuple[str, int]]:
    """`NAME://host:port,...` → {NAME: (host, port)}."""
    listeners = {}
    for item in value.split(","):
        name, _, address = item.strip().partition("://")
        listeners[name] = _host_port(address)
    return listeners


def _port_entries(service: str) -> list[tuple[str, str, str]]:
    """(host address, host port, container port) of a service's short-syntax `ports`, as written."""
    entries = []
    for entry in _service(service).get("ports", []):
        # Split at the colons outside ${...} (a default's `:-` is inside).
        parts = re.split(r":(?![^{]*\})", str(entry))
        address = parts[0] if len(parts) == 3 else ""
        entries.append((address, parts[-2], parts[-1].split("/")[0]))
    return entries


def _published_ports(service: str) -> dict[int, int]:
    """{host port: container port} of a service's `ports`, variables at their defaults."""
    return {
        int(_interpolate(host)): int(_interpolate(container))
        for _, host, container in _port_entries(service)
    }


def _command_text(service: str) -> str:
    command = _service(service).get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def _depends_on(service: str) -> dict[str, dict[str, Any]]:
    depends = _service(service).get("depends_on") or {}
    assert isinstance(depends, dict), f"{service}: depends_on is a list, so it names no condition"
    return depends


def _healthcheck_port(service: str) -> int:
    test = _service(service)["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL"
    match = _HTTP_PROBE_PORT.search(test[1])
    assert match, f"{service}: the healthcheck asks no HTTP port"
    return int(match.group(1))


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, comments dropped and continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def _dockerfile_copy_sources() -> list[str]:
    sources = []
    for keyword, arguments in _dockerfile_instructions():
        if keyword in {"COPY", "ADD"}:
            words = json.loads(arguments) if arguments.startswith("[") else shlex.split(arguments)
            paths = [word for word in words if not word.startswith("--")]
            sources += [path.rstrip("/").removeprefix("./") for path in paths[:-1]]
    return sources


def _dockerfile_value(keyword: str) -> str:
    values = [arguments for found, arguments in _dockerfile_instructions() if found == keyword]
    assert values, f"Dockerfile has no {keyword}"
    return values[-1]


# -- services --------------------------------------------------------------------------------------


def test_the_services_exist() -> None:
    assert set(SERVICES) == set(_compose()["services"])


@pytest.mark.parametrize("service", SERVICES)
def test_cadabra_variables_are_settings_fields(service: str) -> None:
    known = settings_env_names()
    prefixed = [name for name in _environment(service) if name.startswith("CADABRA_")]
    assert [name for name in prefixed if name not in known] == []


def test_settings_env_names_cover_prefixed_and_aliased_fields() -> None:
    names = settings_env_names()
    assert names["CADABRA_KAFKA_BOOTSTRAP"] == "127.0.0.1:9092"
    assert names["AWS_ACCESS_KEY_ID"] == AwsSettings.model_fields["access_key_id"].default
    secret = AwsSettings.model_fields["secret_access_key"].default
    assert names["AWS_SECRET_ACCESS_KEY"] == secret.get_secret_value()  # not masked
    assert "CADABRA_AWS_ACCESS_KEY_ID" not in names


@pytest.mark.parametrize("service", SERVICES)
def test_every_dependency_names_a_condition(service: str) -> None:
    # `up --wait` and `up` then start a service only once what it needs is usable.
    services = _compose()["services"]
    for dependency, spec in _depends_on(service).items():
        assert dependency in services, f"{service} depends on unknown service {dependency}"
        assert spec.get("condition") in CONDITIONS, f"{service} → {dependency}: no condition"


def test_every_healthy_dependency_has_a_healthcheck() -> None:
    services = _compose()["services"]
    for name in services:
        for dependency, spec in _depends_on(name).items():
            if spec["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], dependency


def test_only_one_shot_jobs_are_waited_for_to_complete() -> None:
    completed = {
        dependency
        for name in SERVICES
        for dependency, spec in _depends_on(name).items()
        if spec["condition"] == "service_completed_successfully"
    }
    assert completed == {"bucket"}
    assert "healthcheck" not in _service("bucket")
    assert _service("bucket").get("restart", "no") == "no"


@pytest.mark.parametrize("service", ["endpoint", "delivery", "notify", "cadabra"])
def test_kafka_clients_wait_for_a_healthy_broker(service: str) -> None:
    assert "CADABRA_KAFKA_BOOTSTRAP" in _environment(service)
    assert _depends_on(service)["kafka"]["condition"] == "service_healthy"


@pytest.mark.parametrize("service", ["delivery", "cadabra"])
def test_s3_clients_wait_for_the_bucket(service: str) -> None:
    assert "CADABRA_S3_ENDPOINT_URL" in _environment(service)
    assert _depends_on(service)["bucket"]["condition"] == "service_completed_successfully"


def test_startup_order() -> None:
    assert _depends_on("bucket")["minio"]["condition"] == "service_started"
    assert _depends_on("endpoint")["postgres"]["condition"] == "service_healthy"
    cadabra = _depends_on("cadabra")
    for service in ("endpoint", "delivery"):
        assert cadabra[service]["condition"] == "service_healthy"


def test_named_volumes_are_declared() -> None:
    declared = set(_compose().get("volumes") or {})
    for name in ("kafka", "minio", "postgres"):
        mounts = [str(volume).split(":")[0] for volume in _service(name).get("volumes", [])]
        named = [mount for mount in mounts if not mount.startswith((".", "/", "~"))]
        assert named, f"{name} keeps its data in no named volume"
        assert set(named) <= declared


# -- images ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("service", sorted(OFFICIAL_IMAGES))
def test_third_party_images_default_to_the_official_ones(service: str) -> None:
    variable, repository = OFFICIAL_IMAGES[service]
    name, default = _variable(_service(service)["image"])
    assert name == variable
    assert default.rpartition(":")[0] == repository
    assert default.rpartition(":")[2], f"{service}: pin a tag, not latest"


@pytest.mark.parametrize("service", CADABRA_SERVICES)
def test_cadabra_services_share_the_image_built_from_the_dockerfile(service: str) -> None:
    config = _service(service)
    assert _variable(config["image"])[0] == "CADABRA_IMAGE"
    build = config["build"]
    assert (ROOT / build.get("context", ".") / build.get("dockerfile", "Dockerfile")).resolve() == (
        ROOT / "Dockerfile"
    )
    assert _variable(build["args"]["PYTHON_IMAGE"]) == ("PYTHON_IMAGE", PYTHON_IMAGE_DEFAULT)


def test_every_image_comes_from_a_variable() -> None:
    for name, service in _compose()["services"].items():
        image = service["image"]
        assert _INTERPOLATION.fullmatch(image), f"{name}: literal image {image}"


def test_dockerfile_builds_from_the_python_image_argument() -> None:
    instructions = _dockerfile_instructions()
    keywords = [keyword for keyword, _ in instructions]
    arg = instructions[keywords.index("ARG")][1]
    assert keywords.index("ARG") < keywords.index("FROM"), "ARG before FROM sets FROM's variable"
    assert arg == f"PYTHON_IMAGE={PYTHON_IMAGE_DEFAULT}"
    assert _dockerfile_value("FROM") in {"${PYTHON_IMAGE}", "$PYTHON_IMAGE"}


# -- healthchecks ----------------------------------------------------------------------------------


@pytest.mark.parametrize("service", ["kafka", "postgres", "endpoint", "delivery"])
def test_long_running_services_have_a_healthcheck(service: str) -> None:
    assert _service(service)["healthcheck"]["test"][0] in {"CMD", "CMD-SHELL"}


def test_exec_form_healthcheck_arguments_hold_no_space() -> None:
    # Podman 4.3's Docker API splits ["CMD", ...] arguments at spaces; CMD-SHELL is one string.
    for name, service in _compose()["services"].items():
        test = (service.get("healthcheck") or {}).get("test")
        if isinstance(test, list) and test[0] == "CMD":
            spaced = [argument for argument in test[1:] if " " in argument]
            assert spaced == [], f"{name}: exec-form healthcheck arguments with spaces: {spaced}"
        elif isinstance(test, list):
            assert test[0] == "CMD-SHELL" and len(test) == 2, f"{name}: {test}"


def test_endpoint_healthcheck_asks_its_port() -> None:
    assert _healthcheck_port("endpoint") == int(_environment("endpoint")["CADABRA_ENDPOINT_PORT"])


def test_delivery_healthcheck_asks_its_metrics_port() -> None:
    assert _healthcheck_port("delivery") == int(_environment("delivery")["CADABRA_DELIVERY_PORT"])


# -- host ports ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("service", "variable"), sorted(HOST_PORTS))
def test_host_ports_come_from_variables_with_the_usual_defaults(
    service: str, variable: str
) -> None:
    hosts = [_variable(host) for _, host, _ in _port_entries(service)]
    assert (variable, str(HOST_PORTS[service, variable])) in hosts


@pytest.mark.parametrize("service", sorted({service for service, _ in HOST_PORTS}))
def test_ports_are_published_on_the_loopback_only(service: str) -> None:
    assert {address for address, _, _ in _port_entries(service)} == {"127.0.0.1"}


def test_only_the_host_facing_services_publish_ports() -> None:
    publishing = {name for name, service in _compose()["services"].items() if "ports" in service}
    assert publishing == {service for service, _ in HOST_PORTS}


# -- Kafka -----------------------------------------------------------------------------------------


def test_kafka_image_matches_the_native_stack_version() -> None:
    tag = _interpolate(_service("kafka")["image"]).rpartition(":")[2]
    pom = ET.parse(ROOT / "cadabra/stack/maven/kafka.xml")  # noqa: S314 - our own file
    version = pom.find(".//{http://maven.apache.org/POM/4.0.0}kafka.version")
    assert version is not None and version.text
    assert tag.split(".")[0] == version.text.split(".")[0]


def test_kafka_listeners_are_consistent() -> None:
    env = _environment("kafka")
    listeners = _listeners(env["KAFKA_LISTENERS"])
    advertised = _listeners(env["KAFKA_ADVERTISED_LISTENERS"])
    protocols = dict(
        item.split(":") for item in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")
    )
    assert set(listeners) <= set(protocols)
    assert env["KAFKA_INTER_BROKER_LISTENER_NAME"] in advertised
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] in listeners
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] not in advertised
    for name, (_, port) in advertised.items():
        assert listeners[name][1] == port, f"listener {name} advertises another port"


def test_kafka_host_listener_is_published_on_its_own_port() -> None:
    advertised = _listeners(_environment("kafka")["KAFKA_ADVERTISED_LISTENERS"])
    on_host = {name: port for name, (host, port) in advertised.items() if host == "127.0.0.1"}
    assert on_host, "no listener for clients on the host"
    published = _published_ports("kafka")
    for port in on_host.values():
        assert published.get(port) == port


def test_kafka_host_port_variable_moves_listener_and_port_together() -> None:
    # With another CADABRA_KAFKA_HOST_PORT the broker must still advertise what is published.
    raw = _service("kafka")["environment"]
    (_, host, container) = _port_entries("kafka")[0]
    variable = "${CADABRA_KAFKA_HOST_PORT:-29092}"
    assert host == container == variable
    assert raw["KAFKA_LISTENERS"].endswith(f"HOST://:{variable}")
    assert raw["KAFKA_ADVERTISED_LISTENERS"].endswith(f"HOST://127.0.0.1:{variable}")


def test_kafka_is_a_single_kraft_node() -> None:
    env = _environment("kafka")
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    node, _, address = env["KAFKA_CONTROLLER_QUORUM_VOTERS"].partition("@")
    assert node == str(env["KAFKA_NODE_ID"])
    controller = _listeners(env["KAFKA_LISTENERS"])[env["KAFKA_CONTROLLER_LISTENER_NAMES"]]
    assert _host_port(address) == (_service("kafka").get("hostname", "kafka"), controller[1])
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"


def test_kafka_cluster_id_is_a_kraft_uuid() -> None:
    cluster_id = _environment("kafka")["CLUSTER_ID"]
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16


def test_kafka_data_lives_in_its_volume() -> None:
    log_dirs = _environment("kafka")["KAFKA_LOG_DIRS"]
    targets = [str(volume).split(":")[1] for volume in _service("kafka")["volumes"]]
    assert log_dirs in targets


def test_kafka_healthcheck_asks_a_listener() -> None:
    test = _service("kafka")["healthcheck"]["test"]
    assert test[0] == "CMD"
    assert "/opt/kafka/bin/kafka-broker-api-versions.sh" in test
    bootstrap = test[test.index("--bootstrap-server") + 1]
    listeners = _listeners(_environment("kafka")["KAFKA_LISTENERS"])
    assert _host_port(bootstrap)[1] in {port for _, port in listeners.values()}


@pytest.mark.parametrize("service", ["endpoint", "delivery", "notify", "cadabra"])
def test_cadabra_bootstraps_from_the_in_network_listener(service: str) -> None:
    bootstrap = _host_port(_environment(service)["CADABRA_KAFKA_BOOTSTRAP"])
    advertised = _listeners(_environment("kafka")["KAFKA_ADVERTISED_LISTENERS"])
    assert bootstrap in advertised.values()
    assert bootstrap[0] in {"kafka", _service("kafka").get("hostname")}


# -- S3 and the bucket job -------------------------------------------------------------------------


@pytest.mark.parametrize("service", ["bucket", "delivery", "cadabra"])
def test_s3_endpoint_is_the_minio_service(service: str) -> None:
    url = urlsplit(_environment(service)["CADABRA_S3_ENDPOINT_URL"])
    assert url.hostname == "minio"
    assert url.port == MINIO_API_PORT
    assert "--address" not in _command_text("minio")
    assert MINIO_API_PORT in _published_ports("minio").values()


def test_bucket_job_runs_the_bucket_module() -> None:
    entrypoint = _service("bucket")["entrypoint"]
    assert entrypoint == ["python", "-m", bucket.__name__]
    assert callable(bucket.main)


@pytest.mark.parametrize("service", ["delivery", "cadabra"])
def test_bucket_job_creates_the_bucket_the_pipeline_uses(service: str) -> None:
    default = S3Settings.model_fields["bucket"].default
    made = _environment("bucket").get("CADABRA_S3_BUCKET", default)
    assert made == _environment(service)["CADABRA_S3_BUCKET"]


def test_credentials_agree() -> None:
    user = AwsSettings.model_fields["access_key_id"].default
    secret = AwsSettings.model_fields["secret_access_key"].default.get_secret_value()
    env = _environment("minio")
    assert (env["MINIO_ROOT_USER"], env["MINIO_ROOT_PASSWORD"]) == (user, secret)
    for service in CADABRA_SERVICES:
        env = _environment(service)
        assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == (user, secret)


@pytest.mark.parametrize("service", CADABRA_SERVICES)
def test_cadabra_sends_checksums_only_when_required(service: str) -> None:
    env = _environment(service)
    assert env["AWS_REQUEST_CHECKSUM_CALCULATION"] == "when_required"
    assert env["AWS_RESPONSE_CHECKSUM_VALIDATION"] == "when_required"


# -- the endpoint and the demo ---------------------------------------------------------------------


@pytest.mark.parametrize("service", ["notify", "cadabra"])
def test_endpoint_clients_use_the_endpoint_service(service: str) -> None:
    url = urlsplit(_environment(service)["CADABRA_ENDPOINT_URL"])
    assert url.hostname == "endpoint"
    assert url.port == int(_environment("endpoint")["CADABRA_ENDPOINT_PORT"])
    assert _environment("endpoint")["CADABRA_ENDPOINT_HOST"] == "0.0.0.0"  # noqa: S104


def test_endpoint_stores_tables_in_the_postgres_service() -> None:
    url = urlsplit(_environment("endpoint")["CADABRA_DYNAMODB_URL"])
    assert url.hostname == "postgres"
    assert url.port == 5432


def test_endpoint_port_is_published() -> None:
    assert int(_environment("endpoint")["CADABRA_ENDPOINT_PORT"]) in _published_ports("endpoint")


def test_demo_shares_the_notifiers_network() -> None:
    # The demo's alarm webhook listens on 127.0.0.1; SNS delivery must reach it there.
    assert _service("cadabra")["network_mode"] == "service:notify"
    assert "notify" in _depends_on("cadabra")


# -- the Cadabra image -----------------------------------------------------------------------------


def test_cadabra_service_runs_the_demo() -> None:
    assert json.loads(_dockerfile_value("ENTRYPOINT")) == ["cadabra"]
    command = _service("cadabra").get("command", json.loads(_dockerfile_value("CMD")))
    assert command == ["demo"]


def test_dockerfile_copies_every_package_root() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    roots = {package.split(".")[0] for package in project["tool"]["setuptools"]["packages"]}
    copied = set(_dockerfile_copy_sources())
    assert roots <= copied
    assert {"pyproject.toml", project["project"]["readme"]} <= copied


def test_dockerfile_installs_dependencies_before_copying_the_code() -> None:
    # A code change then rebuilds only the last layers, not every dependency.
    sources = _dockerfile_copy_sources()
    assert sources[0] == "pyproject.toml"
    runs = [arguments for keyword, arguments in _dockerfile_instructions() if keyword == "RUN"]
    assert "pip install -r" in runs[0]
    assert any("pip install --no-deps ." in run for run in runs[1:])


def test_dockerfile_copies_only_what_exists() -> None:
    # `docker build` fails on a COPY whose source is missing from the build context.
    missing = [source for source in _dockerfile_copy_sources() if not (ROOT / source).exists()]
    assert missing == [], f"Dockerfile copies paths missing from the repository: {missing}"


def test_dockerfile_copies_nothing_dockerignored() -> None:
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for source in _dockerfile_copy_sources():
        assert not [pattern for pattern in ignored if fnmatch.fnmatch(source, pattern)], source


def test_dockerignore_keeps_local_state_out() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", ".cadabra"} <= ignored


def test_image_runs_as_a_non_root_user() -> None:
    user = _dockerfile_value("USER").split(":")[0]
    assert user not in {"root", "0"}


def test_bucket_job_fails_naming_the_server_it_waited_for(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_port_block(1)}"  # nothing listens there
    monkeypatch.setenv("CADABRA_S3_ENDPOINT_URL", url)
    monkeypatch.setenv("CADABRA_STACK_START_TIMEOUT_S", "0.1")
    assert bucket.main() == 1
    error = capsys.readouterr().err
    assert f"the S3 server at {url} did not start: no answer within 0.1 s" in error
