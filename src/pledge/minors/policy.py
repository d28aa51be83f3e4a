"""Minors' purchases as pure functions over the rulebook: a person's age in whole years on a
Beijing day, who may buy a blind box (douyin:aHGYneqr4WDJ 4.5: under 8 no, 8 to 18 only with a
guardian's consent), and the spending limits for buyers under 18 (a Pledge default)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pledge.kernel.errors import Forbidden
from pledge.kernel.money import format_yuan
from pledge.rulebooks.loader import Rulebook


class MinorRestricted(Forbidden):
    """A purchase the rules for minors refuse; `clause` names the rule."""

    code = "minor_restricted"


def beijing_day(book: Rulebook, at: datetime) -> date:
    return at.astimezone(ZoneInfo(book.timezone)).date()


def age_on(born: date, day: date) -> int:
    """Whole years (周岁) on `day`: one more on each birthday. Someone born on 29 February turns
    a year older on 1 March in years without one (28 February is still the day before)."""
    before_birthday = (day.month, day.day) < (born.month, born.day)
    return day.year - born.year - (1 if before_birthday else 0)


@dataclass(frozen=True)
class SpendingLimits:
    clause_id: str
    adult_years: int
    per_order_fen: int
    per_month_fen: int


def spending_limits(book: Rulebook, at: datetime) -> SpendingLimits:
    clause = book.one("minor_spending_limits", at)
    return SpendingLimits(
        clause.id,
        int(clause.get("adult_years")),
        int(clause.get("per_order_fen")),
        int(clause.get("per_month_fen")),
    )


def refuse_blind_box(book: Rulebook, age: int | None, consented: bool, at: datetime) -> None:
    """Raise unless this buyer may buy a blind box: an age is needed (a birth date on the
    account), under `refuse_under_years` never, under `consent_under_years` only with a guardian's
    recorded consent."""
    clause = book.one("blind_box_minors", at)
    refuse_under, consent_under = (
        int(clause.get("refuse_under_years")),
        int(clause.get("consent_under_years")),
    )
    if age is None:
        raise MinorRestricted(
            f"blind boxes are sold only to buyers whose birth date is on their account (clause {clause.id})",
            clause=clause.id,
            reason="birth_date_required",
        )
    if age < refuse_under:
        raise MinorRestricted(
            f"blind boxes are not sold to children under {refuse_under} (clause {clause.id})",
            clause=clause.id,
            reason="under_age",
        )
    if age < consent_under and not consented:
        raise MinorRestricted(
            f"buyers from {refuse_under} to {consent_under} need a guardian's consent for blind boxes "
            f"(clause {clause.id})",
            clause=clause.id,
            reason="guardian_consent_required",
        )


def refuse_over_limits(limits: SpendingLimits, order_totals: list[int], spent_this_month: int) -> None:
    """A minor's orders each within the per-order limit, and the month's total with them within
    the monthly one."""
    for paid in order_totals:
        if paid > limits.per_order_fen:
            raise MinorRestricted(
                f"buyers under {limits.adult_years} may pay at most "
                f"¥{format_yuan(limits.per_order_fen)} per order (clause {limits.clause_id})",
                clause=limits.clause_id,
                reason="per_order_limit",
                limit_fen=limits.per_order_fen,
            )
    if spent_this_month + sum(order_totals) > limits.per_month_fen:
        raise MinorRestricted(
            f"buyers under {limits.adult_years} may pay at most ¥{format_yuan(limits.per_month_fen)} a month "
            f"and have paid ¥{format_yuan(spent_this_month)} this month (clause {limits.clause_id})",
            clause=limits.clause_id,
            reason="per_month_limit",
            limit_fen=limits.per_month_fen,
            spent_fen=spent_this_month,
        )
