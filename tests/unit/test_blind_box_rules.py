"""Blind-box and minors' rules without a database (douyin:aHGYneqr4WDJ; minors' spending
limits are a Pledge default). Ages are whole years on the Beijing (Asia/Shanghai, UTC+8) day."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pledge.blindboxes import policy
from pledge.blindboxes.model import ODDS_TOTAL_BP, BoxItem, BoxSeries, BoxType
from pledge.blindboxes.policy import BannedBlindBox
from pledge.kernel.errors import InvalidInput
from pledge.minors import policy as minors
from pledge.minors.policy import MinorRestricted
from pledge.rulebooks.loader import load

BOOK = load("douyin")
AT = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)
SEEDS = BoxSeries(
    BoxType.SEEDS.value,
    True,
    6,
    (
        BoxItem("向日葵", 4000, 500, 400),
        BoxItem("波斯菊", 3500, 600, 350),
        BoxItem("满天星", 2400, 800, 240),
        BoxItem("蓝色妖姬（隐藏款）", 100, 3000, 10, hidden=True),
    ),
)


@pytest.mark.parametrize(
    ("box_type", "clause"),
    [
        ("parcel", "blindbox.banned.parcel"),
        ("animal", "blindbox.banned.animal"),
        ("dating", "blindbox.banned.dating"),
        ("electronics", "blindbox.banned.electronics"),
        ("alcohol", "blindbox.banned.alcohol"),
        ("travel", "blindbox.banned.travel"),
        ("drug", "blindbox.banned.drug"),
        ("medical_device", "blindbox.banned.medical-device"),
    ],
)
def test_banned_blind_box_types_are_refused_naming_their_clause(box_type, clause):
    with pytest.raises(BannedBlindBox) as refused:
        policy.check_listing(BOOK, "惊喜盲盒", replace(SEEDS, box_type=box_type), AT)
    assert refused.value.extra["clause"] == clause
    assert clause in refused.value.detail


def test_a_banned_kind_named_in_the_title_is_refused_whatever_type_is_declared():
    with pytest.raises(BannedBlindBox) as refused:
        policy.check_listing(BOOK, "神秘快递盲盒 开出惊喜", replace(SEEDS, box_type="other"), AT)
    assert refused.value.extra["clause"] == "blindbox.banned.parcel"


def test_allowed_box_types_pass_and_unknown_ones_are_invalid():
    for box_type in ("seeds", "figures", "cards", "plush", "blocks", "stationery", "lighters", "other"):
        policy.check_listing(BOOK, "花种盲盒", replace(SEEDS, box_type=box_type), AT)
    with pytest.raises(InvalidInput, match="box type is one of"):
        policy.check_listing(BOOK, "盲盒", replace(SEEDS, box_type="mystery"), AT)


def test_only_factory_sealed_boxes_may_be_listed():
    with pytest.raises(BannedBlindBox, match="blindbox.factory-sealed"):
        policy.check_listing(BOOK, "花种盲盒", replace(SEEDS, factory_sealed=False), AT)


def test_the_odds_of_a_series_must_sum_to_one_hundred_percent():
    short = replace(SEEDS, items=(*SEEDS.items[:3], replace(SEEDS.items[3], odds_bp=99)))
    with pytest.raises(InvalidInput, match="add up to 9999 basis points, not 10000") as refused:
        policy.check_listing(BOOK, "花种盲盒", short, AT)
    assert refused.value.extra["clause"] == "blindbox.disclosure"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"odds_bp": 0}, "odds are disclosed"),
        ({"value_fen": 0}, "its value is disclosed"),
        ({"quantity": 0}, "quantity released"),
        ({"name": " "}, "needs a name"),
    ],
)
def test_every_item_discloses_its_odds_value_and_quantity(change, message):
    items = (replace(SEEDS.items[0], **change), *SEEDS.items[1:])
    with pytest.raises(InvalidInput, match=message):
        policy.check_disclosure(BOOK, replace(SEEDS, items=items), AT)


def test_a_box_discloses_at_least_two_items_and_a_per_buyer_limit():
    with pytest.raises(InvalidInput, match="at least two"):
        policy.check_disclosure(BOOK, replace(SEEDS, items=(replace(SEEDS.items[0], odds_bp=10000),)), AT)
    with pytest.raises(InvalidInput, match="how many draws one buyer"):
        policy.check_disclosure(BOOK, replace(SEEDS, draws_per_buyer=0), AT)


def test_the_value_range_is_the_cheapest_and_dearest_item():
    assert SEEDS.value_range_fen == (500, 3000)


def test_each_item_owns_a_slice_of_the_rolls_as_wide_as_its_odds():
    items = [(1, 4000), (2, 3500), (3, 2400), (4, 100)]
    drawn = Counter(policy.draw(items, roll) for roll in range(ODDS_TOTAL_BP))
    assert drawn == {1: 4000, 2: 3500, 3: 2400, 4: 100}
    assert (policy.draw(items, 0), policy.draw(items, 3999), policy.draw(items, 4000)) == (1, 1, 2)
    assert policy.draw(items, 9999) == 4
    with pytest.raises(ValueError):
        policy.draw(items, ODDS_TOTAL_BP)


@given(
    st.sets(st.integers(1, ODDS_TOTAL_BP - 1), min_size=1, max_size=30),
    st.integers(0, ODDS_TOTAL_BP - 1),
)
def test_a_roll_draws_the_item_whose_slice_holds_it(cuts, roll):
    bounds = [0, *sorted(cuts), ODDS_TOTAL_BP]
    items = [(n, high - low) for n, (low, high) in enumerate(zip(bounds, bounds[1:], strict=False), 1)]
    drawn = policy.draw(items, roll)
    assert bounds[drawn - 1] <= roll < bounds[drawn]


def test_rolls_come_from_the_cryptographic_random_source_in_range():
    rolls = {policy.roll() for _ in range(200)}
    assert all(0 <= r < ODDS_TOTAL_BP for r in rolls) and len(rolls) > 1
    assert policy.roll(lambda bound: bound - 1) == ODDS_TOTAL_BP - 1


def test_draw_records_are_kept_three_years_from_the_beijing_day_of_the_draw():
    # 2026-08-31 16:30 UTC is 2026-09-01 00:30 in Beijing.
    assert policy.keep_until(BOOK, datetime(2026, 8, 31, 16, 30, tzinfo=UTC)) == date(2029, 9, 1)
    assert policy.keep_until(BOOK, datetime(2028, 2, 29, 4, 0, tzinfo=UTC)) == date(2031, 3, 1)


@pytest.mark.parametrize(
    ("born", "day", "age"),
    [
        (date(2018, 9, 1), date(2026, 8, 31), 7),  # the day before the 8th birthday
        (date(2018, 9, 1), date(2026, 9, 1), 8),  # on it
        (date(2008, 9, 2), date(2026, 9, 1), 17),
        (date(2008, 9, 1), date(2026, 9, 1), 18),
        (date(2012, 2, 29), date(2026, 2, 28), 13),  # leap-day birthday, no 29 February this year
        (date(2012, 2, 29), date(2026, 3, 1), 14),
        (date(2012, 2, 29), date(2028, 2, 29), 16),
    ],
)
def test_age_in_whole_years_on_birthdays_and_the_leap_day(born, day, age):
    assert minors.age_on(born, day) == age


def test_the_age_is_counted_on_the_beijing_day_not_the_utc_day():
    # 2026-08-31 16:00 UTC is already 2026-09-01 in Beijing: an 8th birthday.
    at = datetime(2026, 8, 31, 16, 0, tzinfo=UTC)
    assert minors.age_on(date(2018, 9, 1), minors.beijing_day(BOOK, at)) == 8
    assert minors.age_on(date(2018, 9, 1), at.date()) == 7


def test_blind_boxes_refuse_under_eight_and_need_consent_until_eighteen():
    for age, consented, reason in (
        (None, True, "birth_date_required"),
        (7, True, "under_age"),
        (8, False, "guardian_consent_required"),
        (17, False, "guardian_consent_required"),
    ):
        with pytest.raises(MinorRestricted) as refused:
            minors.refuse_blind_box(BOOK, age, consented, AT)
        assert (refused.value.extra["reason"], refused.value.extra["clause"]) == (reason, "blindbox.minors")
        assert refused.value.status == 403
    minors.refuse_blind_box(BOOK, 8, True, AT)
    minors.refuse_blind_box(BOOK, 18, False, AT)


def test_minor_spending_limits_are_a_pledge_default_per_order_and_per_month():
    limits = minors.spending_limits(BOOK, AT)
    assert BOOK.clause(limits.clause_id).source == "pledge:default"
    assert (limits.adult_years, limits.per_order_fen, limits.per_month_fen) == (18, 10000, 40000)
    minors.refuse_over_limits(limits, [10000], 30000)  # exactly at both limits
    with pytest.raises(MinorRestricted, match=r"at most ¥100.00 per order") as refused:
        minors.refuse_over_limits(limits, [10001], 0)
    assert refused.value.extra["reason"] == "per_order_limit"
    with pytest.raises(MinorRestricted, match=r"¥400.00 a month and have paid ¥300.01") as refused:
        minors.refuse_over_limits(limits, [5000, 5000], 30001)
    assert refused.value.extra["reason"] == "per_month_limit"


def test_every_blind_box_figure_cites_the_official_text():
    for clause in BOOK.clauses:
        if clause.kind.startswith("blind_box"):
            assert clause.source == "douyin:aHGYneqr4WDJ", clause.id
    minors_clause = BOOK.clause("blindbox.minors")
    assert "不满8周岁" in minors_clause.text and "8周岁至18周岁" in minors_clause.text
    assert BOOK.clause("blindbox.draw-records").get("keep_years") == 3
