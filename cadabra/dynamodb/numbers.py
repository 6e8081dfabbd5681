"""DynamoDB's Number type: decimal semantics, AWS's limits, and an order-preserving text form.

A Number is an arbitrary decimal of at most 38 significant digits with a magnitude between 1E-130
and 9.9999999999999999999999999999999999999E+125 (or zero); leading and trailing zeros are not
significant, so "1.50" is stored and returned as "1.5". Key attributes must sort numerically in
SQL that compares text, so `sort_text` writes a number as a string whose byte order is the
number's order: a sign class, a biased exponent (complemented for negatives), then the digits of
the mantissa (nine's complement and a terminator for negatives).
"""

from __future__ import annotations

import re
from decimal import Decimal

from cadabra.dynamodb.errors import ValidationException

__all__ = ["MAX_DIGITS", "canonical", "parse_number", "sort_text"]

MAX_DIGITS = 38
_MAX_ADJUSTED = 125  # largest magnitude below 1E+126
_MIN_ADJUSTED = -130  # smallest magnitude 1E-130
_EXPONENT_BIAS = 500  # adjusted exponents -130..125 become 370..625: three digits
# Python's Decimal also reads "1_000", "NaN" and "Infinity"; DynamoDB reads none of them.
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def parse_number(text: str) -> Decimal:
    """The Decimal a wire `N` holds, or the ValidationException AWS answers with."""
    if not _NUMBER.fullmatch(text):
        raise ValidationException("A value provided cannot be converted into a number")
    number = _trimmed(Decimal(text))
    if len(number.as_tuple().digits) > MAX_DIGITS:
        raise ValidationException("Attempting to store more than 38 significant digits in a Number")
    if number and number.adjusted() > _MAX_ADJUSTED:
        raise ValidationException(
            "Number overflow. Attempting to store a number with magnitude larger than supported "
            "range"
        )
    if number and number.adjusted() < _MIN_ADJUSTED:
        raise ValidationException(
            "Number underflow. Attempting to store a number with magnitude smaller than supported "
            "range"
        )
    return number


def canonical(number: Decimal) -> str:
    """The wire form DynamoDB returns: plain notation, no insignificant zeros ("1.5", "100")."""
    if not number:
        return "0"
    return format(_trimmed(number), "f")


def sort_text(number: Decimal) -> str:
    """Text whose byte order is the numeric order (used for key columns)."""
    if not number:
        return "1"
    sign, digits, _ = _trimmed(number).as_tuple()
    exponent = number.adjusted() + _EXPONENT_BIAS
    mantissa = "".join(str(d) for d in digits)
    if not sign:
        return f"2{exponent:03d}{mantissa}"
    complement = "".join(str(9 - d) for d in digits)
    # A longer mantissa with the same prefix is a more negative number: "~" sorts after digits.
    return f"0{999 - exponent:03d}{complement}~"


def _trimmed(number: Decimal) -> Decimal:
    """Without trailing zeros, exactly (Decimal.normalize would round to 28 digits)."""
    if not number:
        return Decimal(0)
    sign, digits, exponent = number.as_tuple()
    if not isinstance(exponent, int):  # NaN or Infinity: parse_number refused them
        raise ValidationException("A value provided cannot be converted into a number")
    kept = list(digits)
    while len(kept) > 1 and kept[-1] == 0:
        kept.pop()
        exponent += 1
    return Decimal((sign, tuple(kept), exponent))
