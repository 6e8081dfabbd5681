"""The tokens of Athena's Hive DDL: words, `backquoted` names, 'strings', numbers, punctuation.

Comments (`-- ...` to the end of the line and `/* ... */`) are skipped. Strings take single or
double quotes with Hive's backslash escapes (`'\\t'`, `'\\''`, `'\\\\'`); every token remembers
its line so parse errors can name it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cadabra.athena.catalog_errors import DdlError

__all__ = ["Token", "tokenize"]

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<comment>--[^\n]*|/\*.*?\*/)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<quoted>`(?:[^`]|``)*`)
    | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<number>[0-9]+(?:\.[0-9]+)?)
    | (?P<punct>[(),;.<>:=])
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


@dataclass(frozen=True)
class Token:
    kind: str  # word, quoted, string, number, punct, end
    text: str  # as written
    line: int

    @property
    def value(self) -> str:
        """A string's or a backquoted name's content; otherwise the text."""
        if self.kind == "string":
            return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), self.text[1:-1])
        if self.kind == "quoted":
            return self.text[1:-1].replace("``", "`")
        return self.text


def tokenize(text: str, path: Path | None = None) -> list[Token]:
    """The tokens of `text`, ending with an `end` token; a stray character is a DdlError."""
    tokens: list[Token] = []
    position, line = 0, 1
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise DdlError(f"unexpected character {text[position]!r}", path=path, line=line)
        kind = match.lastgroup or ""
        if kind not in ("space", "comment"):
            tokens.append(Token(kind, match.group(), line))
        line += match.group().count("\n")
        position = match.end()
    tokens.append(Token("end", "", line))
    return tokens
