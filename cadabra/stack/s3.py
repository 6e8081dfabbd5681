"""The S3 server of the native stack: S3Proxy on jclouds' filesystem-nio2 backend.

Why S3Proxy: the Firehose sink and the Athena layer need a real S3-protocol server (SigV4,
ListObjectsV2, multipart uploads), and S3Proxy is one that ships on Maven Central, so `mvn`
fetches it like Kafka, with no binary download. With filesystem-nio2 every object is a real file
under `<home>/data/s3/<bucket>/<key>` (the plain `filesystem` backend lists directory markers as
keys). MinIO, used under Docker, is not installable from the package registries reachable here,
and moto is an in-process mock that would test nothing of the wire protocol. S3Proxy logs at
DEBUG through logback unless told otherwise, so the stack hands it a logback.xml at INFO.

S3Proxy's own Main would list an upload in progress under a temporary key `<key>-<uuid>` (its
filesystem store writes there and renames at the end); S3 never lists an object before its PUT
succeeds. So the stack starts S3Proxy through `java/CadabraS3Proxy.java`, compiled here against
S3Proxy's jars: the same properties file and S3 front end, with those temporary keys left out of
listings while their upload is in flight.
"""

from __future__ import annotations

import os
from functools import partial

import httpx

from cadabra.config import AwsSettings, S3Settings, StackSettings
from cadabra.stack.clients import CHECKSUM_ENV, ensure_bucket, s3_client
from cadabra.stack.javac import JAVA_DIR, compiled_classes
from cadabra.stack.maven import POM_DIR, resolve_classpath
from cadabra.stack.process import ProcessSpec
from cadabra.stack.service import ServiceProcess, StepCallback
from cadabra.stack.state import StackLayout

__all__ = [
    "LAUNCHER",
    "LAUNCHER_CLASS",
    "S3Component",
    "http_answers",
    "render_logback",
    "render_s3proxy_properties",
]

NAME = "s3"
LAUNCHER = JAVA_DIR / "CadabraS3Proxy.java"
LAUNCHER_CLASS = "dev.cadabra.s3.CadabraS3Proxy"


def http_answers(url: str) -> bool:
    """True when `url` answers HTTP at all (S3Proxy says 403 to an anonymous GET /)."""
    try:
        httpx.get(url, timeout=1.0)
    except httpx.HTTPError:
        return False
    return True


def render_s3proxy_properties(layout: StackLayout, aws: AwsSettings) -> str:
    lines = {
        "s3proxy.endpoint": f"http://127.0.0.1:{layout.s3_port}",
        "s3proxy.authorization": "aws-v2-or-v4",
        "s3proxy.identity": aws.access_key_id,
        "s3proxy.credential": aws.secret_access_key.get_secret_value(),
        "jclouds.provider": "filesystem-nio2",
        "jclouds.filesystem.basedir": str(layout.data_dir / NAME),
    }
    return "".join(f"{key}={value}\n" for key, value in lines.items())


def render_logback() -> str:
    """INFO to stdout (appended to the log file); S3Proxy's default is DEBUG for everything."""
    return (
        "<configuration>\n"
        '  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">\n'
        "    <encoder><pattern>%d{ISO8601} %-5level [%thread] %logger{36} - %msg%n</pattern>"
        "</encoder>\n"
        "  </appender>\n"
        '  <root level="INFO"><appender-ref ref="OUT"/></root>\n'
        "</configuration>\n"
    )


class S3Component:
    """S3Proxy serving the default bucket from files under the stack home."""

    name = NAME

    def __init__(
        self, layout: StackLayout, settings: StackSettings, aws: AwsSettings, s3: S3Settings
    ) -> None:
        self.layout = layout
        self.settings = settings
        self.aws = aws
        self.s3 = s3
        self.properties_file = layout.conf_dir / "s3proxy.properties"
        self.logback_file = layout.conf_dir / "s3proxy-logback.xml"
        self._classpath = ""

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.layout.s3_port}"

    @property
    def data_dir(self) -> str:
        return str(self.layout.data_dir / NAME)

    def processes(self) -> list[ServiceProcess]:
        log_file = self.layout.log_file(NAME)
        probe = partial(http_answers, self.endpoint_url)
        return [ServiceProcess(NAME, NAME, self.layout.s3_port, log_file, probe)]

    def prepare(self, on_step: StepCallback) -> None:
        on_step("resolving S3Proxy jars (mvn)")
        pom = POM_DIR / "s3proxy.xml"
        jars = resolve_classpath(pom, self.layout.cache_dir, self.settings.mvn)
        on_step("compiling the S3Proxy launcher (javac)")
        classes = compiled_classes(LAUNCHER, jars, self.layout.cache_dir, self.settings.javac)
        self._classpath = f"{jars}{os.pathsep}{classes}"
        self.layout.conf_dir.mkdir(parents=True, exist_ok=True)
        (self.layout.data_dir / NAME).mkdir(parents=True, exist_ok=True)
        self.properties_file.write_text(render_s3proxy_properties(self.layout, self.aws))
        self.properties_file.chmod(0o600)  # it holds the secret key
        self.logback_file.write_text(render_logback())

    def launch(self, process: str) -> ProcessSpec:
        argv = (
            self.settings.java,
            f"-Xmx{self.settings.s3_heap_mb}m",
            f"-Dlogback.configurationFile={self.logback_file}",
            "-cp",
            self._classpath,
            LAUNCHER_CLASS,
            "--properties",
            str(self.properties_file),
        )
        return ProcessSpec(
            name=process,
            argv=argv,
            log_file=self.layout.log_file(process),
            pid_file=self.layout.pid_file(process),
            marker=self.layout.marker(process),
            env={"LOG_LEVEL": "info"},
        )

    def after_start(self) -> None:
        client = s3_client(self.s3, self.aws, endpoint_url=self.endpoint_url)
        ensure_bucket(client, self.s3.bucket)

    def env(self) -> dict[str, str]:
        return {"CADABRA_S3_ENDPOINT_URL": self.endpoint_url, **CHECKSUM_ENV}
