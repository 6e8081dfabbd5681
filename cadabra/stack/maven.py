"""Resolve a service's jars from Maven Central with `mvn`, and cache the classpath.

The classpath file is cached under the stack home, keyed by a hash of the pom, so once the jars
are in ~/.m2 later starts run no `mvn` at all. A cached classpath whose jars vanished (a cleaned
~/.m2) is resolved again.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from cadabra.errors import StackError
from cadabra.stack.process import run_tool

__all__ = ["POM_DIR", "resolve_classpath"]

logger = logging.getLogger(__name__)

POM_DIR = Path(__file__).parent / "maven"
MVN_TIMEOUT_S = 900.0


def _cache_file(pom: Path, cache_dir: Path) -> Path:
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()[:16]
    return cache_dir / f"{pom.stem}-{digest}.classpath"


def _read_cached(cache: Path) -> str | None:
    try:
        classpath = cache.read_text().strip()
    except FileNotFoundError:
        return None
    jars = classpath.split(os.pathsep)
    if classpath and all(Path(jar).is_file() for jar in jars):
        return classpath
    logger.info("cached classpath %s names missing jars: resolving again", cache)
    return None


def _run_mvn(mvn: str, pom: Path, output: Path) -> None:
    argv = [mvn, "-q", "-B", "-f", str(pom), "dependency:build-classpath"]
    run_tool(
        [*argv, f"-Dmdep.outputFile={output}"],
        timeout=MVN_TIMEOUT_S,
        failed=f"mvn could not resolve {pom.name}",
        missing=f"'{mvn}' not found: install Maven (apt-get install maven)",
    )


def resolve_classpath(pom: Path, cache_dir: Path, mvn: str = "mvn") -> str:
    """The classpath of `pom`'s dependencies, from the cache or from `mvn`."""
    cache = _cache_file(pom, cache_dir)
    cached = _read_cached(cache)
    if cached is not None:
        return cached
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = cache.with_suffix(".partial")
    logger.info("resolving %s with mvn (jars go to ~/.m2)", pom.name)
    _run_mvn(mvn, pom, partial)
    partial.replace(cache)
    classpath = cache.read_text().strip()
    if not classpath:
        raise StackError(f"mvn resolved an empty classpath for {pom.name}")
    return classpath
