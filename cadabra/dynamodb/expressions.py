"""DynamoDB expression syntax: condition, key condition, filter and projection expressions.

The grammar is DynamoDB's: comparisons (= <> < <= > >=), BETWEEN, IN, AND/OR/NOT with
parentheses, the functions attribute_exists, attribute_not_exists, attribute_type, begins_with,
contains and size, and document paths (`a.b[2].#c`). `#name` placeholders resolve through
ExpressionAttributeNames and `:value` ones through ExpressionAttributeValues; `Parser` records
which were used, so the service can refuse unused ones as DynamoDB does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cadabra.dynamodb.errors import ValidationException

__all__ = [
    "Between",
    "Compare",
    "Condition",
    "Function",
    "In",
    "Logical",
    "Not",
    "Operand",
    "Parser",
    "Path",
    "Size",
    "Value",
]

_TOKEN = re.compile(
    r"\s*(?:(?P<op><>|<=|>=|=|<|>|\(|\)|,|\.|\[|\])|(?P<name>#[A-Za-z0-9_]+)"
    r"|(?P<value>:[A-Za-z0-9_]+)|(?P<number>\d+)|(?P<word>[A-Za-z_][A-Za-z0-9_]*))"
)
_COMPARATORS = ("=", "<>", "<", "<=", ">", ">=")
_FUNCTIONS = (
    "attribute_exists",
    "attribute_not_exists",
    "attribute_type",
    "begins_with",
    "contains",
)
_SIZE = "size"
_KEYWORDS = ("and", "or", "not", "between", "in")


@dataclass(frozen=True)
class Path:
    elements: tuple[str | int, ...]

    def __str__(self) -> str:
        return "".join(f"[{e}]" if isinstance(e, int) else f".{e}" for e in self.elements)[1:]


@dataclass(frozen=True)
class Value:
    value: dict[str, Any]
    placeholder: str


@dataclass(frozen=True)
class Size:
    path: Path


Operand = Path | Value | Size


@dataclass(frozen=True)
class Compare:
    operator: str
    left: Operand
    right: Operand


@dataclass(frozen=True)
class Between:
    subject: Operand
    low: Operand
    high: Operand


@dataclass(frozen=True)
class In:
    subject: Operand
    options: tuple[Operand, ...]


@dataclass(frozen=True)
class Function:
    name: str
    arguments: tuple[Operand, ...]


@dataclass(frozen=True)
class Logical:
    operator: str  # AND / OR
    left: Condition
    right: Condition


@dataclass(frozen=True)
class Not:
    condition: Condition


Condition = Compare | Between | In | Function | Logical | Not


@dataclass
class Parser:
    """Parses expressions of one request, resolving placeholders and recording their use."""

    names: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    used_names: set[str] = field(default_factory=set)
    used_values: set[str] = field(default_factory=set)

    def condition(self, text: str, what: str) -> Condition:
        reader = _Reader(self, text, what)
        result = reader.disjunction()
        reader.expect_end()
        return result

    def projection(self, text: str) -> list[Path]:
        reader = _Reader(self, text, "ProjectionExpression")
        paths = [reader.path()]
        while reader.accept(","):
            paths.append(reader.path())
        reader.expect_end()
        return paths

    def check_unused(self) -> None:
        unused_values = sorted(set(self.values) - self.used_values)
        if unused_values:
            raise ValidationException(
                "Value provided in ExpressionAttributeValues unused in expressions: "
                f"keys: {{{', '.join(unused_values)}}}"
            )
        unused_names = sorted(set(self.names) - self.used_names)
        if unused_names:
            raise ValidationException(
                "Value provided in ExpressionAttributeNames unused in expressions: "
                f"keys: {{{', '.join(unused_names)}}}"
            )


class _Reader:
    def __init__(self, parser: Parser, text: str, what: str) -> None:
        self.parser, self.text, self.what = parser, text, what
        self.tokens = _tokenize(text, what)
        self.at = 0

    # --- tokens
    def peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "<EOF>")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.at += 1
        return token

    def accept(self, text: str) -> bool:
        kind, value = self.peek()
        if kind != "end" and value.lower() == text:
            self.at += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            raise self.syntax_error()

    def expect_end(self) -> None:
        if self.peek()[0] != "end":
            raise self.syntax_error()

    def syntax_error(self) -> ValidationException:
        token = self.peek()[1]
        near = " ".join(t[1] for t in self.tokens[max(0, self.at - 1) : self.at + 1])
        return ValidationException(
            f'Invalid {self.what}: Syntax error; token: "{token}", near: "{near}"'
        )

    # --- conditions
    def disjunction(self) -> Condition:
        left = self.conjunction()
        while self.accept("or"):
            left = Logical("OR", left, self.conjunction())
        return left

    def conjunction(self) -> Condition:
        left = self.negation()
        while self.accept("and"):
            left = Logical("AND", left, self.negation())
        return left

    def negation(self) -> Condition:
        if self.accept("not"):
            return Not(self.negation())
        if self.accept("("):
            inner = self.disjunction()
            self.expect(")")
            return inner
        kind, word = self.peek()
        if kind == "word" and word in _FUNCTIONS:
            self.take()
            return Function(word, self.arguments())
        return self.comparison()

    def comparison(self) -> Condition:
        subject = self.operand()
        kind, token = self.peek()
        if kind == "op" and token in _COMPARATORS:
            self.take()
            return Compare(token, subject, self.operand())
        if self.accept("between"):
            low = self.operand()
            self.expect("and")
            return Between(subject, low, self.operand())
        if self.accept("in"):
            return In(subject, self.arguments())
        raise self.syntax_error()

    def arguments(self) -> tuple[Operand, ...]:
        self.expect("(")
        found = [self.operand()]
        while self.accept(","):
            found.append(self.operand())
        self.expect(")")
        return tuple(found)

    # --- operands
    def operand(self) -> Operand:
        kind, token = self.peek()
        if kind == "value":
            self.take()
            return Value(self.resolve_value(token), token)
        if kind == "word" and token == _SIZE:
            self.take()
            self.expect("(")
            path = self.path()
            self.expect(")")
            return Size(path)
        return self.path()

    def path(self) -> Path:
        elements: list[str | int] = [self.name()]
        while True:
            if self.accept("."):
                elements.append(self.name())
            elif self.accept("["):
                kind, index = self.take()
                if kind != "number":
                    raise self.syntax_error()
                elements.append(int(index))
                self.expect("]")
            else:
                return Path(tuple(elements))

    def name(self) -> str:
        kind, token = self.take()
        if kind == "name":
            self.parser.used_names.add(token)
            if token not in self.parser.names:
                raise ValidationException(
                    "Invalid "
                    f"{self.what}: An expression attribute name used in the document path is not "
                    f"defined; attribute name: {token}"
                )
            return self.parser.names[token]
        if kind == "word" and token.lower() not in _KEYWORDS:
            return token
        self.at -= 1
        raise self.syntax_error()

    def resolve_value(self, token: str) -> dict[str, Any]:
        self.parser.used_values.add(token)
        if token not in self.parser.values:
            raise ValidationException(
                f"Invalid {self.what}: An expression attribute value used in expression is not "
                f"defined; attribute value: {token}"
            )
        return self.parser.values[token]


def _tokenize(text: str, what: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    at = 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None or match.end() == at:
            if not text[at:].strip():
                break
            raise ValidationException(
                f'Invalid {what}: Syntax error; token: "{text[at:].strip()[:1]}", near: '
                f'"{text[max(0, at - 5) : at + 5].strip()}"'
            )
        kind = match.lastgroup or "op"
        tokens.append((kind, match.group(kind)))
        at = match.end()
    if not tokens:
        raise ValidationException(f"Invalid {what}: The expression can not be empty;")
    return tokens
