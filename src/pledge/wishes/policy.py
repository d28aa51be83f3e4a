"""The wisher offer's bounds (rulebook clause kind `wisher_offer_bounds`, a Pledge default: the
platform's rules say nothing of wish pools): how long a wisher price may last, how long first
access may keep a product for wishers, and how much of the product's price a wisher price may
take off. Pure: no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pledge.kernel.errors import InvalidInput
from pledge.kernel.money import format_yuan
from pledge.rulebooks.loader import Rulebook


@dataclass(frozen=True)
class OfferBounds:
    clause_id: str
    price_valid_days_max: int
    first_access_hours_max: int
    price_off_max_bp: int  # of the cheapest price the offer applies to


@dataclass(frozen=True)
class WisherOffer:
    """The merchant's choice when a demand comes true: a wisher price (so many fen off, valid
    so many days) and/or first access (only wishers may buy for so many hours). None: not offered."""

    price_off_fen: int | None = None
    valid_days: int | None = None
    first_access_hours: int | None = None


def offer_bounds(book: Rulebook, at: datetime | date) -> OfferBounds:
    clause = book.one("wisher_offer_bounds", at)
    return OfferBounds(
        clause.id,
        int(clause.get("price_valid_days_max")),
        int(clause.get("first_access_hours_max")),
        int(clause.get("price_off_max_bp")),
    )


def _within(value: object, high: int, message: str) -> None:
    if type(value) is not int or not 1 <= value <= high:
        raise InvalidInput(message)


def check_offer(bounds: OfferBounds, offer: WisherOffer, *, cheapest_fen: int) -> None:
    """Refuse an offer outside the bounds: a wisher price needs its days and takes off at most
    price_off_max_bp of the cheapest price it applies to; first access lasts 1 to N hours."""
    if offer.price_off_fen is None and offer.first_access_hours is None:
        raise InvalidInput("a wisher offer is a wisher price, first access, or both")
    if (offer.price_off_fen is None) != (offer.valid_days is None):
        raise InvalidInput("a wisher price needs both its amount and the days it is valid")
    clause = bounds.clause_id
    if offer.price_off_fen is not None:
        high = cheapest_fen * bounds.price_off_max_bp // 10_000  # rounded down: never more off
        if high < 1:
            raise InvalidInput(
                f"a price of {format_yuan(cheapest_fen)} yuan leaves no room for a wisher price"
            )
        _within(
            offer.price_off_fen,
            high,
            f"a wisher price takes off from 0.01 to {format_yuan(high)} yuan (clause {clause})",
        )
        days = bounds.price_valid_days_max
        _within(offer.valid_days, days, f"a wisher price is valid from 1 to {days} days (clause {clause})")
    if offer.first_access_hours is not None:
        hours = bounds.first_access_hours_max
        _within(
            offer.first_access_hours, hours, f"first access lasts from 1 to {hours} hours (clause {clause})"
        )
