"""The local images: what each is built from, and builds that are skipped when nothing changed.

Every image carries the label `org.cadabra.inputs`, a hash of what it was built from (its recipe's
files, its parent image's id, the pom of its jars); a build whose hash matches the image's label is
skipped, so a second `make containers` takes seconds. podman's own layer cache helps the rest.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cadabra.containers.engine import REPO, STATE_DIR
from cadabra.stack.javac import compile_java
from cadabra.stack.maven import POM_DIR
from cadabra.stack.process import run_tool
from cadabra.stack.s3 import LAUNCHER

__all__ = ["IMAGES", "LABEL", "Image", "build", "image_env"]

LABEL = "org.cadabra.inputs"
RECIPES = REPO / "containers"
DEBIAN_SUITE = "bookworm"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# As on the host: the mirror's Release files may be older than their Valid-Until.
APT_CONF = 'Acquire::Check-Valid-Until "false";\nAcquire::Check-Date "false";\n'
SKIPPED_PARTS = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"}


@dataclass(frozen=True)
class Image:
    """One local image; `variable` is the compose/testcontainers variable it is the value of."""

    key: str
    name: str
    parent: str | None = None
    variable: str | None = None
    jars: Path | None = None  # a pom whose dependencies are copied into the context's libs/
    java: Path | None = None  # a source compiled (on the host, against libs/) into classes/
    build_args: dict[str, str] = field(default_factory=dict)

    @property
    def recipe(self) -> Path:
        return RECIPES / self.key


BASE = Image("base", f"localhost/cadabra/base:{DEBIAN_SUITE}")
JRE = Image("jre", "localhost/cadabra/jre:17", parent=BASE.name)
PYTHON = Image("python", "localhost/cadabra/python:3.11", BASE.name, "PYTHON_IMAGE")
KAFKA = Image(
    "kafka", "localhost/cadabra/kafka:4.1.1", JRE.name, "KAFKA_IMAGE", POM_DIR / "kafka.xml"
)
S3 = Image(
    "s3proxy",
    "localhost/cadabra/s3proxy:3.1.0",
    JRE.name,
    "MINIO_IMAGE",
    POM_DIR / "s3proxy.xml",
    java=LAUNCHER,
)
POSTGRES = Image("postgres", "localhost/cadabra/postgres:15", BASE.name, "POSTGRES_IMAGE")
CADABRA = Image(
    "cadabra",
    "localhost/cadabra/cadabra:dev",
    PYTHON.name,
    "CADABRA_IMAGE",
    build_args={"PYTHON_IMAGE": PYTHON.name},
)
IMAGES = (BASE, JRE, PYTHON, KAFKA, S3, POSTGRES, CADABRA)


def image_env() -> dict[str, str]:
    """The compose/testcontainers variables naming the local images."""
    return {image.variable: image.name for image in IMAGES if image.variable}


def _label(name: str) -> str | None:
    """The inputs label of image `name`, or None when there is no such image."""
    try:
        return run_tool(
            ["podman", "image", "inspect", "--format", f'{{{{index .Labels "{LABEL}"}}}}', name]
        )
    except Exception:
        return None


def _image_id(name: str) -> str:
    return run_tool(["podman", "image", "inspect", "--format", "{{.Id}}", name]).strip()


def _files(paths: Iterable[Path]) -> list[Path]:
    found = []
    for path in paths:
        candidates = sorted(path.rglob("*")) if path.is_dir() else [path]
        found += [
            item
            for item in candidates
            if item.is_file()
            and not SKIPPED_PARTS & set(item.parts)
            and item.suffix != ".pyc"
            and not any(part.endswith(".egg-info") for part in item.parts)
        ]
    return found


def _inputs(image: Image) -> list[Path]:
    if image is BASE:
        return [CA_BUNDLE]
    if image is CADABRA:
        dockerfile = REPO / "Dockerfile"
        return [dockerfile, REPO / ".dockerignore", *_files(_copy_sources(dockerfile))]
    return _files([image.recipe]) + [path for path in (image.jars, image.java) if path]


def _copy_sources(dockerfile: Path) -> list[Path]:
    """The build-context paths the Dockerfile's COPY lines name."""
    sources = []
    for line in dockerfile.read_text().splitlines():
        words = line.split()
        if words and words[0].upper() == "COPY" and not any(w.startswith("--from") for w in words):
            sources += [REPO / word for word in words[1:-1] if not word.startswith("--")]
    return sources


def inputs_hash(image: Image) -> str:
    digest = hashlib.sha256(f"{image.key}\n{image.name}\n{image.build_args}\n".encode())
    if image.parent:
        digest.update(_image_id(image.parent).encode())
    for path in _inputs(image):
        digest.update(str(path.relative_to(REPO) if path.is_relative_to(REPO) else path).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def build(image: Image) -> bool:
    """Build `image` unless its inputs are unchanged; True when it was built."""
    wanted = inputs_hash(image)
    if (_label(image.name) or "").strip() == wanted:
        return False
    if image is BASE:
        _build_base(wanted)
    elif image is CADABRA:
        _podman_build(image, REPO, REPO / "Dockerfile", wanted)
    else:
        with tempfile.TemporaryDirectory(dir=_tmp()) as context:
            shutil.copytree(image.recipe, context, dirs_exist_ok=True)
            if image.jars:
                _copy_jars(image.jars, Path(context) / "libs")
            if image.java:
                libs = Path(context) / "libs"
                compile_java(image.java, f"{libs}/*", Path(context) / "classes")
            _podman_build(image, Path(context), Path(context) / "Containerfile", wanted)
    return True


def _tmp() -> Path:
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    return STATE_DIR


def _copy_jars(pom: Path, libs: Path) -> None:
    """The pom's dependency jars (from ~/.m2 once resolved) into `libs`."""
    argv = ["mvn", "-q", "-B", "-f", str(pom), "dependency:copy-dependencies"]
    run_tool([*argv, f"-DoutputDirectory={libs}"])


def _podman_build(image: Image, context: Path, containerfile: Path, wanted: str) -> None:
    argv = ["podman", "build", "-q", "--label", f"{LABEL}={wanted}", "-t", image.name]
    for key, value in image.build_args.items():
        argv += ["--build-arg", f"{key}={value}"]
    run_tool([*argv, "-f", str(containerfile), str(context)], timeout=1800.0)


def _build_base(wanted: str) -> None:
    """debootstrap a minimal bookworm with the host's CA bundle, then `podman import` it."""
    with tempfile.TemporaryDirectory(dir=_tmp()) as scratch:
        root = Path(scratch) / "rootfs"
        run_tool(["debootstrap", "--variant=minbase", DEBIAN_SUITE, str(root), DEBIAN_MIRROR])
        local_ca = root / "usr/local/share/ca-certificates"
        local_ca.mkdir(parents=True, exist_ok=True)
        # A later install of ca-certificates rebuilds the bundle from here, so the host's CAs stay.
        shutil.copyfile(CA_BUNDLE, local_ca / "host-bundle.crt")
        (root / "etc/ssl/certs").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CA_BUNDLE, root / "etc/ssl/certs/ca-certificates.crt")
        (root / "etc/apt/apt.conf.d/99cadabra").write_text(APT_CONF)
        shutil.rmtree(root / "var/cache/apt/archives", ignore_errors=True)
        changes = [
            f"LABEL {LABEL}={wanted}",
            "ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt",
            "ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
            'CMD ["/bin/bash"]',
        ]
        argv = ["podman", "import"]
        for change in changes:
            argv += ["--change", change]
        tarball = Path(scratch) / "rootfs.tar"
        run_tool(["tar", "-C", str(root), "-cf", str(tarball), "."])
        run_tool([*argv, str(tarball), BASE.name])


def prune_dangling() -> None:
    """Remove untagged images left by rebuilds (old versions of ours)."""
    run_tool(["podman", "image", "prune", "-f"])
