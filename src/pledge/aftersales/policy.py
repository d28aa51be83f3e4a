"""Pure after-sales rule evaluation (RULES.md §3): the 7-day no-reason window, exclusions,
instant refund, damage windows and shares, review deadlines. A shop's own pledge can only
make an outcome more generous than the rulebook, never less."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from pledge.kernel.clock import ensure_utc, local_time, zone
from pledge.kernel.errors import InvalidInput
from pledge.kernel.money import format_rate, format_yuan
from pledge.rulebooks.loader import Clause, Rulebook

FLAG_NAMES = {"perishable": ("鲜活易腐", "perishable"), "custom_made": ("定作", "custom-made"),
              "blind_box": ("盲盒", "blind box")}


@dataclass(frozen=True)
class ShopPledge:
    """What a shop promises beyond the platform (a florist: every damaged stem is paid)."""

    per_unit_damage: bool = False  # refund damaged units pro rata when that beats the band
    no_evidence_for_declared: bool = False  # buyers marked by the shop or who cannot upload
    damage_window_extra_hours: int = 0
    return_window_extra_hours: int = 0

    def __post_init__(self) -> None:
        if self.damage_window_extra_hours < 0 or self.return_window_extra_hours < 0:
            raise InvalidInput("a shop pledge can lengthen the rulebook's windows, never shorten them")


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    deadline: datetime | None
    reason: str
    clause: Clause | None


def return_deadline(book: Rulebook, signed_at: datetime, tz: str, extra_hours: int = 0) -> tuple[datetime, Clause]:
    """168 h from 00:00 (shop timezone) of the day after sign-off (douyin:aJmEsBoSPU5g). The
    hours are elapsed hours, added in UTC: aware-datetime arithmetic in a zone adds wall-clock
    time, which is an hour off across a daylight-saving change."""
    clause = book.one("return_window", signed_at)
    local = local_time(signed_at, tz)
    start = datetime.combine(local.date() + timedelta(days=1), time(0, 0), tzinfo=zone(tz))
    return ensure_utc(start) + timedelta(hours=clause.get("hours") + extra_hours), clause


def no_reason_return(book: Rulebook, *, flags: set[str], signed_at: datetime | None, tz: str, now: datetime,
                     pledge: ShopPledge = ShopPledge()) -> Eligibility:
    exclusion = book.one("return_exclusion", now)
    excluded = sorted(set(exclusion.get("flags", [])) & flags)
    if excluded:
        names = ", ".join(FLAG_NAMES.get(f, (f, f))[1] for f in excluded)
        return Eligibility(False, None, f"{names} goods are excluded from 7-day no-reason returns ({exclusion.id})", exclusion)
    if signed_at is None:
        return Eligibility(False, None, "the parcel has not been signed for yet; the 7 days start after sign-off", None)
    deadline, clause = return_deadline(book, signed_at, tz, pledge.return_window_extra_hours)
    if now > deadline:
        return Eligibility(False, deadline, f"the 7-day window closed at {deadline.isoformat()} ({clause.id})", clause)
    return Eligibility(True, deadline, f"within the 7-day window until {deadline.isoformat()} ({clause.id})", clause)


def instant_refund(book: Rulebook, *, flags: set[str], paid_fen: int, shipped: bool, at: datetime) -> Eligibility:
    clause = book.one("instant_refund", at)
    if shipped:
        return Eligibility(False, None, f"instant refund is only possible before shipment ({clause.id})", clause)
    excluded = sorted(set(clause.get("excluded_flags", [])) & flags)
    if excluded:
        names = ", ".join(FLAG_NAMES.get(f, (f, f))[1] for f in excluded)
        return Eligibility(False, None, f"{names} goods have no instant refund ({clause.id})", clause)
    if paid_fen > clause.get("max_fen"):
        return Eligibility(False, None, f"orders over {format_yuan(clause.get('max_fen'))} yuan have no instant refund ({clause.id})", clause)
    return Eligibility(True, None, f"not shipped, {format_yuan(paid_fen)} ≤ {format_yuan(clause.get('max_fen'))} ({clause.id})", clause)


def damage_window(book: Rulebook, *, reason: str, signed_at: datetime | None, now: datetime,
                  pledge: ShopPledge = ShopPledge()) -> Eligibility:
    found = [c for c in book.in_force("damage_window", now) if c.get("reason") == reason]
    if not found:
        raise InvalidInput(f"unknown damage reason {reason!r}")
    clause = found[0]
    if signed_at is None:
        return Eligibility(False, None, "a damage claim starts after the parcel is signed for", clause)
    deadline = ensure_utc(signed_at) + timedelta(hours=clause.get("hours") + pledge.damage_window_extra_hours)
    extra = f" + {pledge.damage_window_extra_hours} h shop pledge" if pledge.damage_window_extra_hours else ""
    if now > deadline:
        return Eligibility(False, deadline, f"claims for {reason} close {clause.get('hours')} h{extra} after sign-off, at "
                                            f"{deadline.isoformat()} ({clause.id})", clause)
    return Eligibility(True, deadline, f"within {clause.get('hours')} h{extra} of sign-off ({clause.id})", clause)


@dataclass(frozen=True)
class DamageQuote:
    amount_fen: int
    share_bp: int  # share of the amount paid that is refunded
    clause: Clause
    explanation: str
    pledge_applied: bool


def _half_up_div(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def damage_refund(book: Rulebook, *, paid_fen: int, units: int, damaged: int, at: datetime,
                  pledge: ShopPledge = ShopPledge()) -> DamageQuote:
    """Refund by the share of damaged units (douyin:aJn4bujNmDDo): ≤30% → 30%, ≤50% → 50%,
    more → 100% of the amount paid for them, rounded half-up to the fen."""
    if units <= 0 or damaged <= 0 or damaged > units:
        raise InvalidInput(f"damaged units must be between 1 and {units}")
    if paid_fen < 0:
        raise InvalidInput("the amount paid cannot be negative")
    # share compared exactly as damaged/units against min/max basis points
    chosen = None
    for clause in book.in_force("damage_share", at):
        low, high = clause.get("min_share_bp"), clause.get("max_share_bp")
        above = low is None or damaged * 10_000 > low * units
        within = high is None or damaged * 10_000 <= high * units
        if above and within:
            chosen = clause
    if chosen is None:
        raise InvalidInput("the rulebook has no damage share bracket for this claim")
    refund_bp = chosen.get("refund_bp")
    amount = _half_up_div(paid_fen * refund_bp, 10_000)
    text = (f"{damaged} of {units} units damaged → clause {chosen.id}: {format_rate(refund_bp)} of "
            f"{format_yuan(paid_fen)} = {format_yuan(amount)} [{chosen.source}]")
    pledge_applied = False
    if pledge.per_unit_damage:
        per_unit = _half_up_div(paid_fen * damaged, units)
        if per_unit > amount:
            text += f"; the shop's pledge pays every damaged unit: {damaged}/{units} of {format_yuan(paid_fen)} = {format_yuan(per_unit)}"
            amount, refund_bp, pledge_applied = per_unit, _half_up_div(damaged * 10_000, units), True
    return DamageQuote(amount, refund_bp, chosen, text, pledge_applied)


def review_deadline(book: Rulebook, case_type: str, requested_at: datetime) -> tuple[datetime, Clause]:
    for clause in book.in_force("merchant_review", requested_at):
        if case_type in clause.get("case_types", []):
            return requested_at + timedelta(hours=clause.get("hours")), clause
    raise InvalidInput(f"the rulebook sets no review time for {case_type}")


def timer(book: Rulebook, kind: str, start: datetime) -> tuple[datetime, Clause]:
    clause = book.one(kind, start)
    return start + timedelta(hours=clause.get("hours")), clause
