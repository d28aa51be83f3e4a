"""The ship promise a product page, live room or video states (douyin:101706): a value object
with no database and no rule evaluation, low enough for catalog, orders and every sweep to use."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time

from pledge.kernel.errors import InvalidInput

PROMISE_KINDS = ("same-day", "next-day", "hours", "presale")
END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class Promise:
    """A ship promise as stated by a product page, live room or video."""

    kind: str
    hours: int | None = None
    presale_date: date | None = None

    def __post_init__(self) -> None:
        if self.kind not in PROMISE_KINDS:
            raise InvalidInput(f"unknown promise kind {self.kind!r}; one of {', '.join(PROMISE_KINDS)}")
        if self.kind == "hours" and (self.hours is None or self.hours <= 0):
            raise InvalidInput("an hours promise needs a positive number of hours")
        if self.kind == "presale" and self.presale_date is None:
            raise InvalidInput("a presale promise needs a ship date")

    @classmethod
    def parse(cls, text: str) -> Promise:
        """'same-day', 'next-day', '48h', '72h', 'presale:2026-12-01'."""
        text = text.strip().lower()
        if text in ("same-day", "next-day"):
            return cls(text)
        if text.startswith("presale:"):
            try:
                return cls("presale", presale_date=date.fromisoformat(text.split(":", 1)[1]))
            except ValueError:
                raise InvalidInput(f"presale promise needs a date: {text!r}") from None
        if re.fullmatch(r"[0-9]{1,5}h", text):
            return cls("hours", hours=int(text[:-1]))
        raise InvalidInput(
            f"not a promise: {text!r}; use same-day, next-day, 48h, <N>h or presale:YYYY-MM-DD"
        )

    @property
    def span_hours(self) -> int:
        """The hours of an hours promise (one without them is refused when made)."""
        if self.hours is None:
            raise InvalidInput(f"a {self.kind} promise has no hours")
        return self.hours

    @property
    def ship_date(self) -> date:
        """The ship date of a presale promise (one without it is refused when made)."""
        if self.presale_date is None:
            raise InvalidInput(f"a {self.kind} promise has no ship date")
        return self.presale_date

    @property
    def code(self) -> str:
        if self.kind == "hours":
            return f"{self.hours}h"
        if self.kind == "presale":
            return f"presale:{self.ship_date.isoformat()}"
        return self.kind
