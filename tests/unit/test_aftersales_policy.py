"""After-sales rules at their boundaries (RULES.md §3), evaluated without a database.

- 7-day no-reason return: 168 h from 00:00 shop-local of the day after sign-off
  (douyin:aJmEsBoSPU5g); perishable and custom-made goods are excluded, blind boxes are not.
- Instant refund (douyin:aJmtW2ombFf1): not shipped, paid ≤ 8000.00, not custom-made or blind box.
- Damage windows after sign-off: damaged 48 h (douyin:aJn4bujNmDDo), thawed/dead 24 h,
  visible rot 48 h, internal rot 120 h; refund 30 / 50 / 100 % for ≤30 / ≤50 / >50 % of units
  damaged, rounded half-up to the fen.
- Merchant review: damage claims 24 h (douyin:aJn4bujNmDDo), other cases 48 h (Pledge default).

Asia/Shanghai is UTC+8 all year; America/Los_Angeles is UTC-7 in September; America/New_York
leaves daylight saving time on 2026-11-01 (UTC-4 → UTC-5). Every expected instant below is
written out in UTC by hand."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pledge.aftersales import policy
from pledge.aftersales.policy import ShopPledge
from pledge.kernel.errors import InvalidInput
from pledge.rulebooks.loader import Clause, load

UTC = timezone.utc
SH = "Asia/Shanghai"
LA = "America/Los_Angeles"
NY = "America/New_York"
SECOND = timedelta(seconds=1)


@pytest.fixture(scope="module")
def douyin():
    return load("douyin")


def local(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def returnable(book, signed_at, now, *, tz=SH, flags=frozenset(), pledge=ShopPledge()):
    return policy.no_reason_return(book, flags=set(flags), signed_at=signed_at, tz=tz, now=now, pledge=pledge)


# --- 7-day no-reason return window ----------------------------------------------------------

@pytest.mark.parametrize("tz, signed, expected", [
    # 23:59 on 09-01 Shanghai: the count starts 09-02 00:00 local (= 09-01 16:00 UTC) → 09-09 00:00 local
    (SH, local(SH, 2026, 9, 1, 23, 59), utc(2026, 9, 8, 16, 0)),
    # one minute later it is already 09-02 locally (still 09-01 in UTC): the count starts a day later
    (SH, local(SH, 2026, 9, 2, 0, 0), utc(2026, 9, 9, 16, 0)),
    (SH, local(SH, 2026, 9, 2, 0, 0, 1), utc(2026, 9, 9, 16, 0)),
    # Los Angeles (UTC-7): 09-01 23:59 local is 09-02 06:59 UTC → 09-09 00:00 PDT = 07:00 UTC
    (LA, local(LA, 2026, 9, 1, 23, 59), utc(2026, 9, 9, 7, 0)),
    (LA, local(LA, 2026, 9, 2, 0, 0), utc(2026, 9, 10, 7, 0)),
    # the same UTC instant (09-01 16:30 UTC) is 09-02 00:30 in Shanghai but 09-01 09:30 in LA
    (SH, utc(2026, 9, 1, 16, 30), utc(2026, 9, 9, 16, 0)),
    (LA, utc(2026, 9, 1, 16, 30), utc(2026, 9, 9, 7, 0)),
    # year end
    (SH, local(SH, 2026, 12, 31, 20, 0), utc(2027, 1, 7, 16, 0)),
])
def test_return_deadline_is_168h_from_local_midnight_after_sign_off(douyin, tz, signed, expected):
    deadline, clause = policy.return_deadline(douyin, signed, tz)
    assert deadline == expected
    assert deadline.utcoffset() == timedelta(0)
    assert (clause.id, clause.source) == ("return.no-reason-7d", "douyin:aJmEsBoSPU5g")


def test_return_window_counts_elapsed_hours_across_a_dst_change(douyin):
    """168 h are 168 elapsed hours: signed 10-28 12:00 EDT, the count starts 10-29 00:00 EDT
    (04:00 UTC); New York falls back on 11-01, so the window ends 11-04 23:00 EST (11-05 04:00
    UTC), not at local midnight."""
    deadline, _ = policy.return_deadline(douyin, local(NY, 2026, 10, 28, 12, 0), NY)
    assert deadline == utc(2026, 11, 5, 4, 0)
    assert deadline - utc(2026, 10, 29, 4, 0) == timedelta(hours=168)


@pytest.mark.parametrize("tz, signed, deadline", [
    (SH, local(SH, 2026, 9, 1, 23, 59), utc(2026, 9, 8, 16, 0)),
    (SH, local(SH, 2026, 9, 2, 0, 0), utc(2026, 9, 9, 16, 0)),
    (LA, local(LA, 2026, 9, 1, 23, 59), utc(2026, 9, 9, 7, 0)),
])
def test_no_reason_return_is_open_at_the_deadline_and_closed_one_second_after(douyin, tz, signed, deadline):
    at = returnable(douyin, signed, deadline, tz=tz)
    assert at.eligible and at.deadline == deadline and at.clause.id == "return.no-reason-7d"
    after = returnable(douyin, signed, deadline + SECOND, tz=tz)
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


@pytest.mark.parametrize("flags, named", [
    ({"perishable"}, "perishable"),
    ({"custom_made"}, "custom-made"),
    ({"perishable", "blind_box"}, "perishable"),
    ({"custom_made", "perishable"}, "custom-made, perishable"),
])
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
    assert policy.return_deadline(book, signed, SH)[0] == utc(2026, 9, 8, 16, 0)
    assert not returnable(book, signed, signed, flags={"perishable"}).eligible


# --- instant refund ---------------------------------------------------------------------------

def instant(book, *, paid_fen=1990, shipped=False, flags=frozenset()):
    return policy.instant_refund(book, flags=set(flags), paid_fen=paid_fen, shipped=shipped, at=utc(2026, 9, 1, 2))


def test_instant_refund_only_before_shipment(douyin):
    r = instant(douyin, shipped=True)
    assert not r.eligible and "only possible before shipment" in r.reason and r.clause.source == "douyin:aJmtW2ombFf1"
    assert instant(douyin).eligible


@pytest.mark.parametrize("flags, named", [({"custom_made"}, "custom-made"), ({"blind_box"}, "blind box")])
def test_instant_refund_refused_for_custom_and_blind_box_goods(douyin, flags, named):
    r = instant(douyin, flags=flags)
    assert not r.eligible and r.reason == f"{named} goods have no instant refund (refund.instant)"


def test_perishable_goods_may_have_an_instant_refund(douyin):
    assert instant(douyin, flags={"perishable"}).eligible


def test_instant_refund_cap_is_8000_yuan_inclusive(douyin):
    assert instant(douyin, paid_fen=800_000).eligible
    over = instant(douyin, paid_fen=800_001)
    assert not over.eligible and "orders over 8000.00 yuan" in over.reason


# --- damage windows ---------------------------------------------------------------------------

SIGNED = utc(2026, 9, 3, 14, 0)


@pytest.mark.parametrize("reason, hours, clause_id", [
    ("damaged", 48, "damage.window.damaged"),
    ("thawed_dead", 24, "damage.window.thawed-dead"),
    ("visible_rot", 48, "damage.window.visible-rot"),
    ("internal_rot", 120, "damage.window.internal-rot"),
])
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
    assert not policy.damage_window(douyin, reason=reason, signed_at=SIGNED, now=deadline - timedelta(hours=12) + SECOND).eligible
    ok = policy.damage_window(douyin, reason=reason, signed_at=SIGNED, now=deadline, pledge=pledge)
    assert ok.eligible and ok.deadline == deadline and "+ 12 h shop pledge" in ok.reason
    assert not policy.damage_window(douyin, reason=reason, signed_at=SIGNED, now=deadline + SECOND, pledge=pledge).eligible


def test_damage_window_unknown_reason_and_before_sign_off(douyin):
    with pytest.raises(InvalidInput, match="unknown damage reason"):
        policy.damage_window(douyin, reason="bored", signed_at=SIGNED, now=SIGNED)
    before = policy.damage_window(douyin, reason="damaged", signed_at=None, now=SIGNED)
    assert not before.eligible and before.deadline is None


# --- damage shares ----------------------------------------------------------------------------

@pytest.mark.parametrize("damaged, units, paid, share_bp, amount, clause_id", [
    (1, 12, 1990, 3000, 597, "damage.share.le30"),      # 8.3% → 30%: 597.0
    (3, 10, 1000, 3000, 300, "damage.share.le30"),      # exactly 30% is still the lowest band
    (31, 100, 1000, 5000, 500, "damage.share.30-50"),   # just over 30%
    (4, 12, 1990, 5000, 995, "damage.share.30-50"),     # 33% → 50%
    (1, 2, 1000, 5000, 500, "damage.share.30-50"),      # exactly 50% is still the middle band
    (51, 100, 1000, 10000, 1000, "damage.share.gt50"),  # just over 50%
    (7, 12, 1990, 10000, 1990, "damage.share.gt50"),
    (12, 12, 1990, 10000, 1990, "damage.share.gt50"),
    # half-up to the fen (banker's rounding would give 598 and 992)
    (1, 10, 1995, 3000, 599, "damage.share.le30"),      # 598.5 → 599
    (2, 4, 1985, 5000, 993, "damage.share.30-50"),      # 992.5 → 993
    (1, 10, 1999, 3000, 600, "damage.share.le30"),      # 599.7 → 600
    (1, 10, 1001, 3000, 300, "damage.share.le30"),      # 300.3 → 300
    (1, 1, 0, 10000, 0, "damage.share.gt50"),
])
def test_damage_share_bands_at_every_boundary(douyin, damaged, units, paid, share_bp, amount, clause_id):
    q = policy.damage_refund(douyin, paid_fen=paid, units=units, damaged=damaged, at=SIGNED)
    assert (q.amount_fen, q.share_bp, q.clause.id, q.pledge_applied) == (amount, share_bp, clause_id, False)
    assert q.clause.source == "douyin:aJn4bujNmDDo"


@pytest.mark.parametrize("damaged, units, paid", [(0, 10, 1000), (11, 10, 1000), (1, 0, 1000), (-1, 10, 1000), (1, 10, -1)])
def test_damage_refund_refuses_impossible_counts(douyin, damaged, units, paid):
    with pytest.raises(InvalidInput):
        policy.damage_refund(douyin, paid_fen=paid, units=units, damaged=damaged, at=SIGNED)


@pytest.mark.parametrize("damaged, units, paid, band_amount", [
    (2, 10, 1000, 300),   # per unit 200 < band 30% = 300
    (3, 10, 1000, 300),   # per unit 300 = band 300: the band stands, the pledge adds nothing
    (4, 10, 1000, 500),   # per unit 400 < band 50% = 500
    (6, 10, 1000, 1000),  # per unit 600 < 100%
])
def test_per_unit_pledge_never_beats_the_douyin_bands(douyin, damaged, units, paid, band_amount):
    q = policy.damage_refund(douyin, paid_fen=paid, units=units, damaged=damaged, at=SIGNED,
                             pledge=ShopPledge(per_unit_damage=True))
    assert (q.amount_fen, q.pledge_applied) == (band_amount, False)


def lean_book(douyin, refund_bp: int):
    """The douyin rulebook with one damage band that refunds `refund_bp` whatever the share: a
    rulebook less generous than the shop's per-unit pledge, so the pledge can be seen to win."""
    band = Clause("damage.share.flat", "damage_share", SIGNED.date().replace(year=2023), "test", "flat", "flat",
                  {"refund_bp": refund_bp})
    return replace(douyin, clauses=tuple(c for c in douyin.clauses if c.kind != "damage_share") + (band,))


def test_per_unit_pledge_pays_pro_rata_when_that_beats_the_band(douyin):
    book = lean_book(douyin, 1000)  # 10% flat
    plain = policy.damage_refund(book, paid_fen=1990, units=12, damaged=5, at=SIGNED)
    assert (plain.amount_fen, plain.share_bp, plain.pledge_applied) == (199, 1000, False)
    pledged = policy.damage_refund(book, paid_fen=1990, units=12, damaged=5, at=SIGNED,
                                   pledge=ShopPledge(per_unit_damage=True))
    # 5/12 of 19.90 = 829.17 → 829 fen; share 5/12 = 4166.67 bp → 4167 bp
    assert (pledged.amount_fen, pledged.share_bp, pledged.pledge_applied) == (829, 4167, True)
    assert "the shop's pledge pays every damaged unit" in pledged.explanation
    # 1 of 12: pro rata 165.83 → 166 is less than the band's 199, which stays
    one = policy.damage_refund(book, paid_fen=1990, units=12, damaged=1, at=SIGNED, pledge=ShopPledge(per_unit_damage=True))
    assert (one.amount_fen, one.pledge_applied) == (199, False)


counts_st = st.integers(min_value=1, max_value=500).flatmap(
    lambda units: st.tuples(st.just(units), st.integers(min_value=1, max_value=units)))


@settings(max_examples=300, deadline=None)
@given(counts=counts_st, paid=st.integers(min_value=0, max_value=10**10))
def test_under_the_douyin_bands_per_unit_never_wins(douyin, counts, paid):
    """Each band refunds at least the share it covers (≤30% → 30%, ≤50% → 50%, else 100%), and
    half-up rounding is monotone, so pro rata ≤ band: the pledge changes nothing here."""
    units, damaged = counts
    plain = policy.damage_refund(douyin, paid_fen=paid, units=units, damaged=damaged, at=SIGNED)
    pledged = policy.damage_refund(douyin, paid_fen=paid, units=units, damaged=damaged, at=SIGNED,
                                   pledge=ShopPledge(per_unit_damage=True))
    assert (pledged.amount_fen, pledged.share_bp, pledged.pledge_applied) == (plain.amount_fen, plain.share_bp, False)
    assert (2 * paid * damaged + units) // (2 * units) <= plain.amount_fen <= paid


@settings(max_examples=300, deadline=None)
@given(counts=counts_st, paid=st.integers(min_value=0, max_value=10**10),
       flat_bp=st.integers(min_value=0, max_value=10_000))
def test_a_pledge_never_lowers_the_refund(douyin, counts, paid, flat_bp):
    """Over any band (here a flat one) the pledged refund is max(band, pro rata), never less."""
    units, damaged = counts
    book = lean_book(douyin, flat_bp)
    plain = policy.damage_refund(book, paid_fen=paid, units=units, damaged=damaged, at=SIGNED)
    pledged = policy.damage_refund(book, paid_fen=paid, units=units, damaged=damaged, at=SIGNED,
                                   pledge=ShopPledge(per_unit_damage=True))
    pro_rata = (2 * paid * damaged + units) // (2 * units)
    assert plain.amount_fen == (2 * paid * flat_bp + 10_000) // 20_000
    assert pledged.amount_fen == max(plain.amount_fen, pro_rata) >= plain.amount_fen
    assert pledged.pledge_applied == (pro_rata > plain.amount_fen)
    assert pledged.amount_fen <= paid


# --- merchant review deadlines ----------------------------------------------------------------

@pytest.mark.parametrize("case_type, hours, clause_id, source", [
    ("damage_claim", 24, "review.damage-24h", "douyin:aJn4bujNmDDo"),
    ("refund_only", 48, "review.default-48h", "pledge:default"),
    ("return_refund", 48, "review.default-48h", "pledge:default"),
    ("exchange", 48, "review.default-48h", "pledge:default"),
])
def test_review_deadlines(douyin, case_type, hours, clause_id, source):
    requested = utc(2026, 9, 3, 14, 0, 0)
    due, clause = policy.review_deadline(douyin, case_type, requested)
    assert due == requested + timedelta(hours=hours)
    assert (clause.id, clause.source) == (clause_id, source)


def test_instant_refunds_have_no_review(douyin):
    with pytest.raises(InvalidInput):
        policy.review_deadline(douyin, "instant_refund", utc(2026, 9, 3))
