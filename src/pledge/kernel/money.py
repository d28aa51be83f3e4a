"""Money is integer fen. Rates are basis points. Rounding is always explicit.

No float ever touches money: yuan strings are parsed with Decimal, percentages are computed
on integers and rounded with the rule the clause names (platform rules round half-up to whole
yuan, douyin:aHwH9wK4JUHQ: "150 x 5% = 7.5 -> 8").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from pledge.kernel.errors import InvalidInput
from pledge.kernel.limits import MAX_AMOUNT_FEN

FEN_PER_YUAN = 100
BP_DENOMINATOR = 10_000


@dataclass(frozen=True, order=True)
class Money:
    fen: int

    def __post_init__(self) -> None:
        if not isinstance(self.fen, int) or isinstance(self.fen, bool):
            raise TypeError("Money holds integer fen only")

    @classmethod
    def from_yuan(cls, text: str | int) -> Money:
        return cls(parse_yuan(text))

    def __add__(self, other: Money) -> Money:
        return Money(self.fen + other.fen)

    def __sub__(self, other: Money) -> Money:
        return Money(self.fen - other.fen)

    def __str__(self) -> str:
        return format_yuan(self.fen)


_YUAN = re.compile(r"(0|[1-9][0-9]{0,11})(\.[0-9]{1,12})?")


def parse_yuan(text: str | int) -> int:
    """'150.00' -> 15000 fen. Plain non-negative decimals with at most two places; anything
    else (more decimals, exponents, signs, absurd sizes) is an error, never a silent rounding."""
    raw = str(text).strip()
    if not _YUAN.fullmatch(raw):
        raise InvalidInput(f"not an amount in yuan (like 19.90): {text!r}")
    fen = Decimal(raw) * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise InvalidInput(f"amount has more than two decimals: {text!r}")
    if fen > MAX_AMOUNT_FEN:
        raise InvalidInput(f"an amount of at most {format_yuan(MAX_AMOUNT_FEN)} yuan, not {text!r}")
    return int(fen)


def format_yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole}.{cents:02d}"


def round_half_up_to_yuan(fen: int, rate_bp: int) -> int:
    """fen x rate_bp / 10000, rounded half-up to a whole yuan, returned in fen."""
    if fen < 0 or rate_bp < 0:
        raise ValueError("half-up rounding is defined here for non-negative amounts")
    divisor = BP_DENOMINATOR * FEN_PER_YUAN
    return (fen * rate_bp + divisor // 2) // divisor * FEN_PER_YUAN


def format_rate(rate_bp: int) -> str:
    """100 -> '1%', 250 -> '2.5%'."""
    whole, rest = divmod(rate_bp, 100)
    return f"{whole}%" if rest == 0 else f"{whole}.{rest:02d}".rstrip("0") + "%"


def clamp(fen: int, low: int, high: int) -> int:
    return max(low, min(high, fen))


def exact_percent_yuan(fen: int, rate_bp: int) -> str:
    """fen x rate as exact yuan for explanations ('4.50', '0.9999'); display only."""
    value = Decimal(fen * rate_bp) / Decimal(BP_DENOMINATOR * FEN_PER_YUAN)
    text = format(value.normalize(), "f")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"
