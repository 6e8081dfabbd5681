"""docker-compose.yml and the Dockerfile agree with the code (no Docker engine needed).

No engine runs on the development machines, so these tests read the files: service names, listeners,
ports, credentials and environment variable names must match each other, the settings classes in
`cadabra.config`, the native stack's Kafka version and the packages `pyproject.toml` installs.
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

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("kafka", "minio", "minio-init", "cadabra", "endpoint", "delivery", "notify", "postgres")
MINIO_API_PORT = 9000  # `minio server` listens here unless --address says otherwise

# ${VAR}, ${VAR:-default}, ${VAR-default}; `$$` is compose's escape for a literal `$`.
_INTERPOLATION = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:?-)(?P<default>[^}]*))?\}")


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


def _published_ports(service: str) -> dict[int, int]:
    """{host port: container port} of a service's `ports`."""
    published = {}
    for entry in _service(service).get("ports", []):
        if isinstance(entry, dict):
            published[int(entry["published"])] = int(entry["target"])
        else:
            *_, host, container = str(entry).split(":")
            published[int(host)] = int(container.split("/")[0])
    return published


def _command_text(service: str) -> str:
    command = _service(service).get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


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
    assert set(SERVICES) <= set(_compose()["services"])


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


def test_every_healthy_dependency_has_a_healthcheck() -> None:
    services = _compose()["services"]
    for name, service in services.items():
        for dependency, spec in (service.get("depends_on") or {}).items():
            assert dependency in services, f"{name} depends on unknown service {dependency}"
            if spec.get("condition") == "service_healthy":
                assert "healthcheck" in services[dependency], dependency


def test_startup_order() -> None:
    assert _service("minio-init")["depends_on"]["minio"]["condition"] == "service_healthy"
    cadabra = _service("cadabra")["depends_on"]
    assert cadabra["kafka"]["condition"] == "service_healthy"
    assert cadabra["minio-init"]["condition"] == "service_completed_successfully"


def test_named_volumes_are_declared() -> None:
    declared = set(_compose().get("volumes") or {})
    for name in ("kafka", "minio"):
        mounts = [str(volume).split(":")[0] for volume in _service(name).get("volumes", [])]
        named = [mount for mount in mounts if not mount.startswith((".", "/", "~"))]
        assert named, f"{name} keeps its data in no named volume"
        assert set(named) <= declared


# -- Kafka -----------------------------------------------------------------------------------------


def test_kafka_image_matches_the_native_stack_version() -> None:
    tag = _service("kafka")["image"].rpartition(":")[2]
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


def test_kafka_host_listener_is_published() -> None:
    advertised = _listeners(_environment("kafka")["KAFKA_ADVERTISED_LISTENERS"])
    on_host = {name: port for name, (host, port) in advertised.items() if host == "localhost"}
    assert on_host, "no listener for clients on the host"
    published = _published_ports("kafka")
    for _name, port in on_host.items():
        assert published.get(port) == port


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
    assert "/opt/kafka/bin/kafka-broker-api-versions.sh" in test
    bootstrap = test[test.index("--bootstrap-server") + 1]
    listeners = _listeners(_environment("kafka")["KAFKA_LISTENERS"])
    assert _host_port(bootstrap)[1] in {port for _, port in listeners.values()}


def test_cadabra_bootstraps_from_the_in_network_listener() -> None:
    bootstrap = _host_port(_environment("cadabra")["CADABRA_KAFKA_BOOTSTRAP"])
    advertised = _listeners(_environment("kafka")["KAFKA_ADVERTISED_LISTENERS"])
    assert bootstrap in advertised.values()
    assert bootstrap[0] in {"kafka", _service("kafka").get("hostname")}


# -- MinIO -----------------------------------------------------------------------------------------


def test_cadabra_s3_endpoint_is_minio() -> None:
    url = urlsplit(_environment("cadabra")["CADABRA_S3_ENDPOINT_URL"])
    assert url.hostname == "minio"
    assert url.port == MINIO_API_PORT
    assert "--address" not in _command_text("minio")
    assert MINIO_API_PORT in _published_ports("minio").values()


def test_minio_init_creates_the_settings_bucket() -> None:
    env = _environment("minio-init")
    command = _interpolate(_command_text("minio-init"))
    alias = re.search(r"mc alias set (\S+) (\S+)", command)
    bucket = re.search(r"mc mb (?:--\S+ )*\"?([^\s\"]+)", command)
    assert alias and bucket
    assert urlsplit(alias.group(2)).netloc == f"minio:{MINIO_API_PORT}"
    target = re.sub(r"\$(\w+)", lambda m: env[m.group(1)], bucket.group(1))
    assert target == f"{alias.group(1)}/{S3Settings.model_fields['bucket'].default}"
    assert env.get("CADABRA_S3_BUCKET") == _environment("cadabra")["CADABRA_S3_BUCKET"]


def test_credentials_agree() -> None:
    user = AwsSettings.model_fields["access_key_id"].default
    secret = AwsSettings.model_fields["secret_access_key"].default.get_secret_value()
    for service in ("minio", "minio-init"):
        env = _environment(service)
        assert (env["MINIO_ROOT_USER"], env["MINIO_ROOT_PASSWORD"]) == (user, secret)
    cadabra = _environment("cadabra")
    assert (cadabra["AWS_ACCESS_KEY_ID"], cadabra["AWS_SECRET_ACCESS_KEY"]) == (user, secret)


def test_cadabra_sends_checksums_only_when_required() -> None:
    env = _environment("cadabra")
    assert env["AWS_REQUEST_CHECKSUM_CALCULATION"] == "when_required"
    assert env["AWS_RESPONSE_CHECKSUM_VALIDATION"] == "when_required"


# -- the Cadabra image -----------------------------------------------------------------------------


def test_cadabra_service_builds_the_dockerfile_and_runs_the_demo() -> None:
    service = _service("cadabra")
    build = service["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    assert (ROOT / context / dockerfile).resolve() == ROOT / "Dockerfile"
    assert json.loads(_dockerfile_value("ENTRYPOINT")) == ["cadabra"]
    assert service.get("command", json.loads(_dockerfile_value("CMD"))) == ["demo"]


def test_dockerfile_copies_every_package_root() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    roots = {package.split(".")[0] for package in project["tool"]["setuptools"]["packages"]}
    copied = set(_dockerfile_copy_sources())
    assert roots <= copied
    assert {"pyproject.toml", project["project"]["readme"]} <= copied


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
    assert _dockerfile_value("FROM").startswith("python:3.11-slim")
