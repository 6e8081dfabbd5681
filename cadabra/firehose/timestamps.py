"""`!{timestamp:<pattern>}` of Firehose prefixes: the Java DateTimeFormatter subset users write.

Firehose evaluates the pattern with `java.time.format.DateTimeFormatter.ofPattern`. Cadabra
translates the letters a date path needs and refuses the others with `InvalidArgumentException`
(AWS refuses a pattern Java cannot parse the same way, at CreateDeliveryStream):

- `y`/`u` year (`yy` two digits, otherwise zero-padded to the letter count), `M` month (`M`,
  `MM`, `MMM` = `Aug`, `MMMM` = `August`), `d` day, `D` day of year, `H` hour (0-23), `m`
  minute, `s` second (one letter unpadded, two padded), `S`… fraction of second (1-9 digits);
- text in single quotes is literal, `''` is one quote (inside or outside quotes);
- every other character that is not an ASCII letter is literal, except Java's reserved
  `[ ] { } #`.

Limits: locale-dependent letters (`E`, `a`, `h`, `k`, `K`), zones and offsets (`z`, `Z`, `X`,
`x`, `O`, `V`), weeks and eras are not supported. Month names are English (Java's `Locale.US`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from cadabra.errors import InvalidArgumentException

__all__ = ["compile_pattern", "format_timestamp"]

Piece = Callable[[datetime], str]

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_RESERVED = "[]{}#"


def _year(count: int) -> Piece:
    if count == 2:
        return lambda t: f"{t.year % 100:02d}"
    return lambda t: str(t.year).zfill(count)


def _month(count: int) -> Piece:
    if count == 3:
        return lambda t: _MONTHS[t.month - 1][:3]
    if count == 4:
        return lambda t: _MONTHS[t.month - 1]
    return _number(lambda t: t.month, count)


def _number(field: Callable[[datetime], int], count: int) -> Piece:
    return lambda t: str(field(t)).zfill(count)


def _fraction(count: int) -> Piece:
    return lambda t: f"{t.microsecond:06d}000"[:count]


# letter -> (maximum count, piece for a count)
_LETTERS: dict[str, tuple[int, Callable[[int], Piece]]] = {
    "y": (19, _year),
    "u": (19, _year),
    "M": (4, _month),
    "d": (2, lambda n: _number(lambda t: t.day, n)),
    "D": (3, lambda n: _number(lambda t: t.timetuple().tm_yday, n)),
    "H": (2, lambda n: _number(lambda t: t.hour, n)),
    "m": (2, lambda n: _number(lambda t: t.minute, n)),
    "s": (2, lambda n: _number(lambda t: t.second, n)),
    "S": (9, _fraction),
}


def _invalid(pattern: str, field: str, why: str) -> InvalidArgumentException:
    return InvalidArgumentException(
        f"{field} has an invalid timestamp expression '!{{timestamp:{pattern}}}': {why}."
    )


def _quoted(pattern: str, start: int, field: str) -> tuple[str, int]:
    """The literal text of a quote opened at `start - 1`, and the index after its closing quote."""
    text, i = [], start
    while i < len(pattern):
        if pattern[i] != "'":
            text.append(pattern[i])
            i += 1
        elif pattern[i + 1 : i + 2] == "'":
            text.append("'")
            i += 2
        else:
            return "".join(text), i + 1
    raise _invalid(pattern, field, "a quoted literal is not closed")


def _letters(pattern: str, start: int, field: str) -> tuple[Piece, int]:
    letter, end = pattern[start], start
    while end < len(pattern) and pattern[end] == letter:
        end += 1
    count = end - start
    if letter not in _LETTERS:
        raise _invalid(pattern, field, f"the pattern letter '{letter}' is not supported")
    maximum, make = _LETTERS[letter]
    if count > maximum:
        raise _invalid(pattern, field, f"too many pattern letters: {letter * count}")
    return make(count), end


def _literal(text: str) -> Piece:
    return lambda _t: text


def compile_pattern(pattern: str, field: str = "Prefix") -> list[Piece]:
    """The pieces of a pattern; `field` names the configuration field in error messages."""
    if not pattern:
        raise _invalid(pattern, field, "the pattern is empty")
    pieces: list[Piece] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "'" and pattern[i + 1 : i + 2] == "'":
            pieces.append(_literal("'"))
            i += 2
        elif char == "'":
            text, i = _quoted(pattern, i + 1, field)
            pieces.append(_literal(text))
        elif char.isascii() and char.isalpha():
            piece, i = _letters(pattern, i, field)
            pieces.append(piece)
        elif char in _RESERVED:
            raise _invalid(pattern, field, f"'{char}' is reserved")
        else:
            pieces.append(_literal(char))
            i += 1
    return pieces


def format_timestamp(pattern: str, instant: datetime, field: str = "Prefix") -> str:
    """`instant` (already in the stream's time zone) formatted as Java would."""
    return "".join(piece(instant) for piece in compile_pattern(pattern, field))
