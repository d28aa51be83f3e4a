"""Commission arithmetic from the rulebook alone: the base, the category rate in force, the
programs that lower it, fee refunds pro rata and turnover rebate tiers. No database here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pledge.kernel.clock import FIRST_YEAR, LAST_YEAR
from pledge.kernel.errors import InvalidInput
from pledge.kernel.money import BP_DENOMINATOR
from pledge.rulebooks.loader import Clause, Rulebook

FUNDERS = ("platform", "creator", "merchant")
PROGRAM_KINDS = ("category_waiver", "task_waiver", "new_merchant", "turnover_rebate")
WAIVER_KINDS = ("category_waiver", "task_waiver", "new_merchant")


def fee_of(base_fen: int, rate_bp: int) -> int:
    """base × rate, rounded half-up to the fen (commission.rounding)."""
    return (base_fen * rate_bp + BP_DENOMINATOR // 2) // BP_DENOMINATOR


def commission_base(
    paid_fen: int,
    *,
    platform_coupon_fen: int = 0,
    creator_coupon_fen: int = 0,
    payment_subsidy_fen: int = 0,
    merchant_discount_fen: int = 0,
) -> int:
    """Paid (incl. shipping) + platform and creator coupons + payment subsidies; a merchant-funded
    discount is not counted (it is only accepted to say so explicitly)."""
    for name, value in (
        ("paid", paid_fen),
        ("platform coupon", platform_coupon_fen),
        ("creator coupon", creator_coupon_fen),
        ("payment subsidy", payment_subsidy_fen),
        ("merchant discount", merchant_discount_fen),
    ):
        if type(value) is not int or value < 0:
            raise InvalidInput(f"{name} must be a non-negative amount of fen, got {value!r}")
    return paid_fen + platform_coupon_fen + creator_coupon_fen + payment_subsidy_fen


def base_rate(book: Rulebook, categories: Iterable[str], at: datetime | date) -> Clause:
    """The rate clause for the first of `categories` (most specific first) the table names,
    else the Pledge default."""
    if not book.in_force("commission_rate_default", at):  # paid before the table took effect: the first table
        at = min(c.effective for c in book.clauses if c.kind == "commission_rate_default")
    clauses = book.in_force("commission_rate", at)
    for name in categories:
        for clause in clauses:
            if name in clause.get("categories", []):
                return clause
    return book.one("commission_rate_default", at)


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split `total` fen over `weights` pro rata; the remainder goes to the largest remainders
    first (ties to the earlier line), so the parts always sum to the total."""
    whole = sum(weights)
    if whole <= 0:
        return [0] * len(weights)
    parts = [total * w // whole for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def fee_refund_of(fee_fen: int, paid_fen: int, refunded_before_fen: int, refund_fen: int) -> int:
    """The fee a refund returns: fee × (refunded so far incl. this one) / paid, minus the same
    before it. The parts telescope, so all refunds of an order together never return more than
    the fee, whatever order they are booked in."""
    if paid_fen <= 0:
        return 0
    after = min(refunded_before_fen + refund_fen, paid_fen)
    before = min(refunded_before_fen, paid_fen)
    return fee_fen * after // paid_fen - fee_fen * before // paid_fen


@dataclass(frozen=True)
class Program:
    id: int
    code: str
    kind: str
    name: str
    rate_bp: int | None
    categories: tuple[str, ...]
    shop_id: int | None
    channel: str | None
    params: dict[str, Any]
    starts_at: datetime
    ends_at: datetime | None
    requires_application: bool
    version: int

    def in_force(self, at: datetime) -> bool:
        return self.starts_at <= at and (self.ends_at is None or at < self.ends_at)

    def covers(self, *, shop_id: int, channel: str, categories: Iterable[str]) -> bool:
        if self.shop_id is not None and self.shop_id != shop_id:
            return False
        if self.channel is not None and self.channel != channel:
            return False
        return not self.categories or any(c in self.categories for c in categories)

    def tiers(self) -> list[tuple[int, int]]:
        return [(int(t[0]), int(t[1])) for t in self.params.get("tiers", [])]


@dataclass(frozen=True)
class ShopFacts:
    """What waivers may depend on besides the order: when the shop joined, the programs it was
    approved for, and how many orders it had per (month, channel)."""

    joined_at: datetime
    approved: frozenset[int] = frozenset()
    orders_by_month_channel: dict[tuple[str, str], int] = field(default_factory=dict)


def previous_month(month: str) -> str:
    y, m = int(month[:4]), int(month[5:7])
    return f"{y - 1}-12" if m == 1 else f"{y}-{m - 1:02d}"


def next_month(month: str) -> str:
    y, m = int(month[:4]), int(month[5:7])
    return f"{y + 1}-01" if m == 12 else f"{y}-{m + 1:02d}"


def month_bounds(month: str, tz: str) -> tuple[datetime, datetime]:
    """[start, end) of a platform-calendar month, in UTC."""
    try:
        y, m = int(month[:4]), int(month[5:7])
        if len(month) != 7 or month[4] != "-" or not 1 <= m <= 12 or not FIRST_YEAR <= y <= LAST_YEAR:
            raise ValueError
    except ValueError:
        raise InvalidInput(f"a month is written YYYY-MM, got {month!r}") from None
    z = ZoneInfo(tz)
    following = next_month(month)
    start = datetime(y, m, 1, tzinfo=z)
    end = datetime(int(following[:4]), int(following[5:7]), 1, tzinfo=z)
    return start.astimezone(UTC), end.astimezone(UTC)


def waiver_applies(
    program: Program, facts: ShopFacts, *, paid_at: datetime, month: str, channel: str
) -> bool:
    if program.requires_application and program.id not in facts.approved:
        return False
    if program.kind == "new_merchant":
        return paid_at < facts.joined_at + timedelta(days=int(program.params.get("days", 0)))
    if program.kind == "task_waiver":  # finish the task last month, pay the reduced rate this month
        wanted = int(program.params.get("task_orders", 0))
        done = facts.orders_by_month_channel.get((previous_month(month), program.channel or channel), 0)
        return done >= wanted
    return program.kind == "category_waiver"


@dataclass(frozen=True)
class LineRate:
    standard: Clause
    rate_bp: int
    program: Program | None


def line_rate(
    book: Rulebook,
    programs: list[Program],
    facts: ShopFacts,
    *,
    categories: list[str],
    shop_id: int,
    channel: str,
    paid_at: datetime,
    month: str,
) -> LineRate:
    """The category's rate, lowered by the best waiver that applies (the lowest residual rate)."""
    standard = base_rate(book, categories, paid_at)
    best: LineRate = LineRate(standard, int(standard.get("rate_bp")), None)
    for p in programs:
        if p.kind not in WAIVER_KINDS or p.rate_bp is None or not p.in_force(paid_at):
            continue
        if not p.covers(shop_id=shop_id, channel=channel, categories=categories):
            continue
        if p.rate_bp < best.rate_bp and waiver_applies(
            p, facts, paid_at=paid_at, month=month, channel=channel
        ):
            best = LineRate(standard, p.rate_bp, p)
    return best


def rebate_tier(tiers: list[tuple[int, int]], turnover_fen: int) -> tuple[int, int]:
    """(min turnover, share in bp) of the highest tier reached, or (0, 0)."""
    reached = [t for t in sorted(tiers) if turnover_fen >= t[0]]
    return reached[-1] if reached else (0, 0)


def validate_tiers(tiers: list) -> list[list[int]]:
    out = []
    for t in tiers:
        if not isinstance(t, (list, tuple)) or len(t) != 2 or not all(type(v) is int for v in t):
            raise InvalidInput(f"a rebate tier is [minimum turnover in fen, share of fees in bp], got {t!r}")
        if t[0] < 0 or not 0 <= t[1] <= BP_DENOMINATOR:
            raise InvalidInput(
                f"a rebate tier needs a turnover ≥ 0 and a share between 0 and 10000 bp, got {t!r}"
            )
        out.append([t[0], t[1]])
    if [t[0] for t in out] != sorted({t[0] for t in out}):
        raise InvalidInput("rebate tiers must have strictly increasing turnovers")
    if [t[1] for t in out] != sorted(t[1] for t in out):
        raise InvalidInput(
            "a higher rebate tier cannot return less (the more you sell, the more is returned)"
        )
    return out


# ------------------------------------------------------------------ category tables, first versions

PATH_SEPARATOR = " > "


def clauses_at(book: Rulebook, kind: str, at: datetime | date) -> list[Clause]:
    """The clauses of a kind in force at `at`; before the first version took effect, that first
    version (the earliest text Pledge holds), so an old order is still judged by a named clause."""
    found = book.in_force(kind, at)
    if found:
        return found
    dated = [c for c in book.clauses if c.kind == kind]
    if not dated:
        return []
    return book.in_force(kind, min(c.effective for c in dated))


def listed_in(clause: Clause, names: Iterable[str]) -> bool:
    """Does a category table clause (`paths` like "农资园艺 > 鲜活植物 > 花卉盆栽") list the
    category or its parent (a sub-category of a listed category belongs to it)? A path names its
    last level; a category matches by that name."""
    paths = clause.get("paths", [])
    leaves = {p.split(PATH_SEPARATOR)[-1] for p in paths} | set(clause.get("categories", []))
    leaves |= {alt for leaf in list(leaves) if "/" in leaf for alt in leaf.split("/") if len(alt) >= 2}
    return any(form in leaves or form in paths for n in names if n for form in _name_forms(n))


def _name_forms(name: str) -> tuple[str, ...]:
    """A category as the caller wrote it: a name (玫瑰), or a path in any spacing
    (农资园艺>鲜活植物>花卉盆栽), which also stands for its last level. A table leaf that lists
    alternatives (月季/蔷薇/玫瑰) matches each of them."""
    levels = [level.strip() for level in name.split(">") if level.strip()]
    if len(levels) <= 1:
        return (name.strip(),)
    return (PATH_SEPARATOR.join(levels), levels[-1])


def highest_listed(clauses: Iterable[Clause], names: list[str], amount_key: str) -> Clause | None:
    """The clause with the highest `amount_key` among those that list the category (a name the
    table lists under several parents, like 手镯, takes the highest: see deposit.category.highest)."""
    found = [c for c in clauses if listed_in(c, names)]
    return max(found, key=lambda c: int(c.get(amount_key)), default=None)
