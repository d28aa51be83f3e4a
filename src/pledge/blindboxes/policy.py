"""Blind-box rules as pure functions over the rulebook (douyin:aHGYneqr4WDJ): which box types are
banned, what a listing must disclose, and the draw itself (an item chosen by its odds)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pledge.blindboxes.model import ODDS_TOTAL_BP, BoxItem, BoxSeries, BoxType
from pledge.kernel.errors import InvalidInput
from pledge.kernel.limits import MAX_PRICE_FEN, MAX_STOCK, NAME_MAX
from pledge.rulebooks.loader import Clause, Rulebook

RANDOM_SOURCE = "secrets.randbelow"  # the operating system's CSPRNG, named on every draw record
MAX_ITEMS = 100  # items in one series (a Pledge limit on input size, not a platform rule)


class BannedBlindBox(InvalidInput):
    code = "banned_blind_box"


def banned_clause(book: Rulebook, box_type: str, title: str, at: datetime | date) -> Clause | None:
    """The clause that bans this box: by its declared type, or by a banned kind named in its
    title (a "快递盲盒" declared as "other" is still a parcel box)."""
    for clause in book.in_force("blind_box_banned_type", at):
        if clause.get("box_type") == box_type or any(term in title for term in clause.get("terms", [])):
            return clause
    return None


def refuse_banned(book: Rulebook, box_type: str, title: str, at: datetime | date) -> None:
    if box_type not in set(BoxType):
        raise InvalidInput(f"box type is one of {', '.join(BoxType)}, not {box_type!r}")
    clause = banned_clause(book, box_type, title, at)
    if clause is not None:
        raise BannedBlindBox(
            f"{clause.get('box_type')} blind boxes may not be sold (clause {clause.id}): {clause.text_en}",
            clause=clause.id,
            box_type=clause.get("box_type"),
        )


def refuse_unsealed(book: Rulebook, series: BoxSeries, at: datetime | date) -> None:
    clause = book.one("blind_box_factory_sealed", at)
    if not series.factory_sealed:
        raise BannedBlindBox(
            f"only boxes sealed at the factory may be sold as blind boxes (clause {clause.id})",
            clause=clause.id,
        )


def _check_item(item: BoxItem, clause_id: str) -> None:
    if not item.name.strip() or len(item.name) > NAME_MAX:
        raise InvalidInput(f"every item of the series needs a name of at most {NAME_MAX} characters")
    if type(item.odds_bp) is not int or not 0 < item.odds_bp <= ODDS_TOTAL_BP:
        raise InvalidInput(
            f"item {item.name!r}: odds are disclosed as 1 to {ODDS_TOTAL_BP} basis points "
            f"(clause {clause_id})",
            clause=clause_id,
        )
    if type(item.value_fen) is not int or not 0 < item.value_fen <= MAX_PRICE_FEN:
        raise InvalidInput(
            f"item {item.name!r}: its value is disclosed in fen, 1 to {MAX_PRICE_FEN} (clause {clause_id})",
            clause=clause_id,
        )
    if type(item.quantity) is not int or not 0 < item.quantity <= MAX_STOCK:
        raise InvalidInput(
            f"item {item.name!r}: the quantity released is 1 to {MAX_STOCK} units (clause {clause_id})",
            clause=clause_id,
        )


def check_disclosure(book: Rulebook, series: BoxSeries, at: datetime | date) -> None:
    """Every item with its odds, value and quantity; the odds adding up to 100 %; a per-buyer
    limit for the series (4.5). A box without them is refused."""
    clause_id = book.one("blind_box_disclosure", at).id
    if len(series.items) < 2:
        raise InvalidInput(
            f"a blind box discloses every item of its series, at least two (clause {clause_id})",
            clause=clause_id,
        )
    if len(series.items) > MAX_ITEMS:
        raise InvalidInput(f"a series has at most {MAX_ITEMS} items")
    for item in series.items:
        _check_item(item, clause_id)
    if len({item.name.strip() for item in series.items}) != len(series.items):
        raise InvalidInput("every item of the series has its own name")
    total = sum(item.odds_bp for item in series.items)
    if total != ODDS_TOTAL_BP:
        raise InvalidInput(
            f"the odds of the series add up to {total} basis points, not {ODDS_TOTAL_BP} "
            f"(clause {clause_id})",
            clause=clause_id,
        )
    if type(series.draws_per_buyer) is not int or not 0 < series.draws_per_buyer <= MAX_STOCK:
        raise InvalidInput(
            f"a blind box discloses how many draws one buyer may make in the series (clause {clause_id})",
            clause=clause_id,
        )


def check_listing(book: Rulebook, title: str, series: BoxSeries, at: datetime | date) -> None:
    """All the listing rules, banned kinds first."""
    refuse_banned(book, series.box_type, title, at)
    refuse_unsealed(book, series, at)
    check_disclosure(book, series, at)


@dataclass(frozen=True)
class Notices:
    """The sentences a blind box's page shows prominently (4.5), in the rule's words."""

    uncertainty: str
    minors: str
    clause_ids: tuple[str, str]


def notices(book: Rulebook, at: datetime | date, lang: str = "zh") -> Notices:
    disclosure, minors = book.one("blind_box_disclosure", at), book.one("blind_box_minors", at)
    key = "notice" if lang == "zh" else "notice_en"
    return Notices(disclosure.get(key), minors.get(key), (disclosure.id, minors.id))


def draw(items: list[tuple[int, int]], roll: int) -> int:
    """The item drawn by `roll` (0 <= roll < ODDS_TOTAL_BP) among (item_id, odds_bp) in their
    listed order: each item owns a slice of the range as wide as its odds."""
    if not 0 <= roll < ODDS_TOTAL_BP:
        raise ValueError(f"roll {roll} outside 0..{ODDS_TOTAL_BP - 1}")
    upper = 0
    for item_id, odds_bp in items:
        upper += odds_bp
        if roll < upper:
            return item_id
    raise ValueError("the odds of the series do not cover the roll")


def roll(randbelow: Callable[[int], int] = secrets.randbelow) -> int:
    return randbelow(ODDS_TOTAL_BP)


def keep_until(book: Rulebook, drawn_at: datetime) -> date:
    """The first day a draw record may be deleted: `keep_years` after the draw (4.8)."""
    years = int(book.one("blind_box_draw_records", drawn_at).get("keep_years"))
    day = drawn_at.astimezone(ZoneInfo(book.timezone)).date()
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: the record is kept to 1 March
        return date(day.year + years, 3, 1)
