"""The field types of every API model and parameter, with their bounds in one place (the
figures live in kernel/limits.py, the text rules in kernel/text.py). The OpenAPI document
shows each bound, so a client knows it before it is refused.

Numbers in a JSON body are strict: `"quantity": "1"` or `true` is refused, not read as 1.
Ids in a path or a query string arrive as text and are read as whole numbers, then bounded
like any other id: a 20-digit id is a 422, never a database overflow.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, TypeAlias

from annotated_types import GroupedMetadata, Interval
from pydantic import AfterValidator, Field, Strict

from pledge.kernel import limits
from pledge.kernel.clock import FIRST_YEAR, LAST_YEAR
from pledge.kernel.text import text_problem

# ---------------------------------------------------------------- numbers


@dataclass(frozen=True)
class IntRange(GroupedMetadata):
    """A JSON integer (not '1', not true) from low to high: `Annotated[int, IntRange(1, 5)]`."""

    low: int
    high: int

    def __iter__(self) -> Iterator[object]:
        yield Strict()
        yield Interval(ge=self.low, le=self.high)


# An id in a path or a query string (text read as a number).
PathId: TypeAlias = Annotated[int, Interval(ge=1, le=limits.MAX_ID)]
# A position in a list: "after message 0" is the start.
Cursor: TypeAlias = Annotated[int, Interval(ge=0, le=limits.MAX_ID)]
# How many rows a page of a list holds (each query also keeps its own smaller maximum).
PageSize: TypeAlias = Annotated[int, Interval(ge=1, le=200)]
# An id in a JSON body.
Id: TypeAlias = Annotated[int, IntRange(1, limits.MAX_ID)]
Quantity: TypeAlias = Annotated[int, IntRange(1, limits.MAX_QUANTITY)]  # units of one SKU a buyer takes
# Units moved at once: a receipt line, a deal.
Units: TypeAlias = Annotated[int, IntRange(1, limits.MAX_UNITS_MOVED)]
UnitDelta: TypeAlias = Annotated[int, IntRange(-limits.MAX_UNITS_MOVED, limits.MAX_UNITS_MOVED)]
# Units held: a SKU's stock, a count, an alert level.
StockLevel: TypeAlias = Annotated[int, IntRange(0, limits.MAX_STOCK)]
Count: TypeAlias = Annotated[int, IntRange(0, limits.MAX_COUNT)]
Priority: TypeAlias = Annotated[int, IntRange(0, limits.MAX_COUNT)]
Days: TypeAlias = Annotated[int, IntRange(1, limits.MAX_DAYS)]
PriceFen: TypeAlias = Annotated[int, IntRange(1, limits.MAX_PRICE_FEN)]
ShippingFen: TypeAlias = Annotated[int, IntRange(0, limits.MAX_PRICE_FEN)]  # 0 = free shipping
FenAmount: TypeAlias = Annotated[int, IntRange(1, limits.MAX_AMOUNT_FEN)]  # a positive money amount
# A money amount in a query string.
FenQuery: TypeAlias = Annotated[int, Interval(ge=0, le=limits.MAX_AMOUNT_FEN)]
# A rate in basis points; the service says why a negative one or one over 100 % is refused.
RateBp: TypeAlias = Annotated[int, IntRange(-limits.MAX_RATE_BP, limits.MAX_RATE_BP)]
Stars: TypeAlias = Annotated[int, IntRange(1, 5)]
# A turnover threshold in fen or a share in bp.
TierNumber: TypeAlias = Annotated[int, IntRange(0, limits.MAX_AMOUNT_FEN)]

# Units of an order line a case claims: 0 or more than were bought is refused by the service,
# which says how many may be claimed.
ClaimedUnits: TypeAlias = Annotated[int, IntRange(0, limits.MAX_QUANTITY)]
ExtraHours: TypeAlias = Annotated[int, IntRange(0, 24 * 365)]  # hours a shop's pledge adds to a window

# ---------------------------------------------------------------- text


@dataclass(frozen=True)
class TextRule(GroupedMetadata):
    """A string refused with 422 when it breaks a rule of kernel/text.py, then trimmed:
    `Annotated[str, TextRule(80)]`."""

    max_length: int
    multiline: bool = False
    required: bool = True

    def __iter__(self) -> Iterator[object]:
        yield Strict()
        yield Field(max_length=self.max_length)
        yield AfterValidator(self.check)

    def check(self, value: str) -> str:
        problem = text_problem(
            value, max_length=self.max_length, multiline=self.multiline, required=self.required
        )
        if problem:
            raise ValueError(problem)
        return value.strip()


Title: TypeAlias = Annotated[str, TextRule(limits.TITLE_MAX)]
OptionalTitle: TypeAlias = Annotated[str, TextRule(limits.TITLE_MAX, required=False)]
Name: TypeAlias = Annotated[str, TextRule(limits.NAME_MAX)]
OptionalName: TypeAlias = Annotated[str, TextRule(limits.NAME_MAX, required=False)]
# A machine word: a kind, a reason code, a channel, a carrier.
Code: TypeAlias = Annotated[str, TextRule(limits.CODE_MAX)]
OptionalCode: TypeAlias = Annotated[str, TextRule(limits.CODE_MAX, required=False)]
Reason: TypeAlias = Annotated[str, TextRule(limits.REASON_MAX)]
Note: TypeAlias = Annotated[str, TextRule(limits.NOTE_MAX, multiline=True, required=False)]
RequiredNote: TypeAlias = Annotated[str, TextRule(limits.NOTE_MAX, multiline=True)]
Description: TypeAlias = Annotated[str, TextRule(limits.DESCRIPTION_MAX, multiline=True, required=False)]
Email: TypeAlias = Annotated[str, TextRule(limits.SECRET_MAX)]
Password: TypeAlias = Annotated[str, Strict(), Field(min_length=1, max_length=limits.SECRET_MAX)]
TrackingNo: TypeAlias = Annotated[str, TextRule(60)]  # fulfilment.shipments.tracking_no is VARCHAR(60)
Carrier: TypeAlias = Annotated[str, TextRule(30)]  # shipments.carrier is VARCHAR(30)
WarehouseCode: TypeAlias = Annotated[str, TextRule(20)]  # warehouses.code is VARCHAR(20)
LotCode: TypeAlias = Annotated[str, TextRule(40, required=False)]  # stock_lots.lot_code is VARCHAR(40)
Barcode: TypeAlias = Annotated[str, TextRule(20)]  # EAN-13 (13 digits), perhaps with spaces around
Month: TypeAlias = Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}$")]  # YYYY-MM
# ISO 8601 with an offset; parsed (and bounded) by kernel.clock.parse_iso.
IsoTime: TypeAlias = Annotated[str, TextRule(40)]
# After-sales: a note on a case decision; the statement a shop's pledge shows buyers.
CaseNote: TypeAlias = Annotated[str, TextRule(1000, multiline=True, required=False)]
PledgeStatement: TypeAlias = Annotated[str, TextRule(500, multiline=True, required=False)]
FraudNote: TypeAlias = Annotated[str, TextRule(300, multiline=True, required=False)]
DepositReference: TypeAlias = Annotated[str, TextRule(80)]  # settlement.deposits.reference is VARCHAR(80)
ProgramCode: TypeAlias = Annotated[str, TextRule(60)]  # settlement.programs.code is VARCHAR(60)
# A version name of a rulebook or a score model (2026-08-10, v3 ...), or a short key in a path.
Word: TypeAlias = Annotated[str, TextRule(limits.CODE_MAX)]


# ---------------------------------------------------------------- times


def _moment(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("needs a UTC offset, e.g. 2026-09-01T20:00:00+08:00")
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"must fall between the years {FIRST_YEAR} and {LAST_YEAR}")
    return value


# An aware time, the years kernel.clock.parse_iso accepts.
Moment: TypeAlias = Annotated[datetime, AfterValidator(_moment)]
