"""Java regex semantics the agent's options depend on, reproduced on Python's `re`."""

from __future__ import annotations

import pytest

from producers.agent.java_regex import compile_java, java_split


@pytest.mark.parametrize(
    ("regex", "text", "parts"),
    [
        (",", "a,b,,", ["a", "b"]),  # trailing empty strings are dropped
        (",", ",a", ["", "a"]),  # a leading one from a real match stays
        ("", "abc", ["a", "b", "c"]),  # no leading empty string for a zero-width match
        (",", "", [""]),
        (",", ",,,", []),
        ("\\|", "x|y", ["x", "y"]),
    ],
)
def test_java_split(regex: str, text: str, parts: list[str]) -> None:
    assert java_split(compile_java(regex), text) == parts


def test_dot_excludes_every_java_line_terminator() -> None:
    dot = compile_java("a.b")
    assert dot.fullmatch("a-b")
    for terminator in "\n\r\u0085\u2028\u2029":
        assert dot.fullmatch(f"a{terminator}b") is None
    assert compile_java("[.]").fullmatch(".")


def test_java_only_syntax_is_translated() -> None:
    assert compile_java("(?<year>\\d{4})-").match("2024-").group("year") == "2024"  # type: ignore[union-attr]
    assert compile_java("\\Q(a.b)\\E+").fullmatch("(a.b)")
    assert compile_java("x\\z").search("x") and not compile_java("x\\z").search("x\ny")
    assert compile_java("\\w+").fullmatch("café") is None  # \w is ASCII in Java


@pytest.mark.parametrize("regex", ["(", "[a-z&&[^b]]", "\\p{Alpha}", "[[a]]"])
def test_patterns_python_cannot_reproduce_are_refused(regex: str) -> None:
    with pytest.raises(ValueError, match=r"regular expression|not supported"):
        compile_java(regex)
