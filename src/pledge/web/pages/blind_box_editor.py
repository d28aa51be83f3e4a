"""The blind-box section of the product editor (盲盒, douyin:aHGYneqr4WDJ): on a new product the
merchant ticks "this is a blind box" and declares the series — box type, factory-sealed, draws
per buyer, and every item with its odds in percent, its value in yuan, the quantity released and
whether it is a hidden variant (4.5). The series is checked by the blind-box rules when the
product is saved (blindboxes.services.list_product) and cannot be changed after listing; the
edit page shows it as buyers see it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from starlette.datastructures import FormData

from pledge.blindboxes.model import BoxItem, BoxSeries, BoxType
from pledge.blindboxes.policy import banned_clause
from pledge.kernel.errors import InvalidInput
from pledge.kernel.limits import MAX_STOCK
from pledge.rulebooks.loader import Rulebook
from pledge.web.forms import parse_percent, yuan_field

MAX_ITEM_ROWS = 100  # blindboxes.policy.MAX_ITEMS: a series has at most this many items
BLANK_ROWS_NEW = 4  # a new box starts with this many empty item rows
BLANK_ROWS_AFTER = 2  # and keeps two spare rows when the form comes back with an error


@dataclass(frozen=True)
class ItemRow:
    """One item row as typed (odds in percent, value in yuan)."""

    name: str = ""
    odds: str = ""
    value: str = ""
    quantity: str = ""
    hidden: bool = False

    @property
    def blank(self) -> bool:
        return not (self.name or self.odds or self.value or self.quantity)


def box_types(book: Rulebook, at: datetime) -> list[str]:
    """The box types a merchant may declare: every type no banned-type clause in force names."""
    return [t.value for t in BoxType if banned_clause(book, t.value, "", at) is None]


def typed_rows(form: FormData) -> list[ItemRow]:
    names, odds = form.getlist("item_name"), form.getlist("item_odds")
    values, quantities = form.getlist("item_value"), form.getlist("item_quantity")
    hidden = form.getlist("item_hidden")

    def at(column: list, i: int) -> str:
        return str(column[i]).strip() if i < len(column) else ""

    rows = [
        ItemRow(at(names, i), at(odds, i), at(values, i), at(quantities, i), at(hidden, i) == "1")
        for i in range(min(len(names), MAX_ITEM_ROWS))
    ]
    return [row for row in rows if not row.blank]


def shown_rows(rows: list[ItemRow]) -> list[ItemRow]:
    """The rows the form shows: what was typed plus blank ones to fill in."""
    spare = BLANK_ROWS_AFTER if rows else BLANK_ROWS_NEW
    return [*rows, *[ItemRow() for _ in range(min(spare, MAX_ITEM_ROWS - len(rows)))]]


def _count(value: str, name: str, msgid: str, **where: object) -> int:
    """A count from 1 up (draws per buyer, units released), refused in the page's words."""
    if not value.isdigit() or not 1 <= int(value) <= MAX_STOCK:
        raise InvalidInput(
            f"{name}: a whole number from 1 to {MAX_STOCK}", msgid=msgid, most=MAX_STOCK, **where
        )
    return int(value)


def _item(row: ItemRow, n: int) -> BoxItem:
    if not row.name:
        raise InvalidInput(f"item {n}: a name is required", msgid="merchant.blindbox.item_name", item=n)
    try:
        odds_bp = parse_percent(row.odds, f"item {n} odds")
    except InvalidInput as exc:  # the percentage's own message, said of this item
        raise InvalidInput(exc.detail, **exc.extra, item=n) from None
    return BoxItem(
        name=row.name,
        odds_bp=odds_bp,
        value_fen=yuan_field(row.value, f"item {n} value", item=n),
        quantity=_count(row.quantity, f"item {n} quantity", "merchant.blindbox.quantity_invalid", item=n),
        hidden=row.hidden,
    )


def series_from(form: Mapping[str, object], rows: list[ItemRow]) -> BoxSeries | None:
    """The declared series, or None when the product is not a blind box. Field-level mistakes
    (an amount, a percentage) are refused here; the blind-box rules run when the product is saved."""
    if form.get("blind_box") != "on":
        return None
    draws = str(form.get("draws_per_buyer") or "").strip()
    return BoxSeries(
        box_type=str(form.get("box_type") or ""),
        factory_sealed=form.get("factory_sealed") == "on",
        draws_per_buyer=_count(draws, "draws per buyer", "merchant.blindbox.draws_invalid"),
        items=tuple(_item(row, n) for n, row in enumerate(rows, 1)),
    )


def typed_values(form: Mapping[str, object]) -> dict:
    """The blind-box fields as typed, to show again after a refusal."""
    return {
        "blind_box": form.get("blind_box") == "on",
        "box_type": str(form.get("box_type") or ""),
        "factory_sealed": form.get("factory_sealed") == "on",
        "draws_per_buyer": str(form.get("draws_per_buyer") or ""),
    }
