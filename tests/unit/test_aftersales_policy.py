"""After-sales rules at their boundaries (RULES.md §3), evaluated without a database.

- 7-day no-reason return: 168 h from 00:00 platform time (Asia/Shanghai) of the day after
  sign-off (douyin:aJmEsBoSPU5g), whatever the shop's own zone; perishable and custom-made goods
  are excluded, blind boxes are not.
- Instant refund (douyin:aJmtW2ombFf1): not shipped, not custom-made or blind box; paid ≤ 8000.00
  for orders paid before 2026-07-09, no cap from that day.
- Damage windows after sign-off: damaged 48 h (douyin:aJn4bujNmDDo), thawed/dead 24 h,
  visible rot 48 h, internal rot 120 h; refund 30 / 50 / 100 % for ≤30 / ≤50 / >50 % of units
  damaged, rounded half-up to the fen. The 坏了包退 guarantee covered badged fresh goods of orders
  paid 2024-12-04 .. 2026-07-05 (douyin:aJn4bujNmDDo); after it only a shop's pledge pays.
- Merchant review: guarantee claims 24 h (douyin:aJn4bujNmDDo), every other case 48 h (Pledge default).

Asia/Shanghai is UTC+8 all year; America/Los_Angeles is UTC-7 in September. Every expected
instant below is written out in UTC by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pledge.aftersales import policy
from pledge.aftersales.policy import ShopPledge
from pledge.kernel.errors import InvalidInput
from pledge.rulebooks.loader import Clause, load

UTC = UTC
SH = "Asia/Shanghai"
LA = "America/Los_Angeles"
SECOND = timedelta(seconds=1)


@pytest.fixture(scope="module")
def douyin():
    return load("douyin")


def local(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


NO_PLEDGE = ShopPledge()  # frozen: one shared default is safe


def returnable(book, signed_at, now, *, flags=frozenset(), pledge=NO_PLEDGE):
    return policy.no_reason_return(book, flags=set(flags), signed_at=signed_at, now=now, pledge=pledge)


# --- 7-day no-reason return window ----------------------------------------------------------


@pytest.mark.parametrize(
    "signed, expected",
    [
        # 23:59 on 09-01 Shanghai: the count starts 09-02 00:00 platform time (= 09-01 16:00 UTC)
        # → 09-09 00:00
        (local(SH, 2026, 9, 1, 23, 59), utc(2026, 9, 8, 16, 0)),
        # one minute later it is already 09-02 in Shanghai (still 09-01 in UTC): the count starts a day later
        (local(SH, 2026, 9, 2, 0, 0), utc(2026, 9, 9, 16, 0)),
        (local(SH, 2026, 9, 2, 0, 0, 1), utc(2026, 9, 9, 16, 0)),
        (utc(2026, 9, 1, 16, 30), utc(2026, 9, 9, 16, 0)),
        # year end
        (local(SH, 2026, 12, 31, 20, 0), utc(2027, 1, 7, 16, 0)),
    ],
)
def test_return_deadline_is_168h_from_platform_midnight_after_sign_off(douyin, signed, expected):
    deadline, clause = policy.return_deadline(douyin, signed)
    assert deadline == expected
    assert deadline.utcoffset() == timedelta(0)
    assert (clause.id, clause.source) == ("return.no-reason-7d", "douyin:aJmEsBoSPU5g")


@pytest.mark.parametrize(
    "signed, expected",
    [
        # 09-01 23:59 in Los Angeles is 09-02 14:59 in Shanghai: the platform's count starts 09-03
        # 00:00 Shanghai (09-02 16:00 UTC), not at LA's midnight (which gave 09-09 07:00 UTC before)
        (local(LA, 2026, 9, 1, 23, 59), utc(2026, 9, 9, 16, 0)),
        # 09-01 09:30 in LA is 09-02 00:30 in Shanghai: the count starts 09-03 00:00 Shanghai
        (utc(2026, 9, 1, 16, 30), utc(2026, 9, 9, 16, 0)),
        # 10-28 12:00 EDT is already 10-29 00:00 in Shanghai: the count starts 10-30 00:00 Shanghai;
        # New York leaving daylight saving time on 11-01 changes nothing, Shanghai has none
        (local("America/New_York", 2026, 10, 28, 12, 0), utc(2026, 11, 5, 16, 0)),
    ],
)
def test_douyin_aJmEsBoSPU5g_return_window_runs_on_platform_time_not_the_shops_zone(douyin, signed, expected):
    """次日零时起168小时 is the platform's midnight (Asia/Shanghai), for a shop in any zone."""
    assert douyin.timezone == SH
    assert policy.return_deadline(douyin, signed)[0] == expected


@pytest.mark.parametrize(
    "signed, deadline",
    [
        (local(SH, 2026, 9, 1, 23, 59), utc(2026, 9, 8, 16, 0)),
        (local(SH, 2026, 9, 2, 0, 0), utc(2026, 9, 9, 16, 0)),
        (local(LA, 2026, 9, 1, 23, 59), utc(2026, 9, 9, 16, 0)),
    ],
)
def test_no_reason_return_is_open_at_the_deadline_and_closed_one_second_after(douyin, signed, deadline):
    at = returnable(douyin, signed, deadline)
    assert at.eligible and at.deadline == deadline and at.clause.id == "return.no-reason-7d"
    after = returnable(douyin, signed, deadline + SECOND)
    assert not after.eligible and after.deadline == deadline
    assert "closed" in after.reason and "return.no-reason-7d" in after.reason


def test_no_reason_return_before_sign_off_is_refused(douyin):
    r = returnable(douyin, None, utc(2026, 9, 1, 2))
    assert not r.eligible and r.deadline is None and "signed" in r.reason


def test_pledge_extra_hours_lengthen_the_return_window(douyin):
    signed = local(SH, 2026, 9, 1, 23, 59)
    base = utc(2026, 9, 8, 16, 0)
    pledge = ShopPledge(return_window_extra_hours=24)
    assert not returnable(douyin, signed, base + SECOND).eligible
    longer = returnable(douyin, signed, base + SECOND, pledge=pledge)
    assert longer.eligible and longer.deadline == utc(2026, 9, 9, 16, 0)
    assert returnable(douyin, signed, utc(2026, 9, 9, 16, 0), pledge=pledge).eligible
    assert not returnable(douyin, signed, utc(2026, 9, 9, 16, 0, 1), pledge=pledge).eligible


@pytest.mark.parametrize("field", ["return_window_extra_hours", "damage_window_extra_hours"])
def test_a_pledge_can_never_shorten_a_window(field):
    with pytest.raises(InvalidInput, match="never shorten"):
        ShopPledge(**{field: -1})
    assert getattr(ShopPledge(**{field: 0}), field) == 0


@pytest.mark.parametrize(
    "flags, named",
    [
        ({"perishable"}, "perishable"),
        ({"custom_made"}, "custom-made"),
        ({"perishable", "blind_box"}, "perishable"),
        ({"custom_made", "perishable"}, "custom-made, perishable"),
    ],
)
def test_excluded_goods_are_refused_with_the_reason(douyin, flags, named):
    signed = local(SH, 2026, 9, 1, 12, 0)
    r = returnable(douyin, signed, signed + timedelta(hours=1), flags=flags)
    assert not r.eligible and r.deadline is None
    assert f"{named} goods are excluded from 7-day no-reason returns (return.exclusions)" == r.reason
    assert r.clause.source == "douyin:aJmEsBoSPU5g"


def test_blind_boxes_are_not_excluded_from_returns_by_this_rulebook(douyin):
    signed = local(SH, 2026, 9, 1, 12, 0)
    r = returnable(douyin, signed, signed + timedelta(hours=1), flags={"blind_box"})
    assert r.eligible and r.deadline == utc(2026, 9, 8, 16, 0)


@pytest.mark.parametrize("name", ["douyin", "taobao"])
def test_both_rulebooks_count_the_window_the_same_way(name):
    book = load(name)
    signed = local(SH, 2026, 9, 1, 23, 59)
    assert policy.return_deadline(book, signed)[0] == utc(2026, 9, 8, 16, 0)
    assert not returnable(book, signed, signed, flags={"perishable"}).eligible


# --- instant refund ---------------------------------------------------------------------------


SEPT_1 = utc(2026, 9, 1, 2)


def instant(book, *, paid_fen=1990, shipped=False, flags=frozenset(), paid_at=SEPT_1):
    return policy.instant_refund(book, flags=set(flags), paid_fen=paid_fen, shipped=shipped, paid_at=paid_at)


def test_instant_refund_only_before_shipment(douyin):
    r = instant(douyin, shipped=True)
    assert (
        not r.eligible
        and "only possible before shipment" in r.reason
        and r.clause.source == "douyin:aJmtW2ombFf1"
    )
    assert instant(douyin).eligible


@pytest.mark.parametrize("flags, named", [({"custom_made"}, "custom-made"), ({"blind_box"}, "blind box")])
def test_instant_refund_refused_for_custom_and_blind_box_goods(douyin, flags, named):
    r = instant(douyin, flags=flags)
    assert not r.eligible and r.reason == f"{named} goods have no instant refund (refund.instant)"


def test_perishable_goods_may_have_an_instant_refund(douyin):
    assert instant(douyin, flags={"perishable"}).eligible


BEFORE_CAP_REMOVED = local(SH, 2026, 7, 8, 23, 59, 59)  # the last second of the capped version
CAP_REMOVED = local(SH, 2026, 7, 9, 0, 0)  # = 2026-07-08 16:00 UTC


def test_instant_refund_cap_is_8000_yuan_inclusive_for_orders_paid_before_2026_07_09(douyin):
    assert instant(douyin, paid_fen=800_000, paid_at=BEFORE_CAP_REMOVED).eligible
    over = instant(douyin, paid_fen=800_001, paid_at=BEFORE_CAP_REMOVED)
    assert not over.eligible and "orders over 8000.00 yuan" in over.reason
    assert over.clause.effective.isoformat() == "2022-11-24"


@pytest.mark.parametrize("paid_at", [CAP_REMOVED, utc(2026, 9, 1, 2)])
def test_douyin_aJmtW2ombFf1_instant_refund_cap_removed_for_orders_from_2026_07_09(douyin, paid_at):
    """删除规则中未发货极速退的实付金额门槛表述 (in force 2026-07-09, platform calendar)."""
    for paid_fen in (800_001, 5_000_000, 10**9):
        ok = instant(douyin, paid_fen=paid_fen, paid_at=paid_at)
        assert ok.eligible and ok.clause.id == "refund.instant" and ok.clause.source == "douyin:aJmtW2ombFf1"
        assert (
            ok.clause.get("max_fen") is None and "no amount cap for orders paid from 2026-07-09" in ok.reason
        )
    # the exclusions and the shipment condition stay
    assert not instant(douyin, flags={"blind_box"}, paid_at=paid_at).eligible
    assert not instant(douyin, shipped=True, paid_at=paid_at).eligible


# --- damage windows ---------------------------------------------------------------------------

SIGNED = utc(2026, 9, 3, 14, 0)


@pytest.mark.parametrize(
    "reason, hours, clause_id",
    [
        ("damaged", 48, "damage.window.damaged"),
        ("thawed_dead", 24, "damage.window.thawed-dead"),
        ("visible_rot", 48, "damage.window.visible-rot"),
        ("internal_rot", 120, "damage.window.internal-rot"),
    ],
)
def test_damage_window_per_reason_at_its_boundary(douyin, reason, hours, clause_id):
    deadline = SIGNED + timedelta(hours=hours)
    at = policy.damage_window(douyin, reason=reason, signed_at=SIGNED, now=deadline)
    assert at.eligible and at.deadline == deadline and at.clause.id == clause_id
    late = policy.damage_window(douyin, reason=reason, signed_at=SIGNED, now=deadline + SECOND)
    assert not late.eligible and late.deadline == deadline and clause_id in late.reason


@pytest.mark.parametrize("reason, hours", [("damaged", 48), ("thawed_dead", 24), ("internal_rot", 120)])
def test_pledge_extra_hours_lengthen_the_damage_window(douyin, reason, hours):
    pledge = ShopPledge(damage_window_extra_hours=12)
    deadline = SIGNED + timedelta(hours=hours + 12)
    assert not policy.damage_window(
        douyin, reason=reason, signed_at=SIGNED, now=deadline - timedelta(hours=12) + SECOND
    ).eligible
    ok = policy.damage_window(douyin, reason=reason, signed_at=SIGNED, now=deadline, pledge=pledge)
    assert ok.eligible and ok.deadline == deadline and "+ 12 h shop pledge" in ok.reason
    assert not policy.damage_window(
        douyin, reason=reason, signed_at=SIGNED, now=deadline + SECOND, pledge=pledge
    ).eligible


def test_damage_window_unknown_reason_and_before_sign_off(douyin):
    with pytest.raises(InvalidInput, match="unknown damage reason"):
        policy.damage_window(douyin, reason="bored", signed_at=SIGNED, now=SIGNED)
    before = policy.damage_window(douyin, reason="damaged", signed_at=None, now=SIGNED)
    assert not before.eligible and before.deadline is None


# --- damage shares ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "damaged, units, paid, share_bp, amount, clause_id",
    [
        (1, 12, 1990, 3000, 597, "damage.share.le30"),  # 8.3% → 30%: 597.0
        (3, 10, 1000, 3000, 300, "damage.share.le30"),  # exactly 30% is still the lowest band
        (31, 100, 1000, 5000, 500, "damage.share.30-50"),  # just over 30%
        (4, 12, 1990, 5000, 995, "damage.share.30-50"),  # 33% → 50%
        (1, 2, 1000, 5000, 500, "damage.share.30-50"),  # exactly 50% is still the middle band
        (51, 100, 1000, 10000, 1000, "damage.share.gt50"),  # just over 50%
        (7, 12, 1990, 10000, 1990, "damage.share.gt50"),
        (12, 12, 1990, 10000, 1990, "damage.share.gt50"),
        # half-up to the fen (banker's rounding would give 598 and 992)
        (1, 10, 1995, 3000, 599, "damage.share.le30"),  # 598.5 → 599
        (2, 4, 1985, 5000, 993, "damage.share.30-50"),  # 992.5 → 993
        (1, 10, 1999, 3000, 600, "damage.share.le30"),  # 599.7 → 600
        (1, 10, 1001, 3000, 300, "damage.share.le30"),  # 300.3 → 300
        (1, 1, 0, 10000, 0, "damage.share.gt50"),
    ],
)
def test_damage_share_bands_at_every_boundary(douyin, damaged, units, paid, share_bp, amount, clause_id):
    q = policy.damage_refund(douyin, paid_fen=paid, units=units, damaged=damaged, at=SIGNED)
    assert (q.amount_fen, q.share_bp, q.clause.id, q.pledge_applied) == (amount, share_bp, clause_id, False)
    assert q.clause.source == "douyin:aJn4bujNmDDo"


@pytest.mark.parametrize(
    "damaged, units, paid", [(0, 10, 1000), (11, 10, 1000), (1, 0, 1000), (-1, 10, 1000), (1, 10, -1)]
)
def test_damage_refund_refuses_impossible_counts(douyin, damaged, units, paid):
    with pytest.raises(InvalidInput):
        policy.damage_refund(douyin, paid_fen=paid, units=units, damaged=damaged, at=SIGNED)


@pytest.mark.parametrize(
    "damaged, units, paid, band_amount",
    [
        (2, 10, 1000, 300),  # per unit 200 < band 30% = 300
        (3, 10, 1000, 300),  # per unit 300 = band 300: the band stands, the pledge adds nothing
        (4, 10, 1000, 500),  # per unit 400 < band 50% = 500
        (6, 10, 1000, 1000),  # per unit 600 < 100%
    ],
)
def test_per_unit_pledge_never_beats_the_douyin_bands(douyin, damaged, units, paid, band_amount):
    q = policy.damage_refund(
        douyin,
        paid_fen=paid,
        units=units,
        damaged=damaged,
        at=SIGNED,
        pledge=ShopPledge(per_unit_damage=True),
    )
    assert (q.amount_fen, q.pledge_applied) == (band_amount, False)


def lean_book(douyin, refund_bp: int):
    """The douyin rulebook with one damage band that refunds `refund_bp` whatever the share: a
    rulebook less generous than the shop's per-unit pledge, so the pledge can be seen to win."""
    band = Clause(
        "damage.share.flat",
        "damage_share",
        SIGNED.date().replace(year=2023),
        "test",
        "flat",
        "flat",
        {"refund_bp": refund_bp},
    )
    return replace(douyin, clauses=tuple(c for c in douyin.clauses if c.kind != "damage_share") + (band,))


def test_per_unit_pledge_pays_pro_rata_when_that_beats_the_band(douyin):
    book = lean_book(douyin, 1000)  # 10% flat
    plain = policy.damage_refund(book, paid_fen=1990, units=12, damaged=5, at=SIGNED)
    assert (plain.amount_fen, plain.share_bp, plain.pledge_applied) == (199, 1000, False)
    pledged = policy.damage_refund(
        book, paid_fen=1990, units=12, damaged=5, at=SIGNED, pledge=ShopPledge(per_unit_damage=True)
    )
    # 5/12 of 19.90 = 829.17 → 829 fen; share 5/12 = 4166.67 bp → 4167 bp
    assert (pledged.amount_fen, pledged.share_bp, pledged.pledge_applied) == (829, 4167, True)
    assert "the shop's pledge pays every damaged unit" in pledged.explanation
    # 1 of 12: pro rata 165.83 → 166 is less than the band's 199, which stays
    one = policy.damage_refund(
        book, paid_fen=1990, units=12, damaged=1, at=SIGNED, pledge=ShopPledge(per_unit_damage=True)
    )
    assert (one.amount_fen, one.pledge_applied) == (199, False)


counts_st = st.integers(min_value=1, max_value=500).flatmap(
    lambda units: st.tuples(st.just(units), st.integers(min_value=1, max_value=units))
)


@settings(max_examples=300, deadline=None)
@given(counts=counts_st, paid=st.integers(min_value=0, max_value=10**10))
def test_under_the_douyin_bands_per_unit_never_wins(douyin, counts, paid):
    """Each band refunds at least the share it covers (≤30% → 30%, ≤50% → 50%, else 100%), and
    half-up rounding is monotone, so pro rata ≤ band: the pledge changes nothing here."""
    units, damaged = counts
    plain = policy.damage_refund(douyin, paid_fen=paid, units=units, damaged=damaged, at=SIGNED)
    pledged = policy.damage_refund(
        douyin,
        paid_fen=paid,
        units=units,
        damaged=damaged,
        at=SIGNED,
        pledge=ShopPledge(per_unit_damage=True),
    )
    assert (pledged.amount_fen, pledged.share_bp, pledged.pledge_applied) == (
        plain.amount_fen,
        plain.share_bp,
        False,
    )
    assert (2 * paid * damaged + units) // (2 * units) <= plain.amount_fen <= paid


@settings(max_examples=300, deadline=None)
@given(
    counts=counts_st,
    paid=st.integers(min_value=0, max_value=10**10),
    flat_bp=st.integers(min_value=0, max_value=10_000),
)
def test_a_pledge_never_lowers_the_refund(douyin, counts, paid, flat_bp):
    """Over any band (here a flat one) the pledged refund is max(band, pro rata), never less."""
    units, damaged = counts
    book = lean_book(douyin, flat_bp)
    plain = policy.damage_refund(book, paid_fen=paid, units=units, damaged=damaged, at=SIGNED)
    pledged = policy.damage_refund(
        book, paid_fen=paid, units=units, damaged=damaged, at=SIGNED, pledge=ShopPledge(per_unit_damage=True)
    )
    pro_rata = (2 * paid * damaged + units) // (2 * units)
    assert plain.amount_fen == (2 * paid * flat_bp + 10_000) // 20_000
    assert pledged.amount_fen == max(plain.amount_fen, pro_rata) >= plain.amount_fen
    assert pledged.pledge_applied == (pro_rata > plain.amount_fen)
    assert pledged.amount_fen <= paid


# --- merchant review deadlines ----------------------------------------------------------------


@pytest.mark.parametrize(
    "case_type, service, hours, clause_id, source",
    [
        ("damage_claim", "damage_service", 24, "review.damage-24h", "douyin:aJn4bujNmDDo"),
        ("damage_claim", None, 48, "review.default-48h", "pledge:default"),  # a shop-pledged claim
        ("refund_only", None, 48, "review.default-48h", "pledge:default"),
        ("return_refund", None, 48, "review.default-48h", "pledge:default"),
        ("exchange", None, 48, "review.default-48h", "pledge:default"),
        ("refund_only", "damage_service", 48, "review.default-48h", "pledge:default"),
    ],
)
def test_review_deadlines(douyin, case_type, service, hours, clause_id, source):
    requested = utc(2026, 9, 3, 14, 0, 0)
    due, clause = policy.review_deadline(douyin, case_type, requested, service)
    assert due == requested + timedelta(hours=hours)
    assert (clause.id, clause.source) == (clause_id, source)


@pytest.mark.parametrize(
    "service, clause_id, source",
    [
        ("damage_service", "escalation.after-rejection-24h", "douyin:aJn4bujNmDDo"),
        ("shop_pledge", "escalation.after-rejection-default", "pledge:default"),
        (None, "escalation.after-rejection-default", "pledge:default"),
    ],
)
def test_douyin_aJn4bujNmDDo_24h_review_and_escalation_bind_the_guarantee_only(
    douyin, service, clause_id, source
):
    rejected = utc(2026, 9, 3, 14, 0, 0)
    due, clause = policy.escalation_deadline(douyin, rejected, service)
    assert (due, clause.id, clause.source) == (rejected + timedelta(hours=24), clause_id, source)
    if source == "pledge:default":
        assert "Pledge default, not a Douyin figure" in clause.text_en


def test_instant_refunds_have_no_review(douyin):
    with pytest.raises(InvalidInput):
        policy.review_deadline(douyin, "instant_refund", utc(2026, 9, 3))


# --- the 坏了包退 guarantee: scope and dates (douyin:aJn4bujNmDDo) ------------------------------

FRUIT = ("柑橘橙柚", "生鲜水果")  # the demo catalog's names: sub-category, first-level
OFFICIAL_FRUIT = ("水果蔬菜",)
SEAFOOD = ("海鲜水产",)
FLOWERS = ("鲜切花", "鲜花园艺")
UMBRELLA = ("雨伞雨具", "日用百货")
STARTED = local(SH, 2024, 12, 4, 0, 0)
LAST_SERVED = local(SH, 2026, 7, 5, 23, 59, 59)
WITHDRAWN = local(SH, 2026, 7, 6, 0, 0)


def cover(
    book,
    categories=OFFICIAL_FRUIT,
    *,
    badged=True,
    paid_at=LAST_SERVED,
    reason="damaged",
    pledge=NO_PLEDGE,
):
    return policy.damage_cover(
        book, categories=categories, badged=badged, paid_at=paid_at, reason=reason, pledge=pledge
    )


@pytest.mark.parametrize("categories", [OFFICIAL_FRUIT, FRUIT, SEAFOOD, ("肉禽蛋品",), ("冷冻/冷藏制品",)])
@pytest.mark.parametrize("paid_at", [STARTED, utc(2026, 5, 1), LAST_SERVED])
def test_the_guarantee_covers_badged_fresh_goods_of_orders_paid_while_it_was_in_force(
    douyin, categories, paid_at
):
    found = cover(douyin, categories, paid_at=paid_at)
    assert found.covered and found.basis == policy.DAMAGE_SERVICE
    assert (found.clause.id, found.clause.source, found.clause.effective.isoformat()) == (
        "damage.service",
        "douyin:aJn4bujNmDDo",
        "2024-12-04",
    )


@pytest.mark.parametrize("paid_at", [WITHDRAWN, utc(2026, 9, 1, 2), local(SH, 2027, 1, 1)])
def test_douyin_aJn4bujNmDDo_damage_service_withdrawn_for_orders_from_2026_07_06(douyin, paid_at):
    """新增订单将不再生效: an order paid from 2026-07-06 00:00 Beijing time is not covered, even on
    a badged fresh product; without a shop pledge nothing pays the damage."""
    found = cover(douyin, paid_at=paid_at)
    assert not found.covered and found.clause is None
    assert (
        "withdrawn for orders paid from 2026-07-06" in found.reason
        and "pledges no damage refund" in found.reason
    )
    assert "ordinary refund or return" in found.reason


def test_the_withdrawal_follows_the_platform_calendar(douyin):
    """2026-07-05 16:30 UTC is already 2026-07-06 00:30 in Beijing: withdrawn."""
    assert cover(douyin, paid_at=utc(2026, 7, 5, 15, 59, 59)).covered
    assert not cover(douyin, paid_at=utc(2026, 7, 5, 16, 0)).covered


@pytest.mark.parametrize(
    "categories, badged, paid_at, reason, says",
    [
        (OFFICIAL_FRUIT, True, local(SH, 2024, 12, 3, 23, 59), "damaged", "started on 2024-12-04"),
        (UMBRELLA, True, LAST_SERVED, "damaged", "outside the categories"),
        (FLOWERS, True, LAST_SERVED, "damaged", "outside the categories"),
        (OFFICIAL_FRUIT, False, LAST_SERVED, "damaged", "did not carry the 坏了包退官方保障 badge"),
        (
            OFFICIAL_FRUIT,
            True,
            LAST_SERVED,
            "insect_damage",
            "not a quality problem the 坏了包退官方保障 guarantee covers",
        ),
    ],
)
def test_the_guarantee_does_not_cover(douyin, categories, badged, paid_at, reason, says):
    found = cover(douyin, categories, badged=badged, paid_at=paid_at, reason=reason)
    assert not found.covered and says in found.reason


def test_outside_the_guarantee_the_reason_names_the_covered_categories(douyin):
    found = cover(douyin, UMBRELLA)
    assert "雨伞雨具/日用百货 goods are outside the categories" in found.reason
    assert "水果蔬菜, 肉禽蛋品, 冷冻/冷藏制品, 海鲜水产" in found.reason


@pytest.mark.parametrize(
    "pledge, reason, covered",
    [
        (ShopPledge(per_unit_damage=True), "damaged", True),  # the florist: every damaged stem
        (ShopPledge(per_unit_damage=True, damage_reasons=frozenset({"damaged"})), "damaged", True),
        (
            ShopPledge(damage_share_table=True, damage_reasons=frozenset({"visible_rot", "insect_damage"})),
            "insect_damage",
            True,
        ),
        (ShopPledge(damage_share_table=True, damage_reasons=frozenset({"visible_rot"})), "damaged", False),
        (
            ShopPledge(no_evidence_for_declared=True, damage_window_extra_hours=24),
            "damaged",
            False,
        ),  # pays no damage
    ],
)
def test_after_the_withdrawal_only_a_shop_pledge_pays(douyin, pledge, reason, covered):
    found = cover(douyin, FRUIT, paid_at=WITHDRAWN, reason=reason, pledge=pledge)
    assert found.covered == covered
    if covered:
        assert (found.basis, found.clause.id, found.clause.source) == (
            policy.SHOP_PLEDGE,
            "damage.shop-pledge",
            "douyin:aJn4bujNmDDo",
        )
    else:
        assert found.basis is None and "ordinary refund or return" in found.reason


def test_a_pledge_pays_outside_the_guarantees_categories_and_before_it_started(douyin):
    florist = ShopPledge(per_unit_damage=True)
    assert cover(douyin, FLOWERS, paid_at=LAST_SERVED, pledge=florist).basis == policy.SHOP_PLEDGE
    assert (
        cover(douyin, OFFICIAL_FRUIT, paid_at=local(SH, 2024, 1, 1), pledge=florist).basis
        == policy.SHOP_PLEDGE
    )
    # where the guarantee covers the claim it pays (the pledge may add to it, see damage_refund)
    assert cover(douyin, OFFICIAL_FRUIT, paid_at=LAST_SERVED, pledge=florist).basis == policy.DAMAGE_SERVICE


def test_taobao_has_no_platform_damage_guarantee(douyin):
    taobao = load("taobao")
    found = cover(taobao, paid_at=utc(2026, 5, 1))
    assert not found.covered and "has no platform damage guarantee" in found.reason
    assert (
        cover(taobao, paid_at=utc(2026, 5, 1), pledge=ShopPledge(damage_share_table=True)).basis
        == policy.SHOP_PLEDGE
    )


@pytest.mark.parametrize(
    "categories, reasons",
    [
        (UMBRELLA, ["damaged"]),
        (FLOWERS, ["damaged"]),
        (FRUIT, ["damaged", "visible_rot", "internal_rot", "insect_damage"]),
        (OFFICIAL_FRUIT, ["damaged", "visible_rot", "internal_rot", "insect_damage"]),
        (SEAFOOD, ["damaged", "thawed_dead", "visible_rot"]),
        (("肉禽蛋品",), ["damaged", "thawed_dead", "visible_rot"]),
    ],
)
def test_damage_reasons_fit_the_goods(douyin, categories, reasons):
    """No "thawed/dead" on an umbrella: the fresh-produce reasons fit their category groups only."""
    assert policy.damage_reasons(douyin, categories, utc(2026, 9, 1)) == reasons
    assert policy.damage_reasons(load("taobao"), categories, utc(2026, 9, 1)) == reasons


# --- damage refunds under a shop's pledge ---------------------------------------------------


@pytest.mark.parametrize(
    "pledge, damaged, units, paid, amount, share_bp, table",
    [
        (ShopPledge(per_unit_damage=True), 4, 12, 9900, 3300, 3333, None),  # the florist: 4 of 12 stems
        (ShopPledge(per_unit_damage=True), 1, 3, 1000, 333, 3333, None),  # 333.33 → 333
        (
            ShopPledge(damage_share_table=True),
            4,
            12,
            9900,
            4950,
            5000,
            "damage.share.30-50",
        ),  # the fruit seller
        (ShopPledge(damage_share_table=True), 1, 10, 1990, 597, 3000, "damage.share.le30"),
        (
            ShopPledge(damage_share_table=True, per_unit_damage=True),
            4,
            12,
            9900,
            4950,
            5000,
            "damage.share.30-50",
        ),
    ],
)
def test_a_shop_pledge_pays_what_it_promises(douyin, pledge, damaged, units, paid, amount, share_bp, table):
    q = policy.damage_refund(
        douyin,
        paid_fen=paid,
        units=units,
        damaged=damaged,
        at=utc(2026, 9, 1),
        pledge=pledge,
        basis=policy.SHOP_PLEDGE,
    )
    assert (q.amount_fen, q.share_bp, q.clause.id, q.basis) == (
        amount,
        share_bp,
        "damage.shop-pledge",
        policy.SHOP_PLEDGE,
    )
    assert (q.table_clause.id if q.table_clause else None) == table
    assert "shop pledge (damage.shop-pledge)" in q.explanation


def test_a_pledge_that_pays_no_damage_has_no_refund(douyin):
    with pytest.raises(InvalidInput, match="pays no damage refund"):
        policy.damage_refund(
            douyin,
            paid_fen=1000,
            units=2,
            damaged=1,
            at=utc(2026, 9, 1),
            pledge=ShopPledge(no_evidence_for_declared=True),
            basis=policy.SHOP_PLEDGE,
        )


# --- no pickup scan 48 h after the tracking number (douyin:aHwH9wK4Je2N) ---------------------


def test_douyin_aHwH9wK4Je2N_refund_request_becomes_automatic_48h_after_an_unscanned_upload(douyin):
    shipped = utc(2026, 9, 1, 2)
    at, clause = policy.no_pickup_refund(
        douyin, case_type="refund_only", shipped_at=shipped, picked_up_at=None
    )
    assert at == shipped + timedelta(hours=48)
    assert (clause.id, clause.source) == ("refund.no-pickup-48h", "douyin:aHwH9wK4Je2N")
    assert (
        policy.no_pickup_refund(
            douyin, case_type="refund_only", shipped_at=shipped, picked_up_at=shipped + timedelta(hours=47)
        )
        is None
    )
    assert (
        policy.no_pickup_refund(douyin, case_type="refund_only", shipped_at=None, picked_up_at=None) is None
    )
    assert (
        policy.no_pickup_refund(douyin, case_type="return_refund", shipped_at=shipped, picked_up_at=None)
        is None
    )
    assert (
        policy.no_pickup_refund(
            load("taobao"), case_type="refund_only", shipped_at=shipped, picked_up_at=None
        )
        is None
    )


# --- shipping insurance (douyin:aJpAMtJPdWH7) -------------------------------------------------

SHIP_CLICK = utc(2026, 9, 1, 2)


def insured(
    book, *, tier="small", case_type="return_refund", postage=3000, requested=SHIP_CLICK + timedelta(days=3)
):
    return policy.shipping_insurance_claim(
        book,
        tier=tier,
        case_type=case_type,
        paid_at=SHIP_CLICK,
        shipped_at=SHIP_CLICK,
        requested_at=requested,
        postage_fen=postage,
    )


@pytest.mark.parametrize(
    "tier, postage, amount",
    [
        ("small", 3000, 2400),
        ("small", 2400, 2400),
        ("small", 1200, 1200),
        ("upgraded", 6000, 5000),
        ("upgraded", 4999, 4999),
        ("large", 150_000, 100_000),
        ("large", 8800, 8800),
    ],
)
def test_shipping_insurance_pays_the_postage_up_to_the_tiers_cap(douyin, tier, postage, amount):
    found = insured(douyin, tier=tier, postage=postage)
    assert found.eligible and found.amount_fen == amount
    assert (found.clause.id, found.clause.source) == (f"shipping-insurance.{tier}", "douyin:aJpAMtJPdWH7")
    assert found.clause.get("pay_within_hours") == 72


def test_shipping_insurance_covers_returns_requested_within_90_days_of_shipment(douyin):
    assert insured(douyin, requested=SHIP_CLICK + timedelta(days=90)).eligible
    late = insured(douyin, requested=SHIP_CLICK + timedelta(days=90, seconds=1))
    assert not late.eligible and "more than 90 days after shipment" in late.reason
    assert insured(douyin, case_type="exchange").eligible
    only = insured(douyin, case_type="refund_only")
    assert not only.eligible and "returns and exchanges only" in only.reason
    assert not insured(douyin, postage=0).eligible and not insured(douyin, postage=None).eligible
    assert not insured(douyin, tier="gold").eligible
    assert not insured(load("taobao")).eligible  # the taobao book has no shipping insurance
