"""The field types of every API model and parameter, with their bounds in one place (the
figures live in kernel/limits.py, the text rules in kernel/text.py). The OpenAPI document
shows each bound, so a client knows it before it is refused.

Numbers in a JSON body are strict: `"quantity": "1"` or `true` is refused, not read as 1.
Ids in a path or a query string arrive as text and are read as whole numbers, then bounded
like any other id: a 20-digit id is a 422, never a database overflow.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from annotated_types import Interval
from pydantic import AfterValidator, Field, Strict

from pledge.kernel import limits
from pledge.kernel.clock import FIRST_YEAR, LAST_YEAR
from pledge.kernel.text import text_problem

# ---------------------------------------------------------------- numbers


def strict_int(low: int, high: int) -> object:
    """A JSON integer (not '1', not true) from low to high."""
    return Annotated[int, Strict(), Interval(ge=low, le=high)]


# An id in a path or a query string (text read as a number).
PathId = Annotated[int, Interval(ge=1, le=limits.MAX_ID)]
# A position in a list: "after message 0" is the start.
Cursor = Annotated[int, Interval(ge=0, le=limits.MAX_ID)]
# An id in a JSON body.
Id = strict_int(1, limits.MAX_ID)
Quantity = strict_int(1, limits.MAX_QUANTITY)  # units of one SKU a buyer takes
Units = strict_int(1, limits.MAX_UNITS_MOVED)  # units moved at once: a receipt line, a deal
UnitDelta = strict_int(-limits.MAX_UNITS_MOVED, limits.MAX_UNITS_MOVED)
StockLevel = strict_int(0, limits.MAX_STOCK)  # units held: a SKU's stock, a count, an alert level
Count = strict_int(0, limits.MAX_COUNT)
Priority = strict_int(0, limits.MAX_COUNT)
Days = strict_int(1, limits.MAX_DAYS)
PriceFen = strict_int(1, limits.MAX_PRICE_FEN)
FenAmount = strict_int(1, limits.MAX_AMOUNT_FEN)  # a positive money amount
FenQuery = Annotated[int, Interval(ge=0, le=limits.MAX_AMOUNT_FEN)]  # a money amount in a query string
# A rate in basis points; the service says why a negative one or one over 100 % is refused.
RateBp = strict_int(-limits.MAX_RATE_BP, limits.MAX_RATE_BP)
Stars = strict_int(1, 5)
TierNumber = strict_int(0, limits.MAX_AMOUNT_FEN)  # a turnover threshold in fen or a share in bp

# ---------------------------------------------------------------- text


def text(max_length: int, *, multiline: bool = False, required: bool = True) -> object:
    """A string type refused with 422 when it breaks a rule of kernel/text.py; trimmed."""

    def check(value: str) -> str:
        problem = text_problem(value, max_length=max_length, multiline=multiline, required=required)
        if problem:
            raise ValueError(problem)
        return value.strip()

    return Annotated[str, Strict(), Field(max_length=max_length), AfterValidator(check)]


Title = text(limits.TITLE_MAX)
OptionalTitle = text(limits.TITLE_MAX, required=False)
Name = text(limits.NAME_MAX)
OptionalName = text(limits.NAME_MAX, required=False)
Code = text(limits.CODE_MAX)  # a machine word: a kind, a reason code, a channel, a carrier
OptionalCode = text(limits.CODE_MAX, required=False)
Reason = text(limits.REASON_MAX)
Note = text(limits.NOTE_MAX, multiline=True, required=False)
RequiredNote = text(limits.NOTE_MAX, multiline=True)
Description = text(limits.DESCRIPTION_MAX, multiline=True, required=False)
Email = text(limits.SECRET_MAX)
Password = Annotated[str, Strict(), Field(min_length=1, max_length=limits.SECRET_MAX)]
TrackingNo = text(60)  # fulfilment.shipments.tracking_no is VARCHAR(60)
Carrier = text(30)  # shipments.carrier is VARCHAR(30)
WarehouseCode = text(20)  # warehouses.code is VARCHAR(20)
LotCode = text(40, required=False)  # stock_lots.lot_code is VARCHAR(40)
Barcode = text(20)  # EAN-13 (13 digits), perhaps with spaces around
Month = Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}$")]  # YYYY-MM
IsoTime = text(40)  # ISO 8601 with an offset; parsed (and bounded) by kernel.clock.parse_iso
# A version name of a rulebook or a score model (2026-08-10, v3 ...), or a short key in a path.
Word = text(limits.CODE_MAX)


# ---------------------------------------------------------------- times


def _moment(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("needs a UTC offset, e.g. 2026-09-01T20:00:00+08:00")
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"must fall between the years {FIRST_YEAR} and {LAST_YEAR}")
    return value


Moment = Annotated[
    datetime, AfterValidator(_moment)
]  # an aware time, the years kernel.clock.parse_iso accepts
