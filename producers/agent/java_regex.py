"""Java regular expressions, as the Kinesis Agent's config gives them, run on Python's `re`.

agent.json carries `java.util.regex` patterns (`delimiter`, `matchPattern`, the built-in log
formats). Most of the syntax is shared; what differs and changes results is translated:

- `.` does not match any Java line terminator (`\\n \\r \\u0085 \\u2028 \\u2029`), so a CRLF
  line's `\\r` defeats a trailing `.*` exactly as it does in the agent;
- `\\w \\d \\s \\b` are ASCII-only in Java (compiled with `re.ASCII`);
- `(?<name>...)` becomes `(?P<name>...)`; `\\Q...\\E` quoting, `\\z`, `\\h`, `\\v`, `\\R` are
  rewritten.

Java's character-class union and intersection (`[a-z&&[^b]]`, nested `[...]`) are not supported
and raise `ValueError`, as does anything Python cannot compile (e.g. `\\p{Alpha}`).

`java_split` reproduces `String.split(regex)`: a zero-width match at the start yields no leading
empty string and trailing empty strings are dropped.
"""

from __future__ import annotations

import re
import warnings

__all__ = ["compile_java", "java_split", "translate"]

_TERMINATORS = "\\n\\r\\u0085\\u2028\\u2029"
_DOT = f"[^{_TERMINATORS}]"
_HORIZONTAL = " \\t\\xa0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000"
_VERTICAL = "\\n\\x0b\\f\\r\\x85\\u2028\\u2029"
_OUTSIDE = {
    "z": "\\Z",
    "Z": f"(?=(?:\\r\\n|[{_TERMINATORS}])?\\Z)",
    "h": f"[{_HORIZONTAL}]",
    "H": f"[^{_HORIZONTAL}]",
    "v": f"[{_VERTICAL}]",
    "V": f"[^{_VERTICAL}]",
    "R": f"(?:\\r\\n|[{_VERTICAL}])",
}
_INSIDE = {"h": _HORIZONTAL, "v": _VERTICAL}


def compile_java(pattern: str) -> re.Pattern[str]:
    """The Java pattern compiled for Python; ValueError when it cannot be reproduced."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", FutureWarning)  # Python-only set syntax
            return re.compile(translate(pattern), re.ASCII)
    except (re.error, FutureWarning) as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc


def java_split(pattern: re.Pattern[str], text: str) -> list[str]:
    """`text.split(regex)` as Java's `String.split` (limit 0) returns it."""
    parts: list[str] = []
    index = 0
    for match in pattern.finditer(text):
        if match.end() == 0:  # a zero-width match at the very start splits nothing off
            continue
        parts.append(text[index : match.start()])
        index = match.end()
    if not parts:
        return [text]
    parts.append(text[index:])
    while parts and not parts[-1]:
        parts.pop()
    return parts


def translate(pattern: str) -> str:
    """The Python spelling of a Java regular expression (see the module docstring)."""
    out: list[str] = []
    index, in_class = 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            text, index = _escape(pattern, index, in_class)
            out.append(text)
            continue
        if in_class:
            in_class = _class_char(pattern, index, out)
        elif char == "[":
            index = _open_class(pattern, index, out)
            in_class = True
            continue
        elif char == ".":
            out.append(_DOT)
        elif pattern.startswith("(?<", index) and pattern[index + 3 : index + 4] not in ("=", "!"):
            out.append("(?P<")
            index += 3
            continue
        else:
            out.append(char)
        index += 1
    return "".join(out)


def _escape(pattern: str, index: int, in_class: bool) -> tuple[str, int]:
    """One backslash escape starting at `index`: its Python text and the next index."""
    letter = pattern[index + 1 : index + 2]
    if letter == "Q":
        end = pattern.find("\\E", index + 2)
        stop = len(pattern) if end < 0 else end
        quoted = pattern[index + 2 : stop]
        return re.escape(quoted), (stop if end < 0 else end + 2)
    table = _INSIDE if in_class else _OUTSIDE
    if letter in table:
        return table[letter], index + 2
    return pattern[index : index + 2], index + 2


def _open_class(pattern: str, index: int, out: list[str]) -> int:
    """Copy `[`, an optional `^` and a leading literal `]`; the index after them."""
    start = index
    index += 1
    if pattern[index : index + 1] == "^":
        index += 1
    if pattern[index : index + 1] == "]":
        index += 1
    out.append(pattern[start:index].replace("]", "\\]"))
    return index


def _class_char(pattern: str, index: int, out: list[str]) -> bool:
    """Copy one character inside a class; False when it closes the class."""
    char = pattern[index]
    if char == "]":
        out.append(char)
        return False
    if char == "[" or pattern.startswith("&&", index):
        raise ValueError(
            f"character class union/intersection at position {index} is not supported: {pattern!r}"
        )
    if char in "-~|" and pattern[index + 1 : index + 2] == char:
        out.append("\\" + char)  # literal in Java; Python reserves doubled set operators
    else:
        out.append(char)
    return True
