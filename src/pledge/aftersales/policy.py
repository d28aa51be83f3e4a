"""Pure after-sales rule evaluation (RULES.md §3): the 7-day no-reason window, exclusions,
instant refund, review and escalation deadlines, the no-pickup auto-refund, who pays a damage
claim and how much, and what shipping insurance pays for a return. Days and midnights are the
platform's (the rulebook's zone, Asia/Shanghai), never the shop's own zone. A shop's own pledge
can only make an outcome more generous than the rulebook, never less."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TypeAlias

from pledge.aftersales.model import DAMAGE_REASONS
from pledge.kernel.clock import ensure_utc, local_time, zone
from pledge.kernel.errors import InvalidInput
from pledge.kernel.money import format_rate, format_yuan
from pledge.rulebooks.loader import Clause, Rulebook

FLAG_NAMES = {
    "perishable": ("鲜活易腐", "perishable"),
    "custom_made": ("定作", "custom-made"),
    "blind_box": ("盲盒", "blind box"),
}
DAMAGE_SERVICE = "damage_service"  # 坏了包退官方保障 (douyin:aJn4bujNmDDo)
SHOP_PLEDGE = "shop_pledge"  # a damage refund the shop itself promises


@dataclass(frozen=True)
class ShopPledge:
    """What a shop promises beyond the platform (the florist: every damaged stem is paid; the
    fruit seller: rotten or insect-damaged fruit is refunded by the former guarantee's table)."""

    per_unit_damage: bool = False  # refund damaged units pro rata
    no_evidence_for_declared: bool = False  # buyers marked by the shop or who cannot upload
    damage_window_extra_hours: int = 0
    return_window_extra_hours: int = 0
    damage_share_table: bool = False  # refund by the 坏了包退 share table (30/50/100 %)
    damage_reasons: frozenset[str] = (
        frozenset()
    )  # reasons the pledge pays; empty: every reason that fits the goods

    def __post_init__(self) -> None:
        if self.damage_window_extra_hours < 0 or self.return_window_extra_hours < 0:
            raise InvalidInput("a shop pledge can lengthen the rulebook's windows, never shorten them")
        reasons = frozenset(self.damage_reasons)
        unknown = sorted(reasons - set(DAMAGE_REASONS))
        if unknown:
            raise InvalidInput(
                f"unknown damage reason(s) {', '.join(unknown)}; one of {', '.join(DAMAGE_REASONS)}"
            )
        object.__setattr__(self, "damage_reasons", reasons)

    @property
    def pays_damage(self) -> bool:
        return self.per_unit_damage or self.damage_share_table

    def covers(self, reason: str) -> bool:
        return self.pays_damage and (not self.damage_reasons or reason in self.damage_reasons)


# How the return window counts: from 00:00 after sign-off in the rulebook's zone (the platform's,
# which for the books shipped is also the merchants' local time).
NEXT_MIDNIGHT = ("next_platform_midnight", "next_local_midnight")


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    deadline: datetime | None
    reason: str
    clause: Clause | None


def return_deadline(book: Rulebook, signed_at: datetime, extra_hours: int = 0) -> tuple[datetime, Clause]:
    """168 h from 00:00 platform time of the day after sign-off (douyin:aJmEsBoSPU5g: 物流显示签收
    商品的次日零时起168小时): the rulebook's zone decides the midnight, whatever the shop's own
    zone. The hours are elapsed hours, added in UTC."""
    clause = book.one("return_window", signed_at)
    if clause.get("counted_from") not in NEXT_MIDNIGHT:
        raise InvalidInput(
            f"{clause.id}: counted_from {clause.get('counted_from')!r} is not one of {NEXT_MIDNIGHT}"
        )
    local = local_time(signed_at, book.timezone)
    start = datetime.combine(local.date() + timedelta(days=1), time(0, 0), tzinfo=zone(book.timezone))
    return ensure_utc(start) + timedelta(hours=clause.get("hours") + extra_hours), clause


def no_reason_return(
    book: Rulebook,
    *,
    flags: set[str],
    signed_at: datetime | None,
    now: datetime,
    pledge: ShopPledge = ShopPledge(),
) -> Eligibility:
    exclusion = book.one("return_exclusion", now)
    excluded = sorted(set(exclusion.get("flags", [])) & flags)
    if excluded:
        names = ", ".join(FLAG_NAMES.get(f, (f, f))[1] for f in excluded)
        return Eligibility(
            False,
            None,
            f"{names} goods are excluded from 7-day no-reason returns ({exclusion.id})",
            exclusion,
        )
    if signed_at is None:
        return Eligibility(
            False, None, "the parcel has not been signed for yet; the 7 days start after sign-off", None
        )
    deadline, clause = return_deadline(book, signed_at, pledge.return_window_extra_hours)
    if now > deadline:
        return Eligibility(
            False, deadline, f"the 7-day window closed at {deadline.isoformat()} ({clause.id})", clause
        )
    return Eligibility(
        True, deadline, f"within the 7-day window until {deadline.isoformat()} ({clause.id})", clause
    )


def instant_refund(
    book: Rulebook, *, flags: set[str], paid_fen: int, shipped: bool, paid_at: datetime
) -> Eligibility:
    """The version in force when the order was paid decides (douyin:aJmtW2ombFf1): a cap of
    8000 yuan paid until 2026-07-08, none for orders paid from 2026-07-09."""
    clause = book.one("instant_refund", paid_at)
    if shipped:
        return Eligibility(
            False, None, f"instant refund is only possible before shipment ({clause.id})", clause
        )
    excluded = sorted(set(clause.get("excluded_flags", [])) & flags)
    if excluded:
        names = ", ".join(FLAG_NAMES.get(f, (f, f))[1] for f in excluded)
        return Eligibility(False, None, f"{names} goods have no instant refund ({clause.id})", clause)
    cap = clause.get("max_fen")
    if cap is None:
        return Eligibility(
            True,
            None,
            f"not shipped; no amount cap for orders paid from {clause.effective} ({clause.id})",
            clause,
        )
    if paid_fen > cap:
        return Eligibility(
            False, None, f"orders over {format_yuan(cap)} yuan have no instant refund ({clause.id})", clause
        )
    return Eligibility(
        True, None, f"not shipped, {format_yuan(paid_fen)} ≤ {format_yuan(cap)} ({clause.id})", clause
    )


def _for_service(clauses: list[Clause], service: str | None) -> list[Clause]:
    """Clauses that apply to a case of `service` (None: an ordinary case); a service's own
    clause comes before the general one."""
    found = [c for c in clauses if c.get("service") in (None, service)]
    return sorted(found, key=lambda c: c.get("service") is None)


def review_deadline(
    book: Rulebook, case_type: str, requested_at: datetime, service: str | None = None
) -> tuple[datetime, Clause]:
    """The 24 h of douyin:aJn4bujNmDDo 2.2.1 bind claims of the 坏了包退 guarantee only; every
    other case, a shop-pledged damage claim included, has the general review time."""
    found = _for_service(
        [c for c in book.in_force("merchant_review", requested_at) if case_type in c.get("case_types", [])],
        service,
    )
    if not found:
        raise InvalidInput(f"the rulebook sets no review time for {case_type}")
    return requested_at + timedelta(hours=found[0].get("hours")), found[0]


def escalation_deadline(
    book: Rulebook, rejected_at: datetime, service: str | None = None
) -> tuple[datetime, Clause]:
    """How long a rejected buyer may ask the platform to step in (douyin:aJn4bujNmDDo 4.3 for
    the guarantee's claims; a Pledge default for every other case)."""
    found = _for_service(book.in_force("escalation_window", rejected_at), service)
    if not found:
        raise InvalidInput("the rulebook sets no time to ask the platform to step in")
    return rejected_at + timedelta(hours=found[0].get("hours")), found[0]


def timer(book: Rulebook, kind: str, start: datetime) -> tuple[datetime, Clause]:
    clause = book.one(kind, start)
    return start + timedelta(hours=clause.get("hours")), clause


def no_pickup_refund(
    book: Rulebook, *, case_type: str, shipped_at: datetime | None, picked_up_at: datetime | None
) -> tuple[datetime, Clause] | None:
    """douyin:aHwH9wK4Je2N 二.2.(3): tracking uploaded (the ship click) and no pickup scan 48 h
    later → a refund request is approved automatically. Returns when the request becomes
    automatic, with its clause, or None where the rule does not apply (picked up, not shipped,
    another case type, a rulebook without the rule)."""
    if shipped_at is None or picked_up_at is not None:
        return None
    found = [
        c for c in book.in_force("no_pickup_auto_refund", shipped_at) if case_type in c.get("case_types", [])
    ]
    if not found:
        return None
    return shipped_at + timedelta(hours=found[0].get("hours")), found[0]


# ---------------------------------------------------------------- damage claims


def category_groups(book: Rulebook, categories: list[str] | tuple[str, ...], at: datetime) -> set[str]:
    """The damage category groups (fresh produce, fresh animal goods) of a product whose category
    and first-level category are `categories`."""
    names = {c for c in categories if c}
    return {
        c.get("group")
        for c in book.in_force("damage_category_group", at)
        if names & set(c.get("categories", []))
    }


def damage_reasons(book: Rulebook, categories: list[str] | tuple[str, ...], at: datetime) -> list[str]:
    """The damage reasons that fit goods of these categories: breakage fits anything, rot fits
    fresh goods, thawed/dead fits meat, frozen food and seafood (no "thawed" umbrella)."""
    groups = category_groups(book, categories, at)
    return [
        c.get("reason")
        for c in book.in_force("damage_window", at)
        if not c.get("groups") or groups & set(c.get("groups"))
    ]


def damage_window(
    book: Rulebook,
    *,
    reason: str,
    signed_at: datetime | None,
    now: datetime,
    pledge: ShopPledge = ShopPledge(),
) -> Eligibility:
    found = [c for c in book.in_force("damage_window", now) if c.get("reason") == reason]
    if not found:
        raise InvalidInput(f"unknown damage reason {reason!r}")
    clause = found[0]
    if signed_at is None:
        return Eligibility(False, None, "a damage claim starts after the parcel is signed for", clause)
    deadline = ensure_utc(signed_at) + timedelta(hours=clause.get("hours") + pledge.damage_window_extra_hours)
    extra = f" + {pledge.damage_window_extra_hours} h shop pledge" if pledge.damage_window_extra_hours else ""
    if now > deadline:
        return Eligibility(
            False,
            deadline,
            f"claims for {reason} close {clause.get('hours')} h{extra} after sign-off, at "
            f"{deadline.isoformat()} ({clause.id})",
            clause,
        )
    return Eligibility(
        True, deadline, f"within {clause.get('hours')} h{extra} of sign-off ({clause.id})", clause
    )


@dataclass(frozen=True)
class DamageCover:
    """Who pays a damage claim: the platform's 坏了包退 guarantee, the shop's own pledge, or
    nobody (then only an ordinary refund or return case applies)."""

    basis: str | None  # DAMAGE_SERVICE | SHOP_PLEDGE | None
    clause: Clause | None
    reason: str

    @property
    def covered(self) -> bool:
        return self.basis is not None


def _official_names(book: Rulebook, groups: list[str], at: datetime) -> str:
    names = [
        n
        for c in book.in_force("damage_category_group", at)
        if c.get("group") in groups
        for n in c.get("official", c.get("categories", []))
    ]
    return ", ".join(names)


def _guarantee(
    book: Rulebook, *, categories: list[str] | tuple[str, ...], badged: bool, paid_at: datetime, reason: str
) -> tuple[Clause | None, str]:
    """(the guarantee's clause if it covers this claim, why or why not). The version in force
    on the day the order was paid decides (douyin:aJn4bujNmDDo: 新增订单将不再生效)."""
    versions = sorted((c for c in book.clauses if c.kind == "damage_service"), key=lambda c: c.effective)
    if not versions:
        return None, f"the {book.name} rulebook has no platform damage guarantee"
    badge = versions[0].get("badge", versions[0].id)
    in_force = book.in_force("damage_service", paid_at)
    clause = in_force[0] if in_force else versions[0]
    cite = f"{clause.id}, {clause.source}"
    if not category_groups(book, categories, paid_at) & set(clause.get("groups", [])):
        shown = "/".join(c for c in categories if c) or "these"
        covered = _official_names(book, clause.get("groups", []), paid_at)
        return (
            None,
            f"{shown} goods are outside the categories the {badge} guarantee covers ({covered}; {cite})",
        )
    if not in_force:
        return None, f"the {badge} guarantee started on {versions[0].effective}, after this order was paid"
    if clause.get("withdrawn"):
        return None, f"the {badge} guarantee is withdrawn for orders paid from {clause.effective} ({cite})"
    if not badged:
        return None, f"the product did not carry the {badge} badge when the order was paid ({cite})"
    if reason not in clause.get("reasons", []):
        return None, f"{reason} is not a quality problem the {badge} guarantee covers ({cite})"
    return clause, f"badged goods of an order paid while the {badge} guarantee was in force ({cite})"


def damage_cover(
    book: Rulebook,
    *,
    categories: list[str] | tuple[str, ...],
    badged: bool,
    paid_at: datetime,
    reason: str,
    pledge: ShopPledge = ShopPledge(),
) -> DamageCover:
    """After the guarantee's withdrawal a damage claim is paid only where the shop's own pledge
    promises it (douyin:aJn4bujNmDDo: 您仍可在商品详情页中写明提供"腐烂/变质包退""包装破损包退"等服务)."""
    clause, why = _guarantee(book, categories=categories, badged=badged, paid_at=paid_at, reason=reason)
    if clause is not None:
        return DamageCover(DAMAGE_SERVICE, clause, why)
    if pledge.covers(reason):
        own = book.one("damage_shop_pledge", paid_at)
        return DamageCover(SHOP_PLEDGE, own, f"{why}; the shop's own pledge pays it ({own.id})")
    tail = (
        f"the shop's pledge does not cover {reason}"
        if pledge.pays_damage
        else "the shop pledges no damage refund"
    )
    return DamageCover(None, None, f"{why}; {tail}: ask for an ordinary refund or return instead")


@dataclass(frozen=True)
class DamageQuote:
    amount_fen: int
    share_bp: int  # share of the amount paid that is refunded
    clause: Clause
    explanation: str
    pledge_applied: bool
    basis: str = DAMAGE_SERVICE
    table_clause: Clause | None = None  # the share-table row used, under either basis


def _half_up_div(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def _share_band(book: Rulebook, units: int, damaged: int, at: datetime) -> Clause:
    """The share-table row for damaged/units, compared exactly against min/max basis points."""
    chosen = None
    for clause in book.in_force("damage_share", at):
        low, high = clause.get("min_share_bp"), clause.get("max_share_bp")
        above = low is None or damaged * 10_000 > low * units
        within = high is None or damaged * 10_000 <= high * units
        if above and within:
            chosen = clause
    if chosen is None:
        raise InvalidInput("the rulebook has no damage share bracket for this claim")
    return chosen


@dataclass(frozen=True)
class _Damage:
    """A damage claim's figures: what was paid, how many units, how many damaged, and the
    pro-rata refund of the damaged units."""

    paid_fen: int
    units: int
    damaged: int

    @property
    def counted(self) -> str:
        return f"{self.damaged} of {self.units} units damaged"

    @property
    def per_unit(self) -> int:
        return _half_up_div(self.paid_fen * self.damaged, self.units)

    @property
    def per_unit_bp(self) -> int:
        return _half_up_div(self.damaged * 10_000, self.units)

    @property
    def per_unit_text(self) -> str:
        return f"{self.damaged}/{self.units} of {format_yuan(self.paid_fen)} = {format_yuan(self.per_unit)}"

    def share_of(self, band: Clause) -> int:
        return _half_up_div(self.paid_fen * band.get("refund_bp"), 10_000)


# One way a shop's pledge can pay: (amount, share in bp, share-table row or None, how).
_PledgeOption: TypeAlias = tuple[int, int, Clause | None, str]


def damage_refund(
    book: Rulebook,
    *,
    paid_fen: int,
    units: int,
    damaged: int,
    at: datetime,
    pledge: ShopPledge = ShopPledge(),
    basis: str = DAMAGE_SERVICE,
) -> DamageQuote:
    """Under the guarantee: by the share of damaged units (douyin:aJn4bujNmDDo 3.6): ≤30% → 30%,
    ≤50% → 50%, more → 100% of the amount paid for them, rounded half-up to the fen; a per-unit
    pledge pays pro rata where that is more. Under a shop's pledge: what the pledge promises
    (the former table, or every damaged unit pro rata; the more generous where it promises both)."""
    if units <= 0 or damaged <= 0 or damaged > units:
        raise InvalidInput(f"damaged units must be between 1 and {units}")
    if paid_fen < 0:
        raise InvalidInput("the amount paid cannot be negative")
    claim = _Damage(paid_fen, units, damaged)
    if basis == DAMAGE_SERVICE:
        return _service_refund(book, claim, at, pledge)
    if basis != SHOP_PLEDGE:
        raise InvalidInput(f"unknown damage basis {basis!r}")
    return _shop_pledge_refund(book, claim, at, pledge)


def _service_refund(book: Rulebook, claim: _Damage, at: datetime, pledge: ShopPledge) -> DamageQuote:
    """The guarantee's share table; a per-unit pledge pays pro rata where that is more."""
    band = _share_band(book, claim.units, claim.damaged, at)
    amount = claim.share_of(band)
    text = (
        f"{claim.counted} → clause {band.id}: {format_rate(band.get('refund_bp'))} of "
        f"{format_yuan(claim.paid_fen)} = {format_yuan(amount)} [{band.source}]"
    )
    if pledge.per_unit_damage and claim.per_unit > amount:
        text += f"; the shop's pledge pays every damaged unit: {claim.per_unit_text}"
        return DamageQuote(claim.per_unit, claim.per_unit_bp, band, text, True, DAMAGE_SERVICE, band)
    return DamageQuote(amount, band.get("refund_bp"), band, text, False, DAMAGE_SERVICE, band)


def _shop_pledge_refund(book: Rulebook, claim: _Damage, at: datetime, pledge: ShopPledge) -> DamageQuote:
    """What the shop's own pledge promises: the former table, every damaged unit pro rata, or the
    more generous of the two where it promises both (the table on a tie)."""
    own = book.one("damage_shop_pledge", at)
    options: list[_PledgeOption] = []
    if pledge.damage_share_table:
        band = _share_band(book, claim.units, claim.damaged, at)
        amount = claim.share_of(band)
        how = (
            f"the shop keeps the 坏了包退 table, clause {band.id}: {format_rate(band.get('refund_bp'))} of "
            f"{format_yuan(claim.paid_fen)} = {format_yuan(amount)}"
        )
        options.append((amount, band.get("refund_bp"), band, how))
    if pledge.per_unit_damage:
        options.append(
            (
                claim.per_unit,
                claim.per_unit_bp,
                None,
                f"the shop pays every damaged unit: {claim.per_unit_text}",
            )
        )
    if not options:
        raise InvalidInput("the shop's pledge pays no damage refund")
    amount, share_bp, table_row, how = max(options, key=lambda o: o[0])  # the first (the table) on a tie
    text = f"{claim.counted} → shop pledge ({own.id}): {how} [{own.source}]"
    return DamageQuote(amount, share_bp, own, text, True, SHOP_PLEDGE, table_row)


# ---------------------------------------------------------------- shipping insurance

INSURANCE_TIERS = ("small", "upgraded", "large")


@dataclass(frozen=True)
class InsuranceClaim:
    eligible: bool
    amount_fen: int
    clause: Clause | None
    reason: str


def shipping_insurance_cover(
    book: Rulebook,
    *,
    tier: str,
    case_type: str,
    paid_at: datetime,
    shipped_at: datetime | None,
    requested_at: datetime,
) -> InsuranceClaim:
    """Whether the shop's shipping insurance (运费险, douyin:aJpAMtJPdWH7) covers sending these goods
    back: a return or exchange requested within 90 days after the ship click. Amount 0: see
    shipping_insurance_claim for what it pays."""
    found = [c for c in book.in_force("shipping_insurance", paid_at) if c.get("tier") == tier]
    if not found:
        return InsuranceClaim(False, 0, None, f"the {book.name} rulebook has no {tier} shipping insurance")
    clause = found[0]
    if case_type not in clause.get("case_types", []):
        return InsuranceClaim(
            False, 0, clause, f"shipping insurance pays returns and exchanges only ({clause.id})"
        )
    if shipped_at is None:
        return InsuranceClaim(False, 0, clause, f"the order was never shipped ({clause.id})")
    if requested_at > shipped_at + timedelta(hours=clause.get("request_within_hours")):
        days = clause.get("request_within_hours") // 24
        return InsuranceClaim(
            False, 0, clause, f"requested more than {days} days after shipment ({clause.id})"
        )
    return InsuranceClaim(True, 0, clause, f"covered by the {tier} shipping insurance ({clause.id})")


def shipping_insurance_claim(
    book: Rulebook,
    *,
    tier: str,
    case_type: str,
    paid_at: datetime,
    shipped_at: datetime | None,
    requested_at: datetime,
    postage_fen: int | None,
) -> InsuranceClaim:
    """What the insurance pays the buyer for sending goods back: the postage paid, up to the cap
    of the insurance the shop bought (24 / 50 / 1000 yuan)."""
    cover = shipping_insurance_cover(
        book,
        tier=tier,
        case_type=case_type,
        paid_at=paid_at,
        shipped_at=shipped_at,
        requested_at=requested_at,
    )
    clause = cover.clause
    if not cover.eligible or clause is None:
        return cover
    if postage_fen is None or postage_fen <= 0:
        return InsuranceClaim(False, 0, clause, f"no return postage was given ({clause.id})")
    cap = clause.get("cap_fen")
    amount = min(postage_fen, cap)
    return InsuranceClaim(
        True,
        amount,
        clause,
        f"return postage {format_yuan(postage_fen)} paid by the {tier} shipping "
        f"insurance up to {format_yuan(cap)} ({clause.id}) = {format_yuan(amount)}",
    )
