"""The affiliate money rules (精选联盟推广费/服务费结算规则, douyin:aJoPPkXtaG25) as pure functions
over the rulebook: no database, no web. The quote CLI, and later the booking of commissions, use
the same functions so they cannot disagree.

- settlement base = paid + creator and platform coupons + payment subsidy − shipping − packing
  + the logistics reduction (`affiliate.base`);
- commission = base × the merchant's rate (`affiliate.commission`), half-up to the fen
  (`affiliate.rounding`, a Pledge default);
- technical service fee = commission × the rate of the creator's grade for the period of the
  order's payment (`affiliate.service-fee.*`, `affiliate.grade-period`); net = commission − fee;
- the group leader's fee and its 10 % platform fee (`affiliate.leader-fee`);
- settles 15 days after confirmed receipt, or after the proceeds if later (`affiliate.settle`);
- refunds inside the after-sales period cancel or claw back, after it the commission stands
  (`affiliate.refund`, partial refunds pro rata: `affiliate.refund.partial`);
- a 5 % reserve of the last 15 days' settled commissions (`affiliate.reserve`) and freezes of
  at most 180 days (`affiliate.freeze`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from pledge.kernel.errors import InvalidInput, NotFound
from pledge.kernel.money import BP_DENOMINATOR, format_rate, format_yuan
from pledge.rulebooks.loader import Clause, Rulebook
from pledge.settlement.policy import clauses_at, fee_of, fee_refund_of

SOURCE = "douyin:aJoPPkXtaG25"


def clause_of(book: Rulebook, kind: str, at: datetime | date) -> Clause:
    """The one clause of an affiliate kind in force at `at` (the first version before it took
    effect); a rulebook without it is a clear error, never a silent zero."""
    found = clauses_at(book, kind, at)
    if not found:
        raise NotFound(
            f"rulebook {book.name} {book.version} has no affiliate (精选联盟) clause of kind {kind!r}: "
            "it does not model creators' commissions"
        )
    if len(found) > 1:
        raise NotFound(f"rulebook {book.name} has {len(found)} '{kind}' clauses in force on {at}")
    return found[0]


@dataclass(frozen=True)
class BaseParts:
    """The order's amounts the settlement base is made of, in fen; `paid_fen` includes shipping."""

    paid_fen: int
    creator_coupon_fen: int = 0
    platform_coupon_fen: int = 0
    payment_subsidy_fen: int = 0
    shipping_fen: int = 0
    packing_fen: int = 0
    logistics_reduction_fen: int = 0

    def __post_init__(self) -> None:
        for part in fields(self):
            value = getattr(self, part.name)
            if type(value) is not int or value < 0:
                raise InvalidInput(f"{_words(part.name)} must be a non-negative amount of fen, got {value!r}")
        if self.logistics_reduction_fen > self.shipping_fen + self.packing_fen:
            raise InvalidInput(
                "the logistics reduction is the merchant's payment discount spread onto shipping and "
                "packing: it cannot exceed them"
            )

    def amount(self, name: str) -> int:
        """The part a clause names ("paid", "shipping", ...)."""
        try:
            return int(getattr(self, f"{name}_fen"))
        except AttributeError:
            raise InvalidInput(f"the settlement base names an unknown part {name!r}") from None


def _words(field_name: str) -> str:
    return field_name.removesuffix("_fen").replace("_", " ")


def base_fen(book: Rulebook, parts: BaseParts, at: datetime | date) -> int:
    """The settlement base: the parts the clause adds minus those it subtracts. Deductions larger
    than the amounts they come out of are an error, not a negative base."""
    clause = clause_of(book, "affiliate_commission_base", at)
    added = sum(parts.amount(name) for name in clause.get("adds", []))
    subtracted = sum(parts.amount(name) for name in clause.get("subtracts", []))
    if subtracted > added:
        raise InvalidInput(
            f"shipping and packing ({format_yuan(subtracted)} yuan) exceed the amount paid and the "
            f"coupons ({format_yuan(added)} yuan)"
        )
    return added - subtracted


def check_rate(rate_bp: int, name: str = "commission rate") -> int:
    if type(rate_bp) is not int or not 0 <= rate_bp <= BP_DENOMINATOR:
        raise InvalidInput(f"a {name} must be from 0% to 100%, got {rate_bp!r} basis points")
    return rate_bp


def half_up(amount_fen: int, rate_bp: int) -> int:
    """amount × rate, rounded half-up to the fen (`affiliate.rounding`, a Pledge default)."""
    return fee_of(amount_fen, rate_bp)


def commission_fen(base: int, rate_bp: int) -> int:
    """The creator's commission (推广费) = base × the merchant's rate (`affiliate.commission`)."""
    if type(base) is not int or base < 0:
        raise InvalidInput(f"a settlement base must be a non-negative amount of fen, got {base!r}")
    return half_up(base, check_rate(rate_bp))


def grade_clause(book: Rulebook, grade: str, at: datetime | date) -> Clause:
    """The service-fee clause of a creator grade ("A", "B+", "B", "C", "D"; any case)."""
    wanted = grade.strip().upper()
    clauses = clauses_at(book, "affiliate_service_fee", at)
    if not clauses:
        clause_of(book, "affiliate_service_fee", at)  # raises the clear "no affiliate clause" error
    for clause in clauses:
        if clause.get("grade") == wanted:
            return clause
    known = ", ".join(str(c.get("grade")) for c in clauses)
    raise InvalidInput(f"unknown creator grade {grade[:8]!r}; one of {known}")


def service_fee_fen(book: Rulebook, commission: int, grade: str, at: datetime | date) -> int:
    """The technical service fee the creator pays the platform: commission × the grade's rate."""
    return half_up(commission, int(grade_clause(book, grade, at).get("rate_bp")))


def creator_net_fen(commission: int, service_fee: int) -> int:
    """What the creator keeps: the commission minus the service fee (never rounded again)."""
    if not 0 <= service_fee <= commission:
        raise InvalidInput("the service fee is a share of the commission")
    return commission - service_fee


@dataclass(frozen=True)
class GradePeriod:
    """The grade that applies to an order: the one published on `published_on`, for orders paid
    from `first_day` to `last_day` (platform calendar days)."""

    published_on: date
    first_day: date
    last_day: date
    clause: Clause


def _month_day(year: int, month: int, day: int) -> date:
    year, month = (year + (month - 1) // 12, (month - 1) % 12 + 1)
    return date(year, month, day)


def grade_period(book: Rulebook, paid_at: datetime) -> GradePeriod:
    """Which month's grade an order paid at `paid_at` pays by: the 9th to the next 8th."""
    clause = clause_of(book, "affiliate_grade_period", paid_at)
    first, publish = int(clause.get("first_day")), int(clause.get("publish_day"))
    day = paid_at.astimezone(ZoneInfo(book.timezone)).date()
    shift = 0 if day.day >= first else -1
    start = _month_day(day.year, day.month + shift, first)
    end = _month_day(start.year, start.month + 1, first) - timedelta(days=1)
    return GradePeriod(_month_day(start.year, start.month, publish), start, end, clause)


@dataclass(frozen=True)
class AffiliateQuote:
    base_fen: int
    commission_fen: int
    service_fee_fen: int
    creator_net_fen: int
    rate_bp: int
    grade: str
    base: Clause
    commission: Clause
    rounding: Clause
    service_fee: Clause
    period: GradePeriod

    @property
    def clauses(self) -> tuple[Clause, ...]:
        return (self.base, self.commission, self.rounding, self.service_fee, self.period.clause)

    def explanation(self) -> str:
        fee_rate = int(self.service_fee.get("rate_bp"))
        return (
            f"commission = base × {format_rate(self.rate_bp)}; service fee = commission × "
            f"{format_rate(fee_rate)} (grade {self.grade}, for orders paid "
            f"{self.period.first_day.isoformat()} to {self.period.last_day.isoformat()}); "
            "each rounded half-up to the fen; net = commission − service fee"
        )


def quote_affiliate(
    book: Rulebook, parts: BaseParts, *, rate_bp: int, grade: str, paid_at: datetime
) -> AffiliateQuote:
    """Base, commission, service fee and the creator's net of one order line, with their clauses."""
    fee_clause = grade_clause(book, grade, paid_at)
    base = base_fen(book, parts, paid_at)
    commission = commission_fen(base, rate_bp)
    fee = service_fee_fen(book, commission, grade, paid_at)
    return AffiliateQuote(
        base_fen=base,
        commission_fen=commission,
        service_fee_fen=fee,
        creator_net_fen=creator_net_fen(commission, fee),
        rate_bp=rate_bp,
        grade=str(fee_clause.get("grade")),
        base=clause_of(book, "affiliate_commission_base", paid_at),
        commission=clause_of(book, "affiliate_commission", paid_at),
        rounding=clause_of(book, "affiliate_rounding", paid_at),
        service_fee=fee_clause,
        period=grade_period(book, paid_at),
    )


@dataclass(frozen=True)
class LeaderFee:
    fee_fen: int
    service_fee_fen: int
    net_fen: int
    clause: Clause


def leader_fee(
    book: Rulebook, base: int, *, leader_rate_bp: int, creator_rate_bp: int, at: datetime | date
) -> LeaderFee:
    """The group leader's (团长) fee = base × the leader's rate; the leader pays the platform 10 %
    of it; the two rates together may not exceed 90 %."""
    clause = clause_of(book, "affiliate_leader_fee", at)
    check_rate(leader_rate_bp, "group leader's rate")
    most = int(clause.get("combined_max_bp"))
    if check_rate(creator_rate_bp) + leader_rate_bp > most:
        raise InvalidInput(
            "the group leader's rate and the creator's commission rate together are at most "
            + format_rate(most)
        )
    fee = commission_fen(base, leader_rate_bp)
    service = half_up(fee, int(clause.get("platform_rate_bp")))
    return LeaderFee(fee, service, fee - service, clause)


def settle_after(book: Rulebook, receipt_at: datetime, proceeds_settle_at: datetime | None) -> datetime:
    """When a commission settles: 15 days after confirmed receipt (counted from that moment,
    `affiliate.settle.counting`), or when the order's proceeds settle if that is later."""
    clause = clause_of(book, "affiliate_settle", receipt_at)
    counting = clause_of(book, "affiliate_settle_counting", receipt_at)
    if counting.get("counted_from") != "confirmed_at":
        raise InvalidInput(f"{counting.id}: only counting from the moment of confirmation is implemented")
    due = receipt_at + timedelta(days=int(clause.get("days")))
    return max(due, proceeds_settle_at) if proceeds_settle_at is not None else due


class RefundOutcome(StrEnum):
    CANCELLED = "cancelled"  # inside the after-sales period, before settlement: never settled
    CLAWED_BACK = "clawed_back"  # inside the period, already settled: taken back from the reserve
    STANDS = "stands"  # after the after-sales period: the commission is kept


def refund_outcome(
    book: Rulebook,
    *,
    refunded_at: datetime,
    aftersales_ends_at: datetime,
    settled: bool,
    abnormal_receipt: bool = False,
) -> tuple[RefundOutcome, Clause]:
    """What a refund does to the commission. The after-sales period is [start, ends_at); an order
    signed for but not really received (refused, returned) counts as inside it."""
    clause = clause_of(book, "affiliate_refund", refunded_at)
    if refunded_at >= aftersales_ends_at and not abnormal_receipt:
        return RefundOutcome.STANDS, clause
    return (RefundOutcome.CLAWED_BACK if settled else RefundOutcome.CANCELLED), clause


def refunded_commission_fen(commission: int, base: int, refunded_before_fen: int, refund_fen: int) -> int:
    """The part of the commission a (partial) refund cancels or claws back, pro rata to the base;
    cumulative, so all refunds of an order together never exceed the commission
    (`affiliate.refund.partial`, a Pledge default)."""
    if min(commission, base, refunded_before_fen, refund_fen) < 0:
        raise InvalidInput("refund amounts must be non-negative")
    return fee_refund_of(commission, base, refunded_before_fen, refund_fen)


def reserve_fen(book: Rulebook, settled: Iterable[tuple[datetime, int]], at: datetime) -> int:
    """The reserve kept at `at`: 5 % of the commissions settled in the 15 days up to `at`."""
    clause = clause_of(book, "affiliate_reserve", at)
    since = at - timedelta(days=int(clause.get("window_days")))
    recent = sum(amount for when, amount in settled if since < when <= at)
    return half_up(recent, int(clause.get("rate_bp")))


def freeze_ends_at(book: Rulebook, frozen_at: datetime, days: int) -> datetime:
    """When a freeze of a violating creator's unpaid commissions ends: at most 180 days."""
    most = int(clause_of(book, "affiliate_freeze", frozen_at).get("max_days"))
    if type(days) is not int or not 1 <= days <= most:
        raise InvalidInput(f"a commission freeze lasts 1 to {most} days, not {days!r}")
    return frozen_at + timedelta(days=days)
