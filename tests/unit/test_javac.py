"""Compiling the stack's Java sources: cached by source and classpath, failures that say why."""

from __future__ import annotations

from pathlib import Path

import pytest

from cadabra.errors import StackError
from cadabra.stack.javac import compiled_classes

HELLO = (
    "package dev.cadabra.test;\npublic final class Hello { static int answer() { return 42; } }\n"
)


def test_classes_are_compiled_once_per_source_and_classpath(tmp_path: Path) -> None:
    source = tmp_path / "Hello.java"
    source.write_text(HELLO)
    cache = tmp_path / "cache"
    classes = compiled_classes(source, "", cache)
    assert (classes / "dev/cadabra/test/Hello.class").is_file()
    # Cached: no javac is run again (a missing one would fail).
    assert compiled_classes(source, "", cache, javac="no-such-javac") == classes
    # Another classpath is another build.
    with pytest.raises(StackError, match="'no-such-javac' not found: install a Java 17 JDK"):
        compiled_classes(source, str(tmp_path / "lib.jar"), cache, javac="no-such-javac")
    assert not list(cache.glob("*.partial"))  # nothing half-made is left to be taken as cached


def test_a_compile_error_names_the_source_and_shows_javac_s_message(tmp_path: Path) -> None:
    source = tmp_path / "Broken.java"
    source.write_text("public final class Broken { int x = missing(); }\n")
    with pytest.raises(StackError) as failure:
        compiled_classes(source, "", tmp_path / "cache")
    message = str(failure.value)
    assert message.startswith("javac could not compile Broken.java (exit 1):")
    assert "cannot find symbol" in message
    assert list((tmp_path / "cache").iterdir()) == []  # nothing is kept to be taken as cached
