"""Compile the stack's own Java sources (in `java/`) against a resolved classpath, cached.

The classes go to `<cache>/<source stem>-<hash>/`, keyed by a hash of the source and the
classpath, so once compiled later starts run no `javac` at all; a change to either compiles again.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from cadabra.errors import StackError
from cadabra.stack.process import run_tool

__all__ = ["JAVA_DIR", "compile_java", "compiled_classes"]

JAVA_DIR = Path(__file__).parent / "java"
JAVAC_TIMEOUT_S = 300.0


def _classes_dir(source: Path, classpath: str, cache_dir: Path) -> Path:
    digest = hashlib.sha256(source.read_bytes() + b"\0" + classpath.encode()).hexdigest()[:16]
    return cache_dir / f"{source.stem}-{digest}"


def compile_java(source: Path, classpath: str, out: Path, javac: str = "javac") -> None:
    """`javac` `source` against `classpath` into `out`; a failure names the source and shows why."""
    run_tool(
        [javac, "-nowarn", "-d", str(out), "-cp", classpath, str(source)],
        timeout=JAVAC_TIMEOUT_S,
        failed=f"javac could not compile {source.name}",
        missing=f"'{javac}' not found: install a Java 17 JDK"
        " (apt-get install openjdk-17-jdk-headless)",
    )


def compiled_classes(source: Path, classpath: str, cache_dir: Path, javac: str = "javac") -> Path:
    """The folder of `source`'s classes, compiled now unless the cache has them."""
    classes = _classes_dir(source, classpath, cache_dir)
    if any(classes.rglob("*.class")):
        return classes
    partial = classes.with_name(classes.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        compile_java(source, classpath, partial, javac)
    except StackError:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    shutil.rmtree(classes, ignore_errors=True)
    partial.replace(classes)
    return classes
