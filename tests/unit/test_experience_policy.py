"""The experience score as the rulebook defines it (douyin:103956, douyin:aJmVWbCJyD8M,
douyin:aJoPPkXuLRqc): bands, the small-shop fixed 80, growth vs formal stage, deductions with
caps, the star display and the diff between the 2026-07-14 and 2026-09-08 versions."""

from __future__ import annotations

from datetime import date

import pytest

from pledge.experience import policy
from pledge.kernel.errors import InvalidInput
from pledge.rulebooks.loader import load

CURRENT, ANNOUNCED = date(2026, 7, 14), date(2026, 9, 8)


@pytest.fixture(scope="module")
def book():
    return load("douyin")


def formal(**over) -> dict:
    """A shop with 600 paid orders (no small-shop rule) doing well on everything."""
    m = {
        "paid_orders": 600,
        "delivered": 500,
        "rated": 400,
        "rating_sum": 400 * 4.9,
        "bad_reviews": 4,
        "quality_returns": 0,
        "picked": 600,
        "pickup_seconds": 600 * 10 * 3600,
        "pickup_points": 600 * 100,
        "due_waybills": 500,
        "on_time": 490,
        "logistics_returns": 0,
        "damage_returns": 0,
        "escalated_orders": 0,
        "helped_orders": 50,
        "next_day": 0,
        "reviewed_cases": 10,
        "review_seconds": 10 * 3600,
        "chat_rounds": 100,
        "chat_response_ms": 100 * 20_000,
        "rated_conversations": 40,
        "dissatisfied_conversations": 0,
    }
    m.update(over)
    return m


def test_versions_are_the_scheme_dates(book):
    assert policy.version_dates(book) == [CURRENT, ANNOUNCED]
    assert policy.version_day(book, None, date(2026, 9, 1)) == CURRENT
    assert policy.version_day(book, None, date(2026, 9, 8)) == ANNOUNCED
    with pytest.raises(InvalidInput):
        policy.version_day(book, "2026-08-01", date(2026, 9, 1))


def test_each_indicator_is_banded_per_its_clause(book):
    r = policy.evaluate(
        book,
        CURRENT,
        formal(
            rating_sum=400 * 4.5,
            on_time=430,
            review_seconds=10 * 7 * 3600,
            chat_response_ms=100 * 100_000,
            escalated_orders=1,
        ),
    )
    points = {i.code: i.points for i in r.indicators}
    assert points["product_rating"] == 80  # 4.5 >= 4.4
    assert points["quality_return_rate"] == 100  # 0%
    assert points["pickup_score"] == 100  # the average of per-order points is the indicator's points
    assert points["delivery_on_time_rate"] == 80  # 86% >= 85%
    assert points["aftersales_review_hours"] == 80  # 7 h <= 12 h
    assert points["chat_response_seconds"] == 80  # 100 s <= 120 s
    assert points["platform_help_rate"] == 80  # 1 / 50 = 2% <= 2%
    assert r.indicator("delivery_on_time_rate").next_band == {"value": 9000, "points": 90}
    assert r.indicator("product_rating").bands_clause == "experience.bands.product-rating"
    assert {i.code for i in r.indicators} == {
        "product_rating",
        "quality_return_rate",
        "pickup_score",
        "delivery_on_time_rate",
        "logistics_return_rate",
        "aftersales_review_hours",
        "chat_response_seconds",
        "chat_dissatisfaction_rate",
        "platform_help_rate",
    }


def test_no_data_leaves_the_indicator_out_of_its_dimension(book):
    r = policy.evaluate(
        book, CURRENT, formal(reviewed_cases=0, review_seconds=0, chat_response_ms=100 * 200_000)
    )
    assert (
        r.indicator("aftersales_review_hours").value is None
        and r.indicator("aftersales_review_hours").points is None
    )
    # service: dissatisfaction 100 (w25), response 200 s -> 60 (w25), help 100 (w25), review left out
    assert r.dimensions["service"]["points"] == pytest.approx((100 + 60 + 100) / 3, abs=0.01)


def test_small_shop_gets_a_fixed_80_on_rate_indicators(book):
    small = formal(
        paid_orders=120, delivered=100, rated=50, rating_sum=50 * 3.0, bad_reviews=3, quality_returns=3
    )
    r = policy.evaluate(book, CURRENT, small)
    assert r.indicator("product_rating").points == 80 and r.indicator("product_rating").fixed
    assert r.indicator("quality_return_rate").points == 80
    bigger = policy.evaluate(book, CURRENT, dict(small, bad_reviews=4))
    assert bigger.indicator("product_rating").points == 50 and not bigger.indicator("product_rating").fixed
    flagship = policy.evaluate(
        book, CURRENT, dict(small, paid_orders=350), profile=policy.Profile("其他", True)
    )
    assert not flagship.indicator("product_rating").fixed  # flagship: fewer than 300 orders only


def test_growth_stage_is_fixed_70_or_60(book):
    ok = policy.evaluate(book, CURRENT, formal(paid_orders=29))
    assert (ok.stage, ok.score) == ("growth", 70)
    cut = policy.evaluate(book, CURRENT, formal(paid_orders=29), incident_kinds=["refused_invoice"])
    assert (cut.stage, cut.score) == ("growth", 60)
    failing = policy.evaluate(book, CURRENT, formal(paid_orders=29, chat_response_ms=100 * 900_000))
    assert failing.indicator("chat_response_seconds").points == 50 and failing.score == 60
    assert policy.evaluate(book, CURRENT, formal(paid_orders=30)).stage == "formal"


def test_formal_score_is_weighted_dimensions_bounded(book):
    r = policy.evaluate(book, CURRENT, formal())
    expected = sum(d["weight"] / 100 * d["points"] for d in r.dimensions.values())
    assert r.stage == "formal" and r.score == pytest.approx(expected, abs=0.01)
    assert sum(i.contribution for i in r.indicators) == pytest.approx(r.score, abs=0.05)
    awful = formal(
        rating_sum=400 * 2.0,
        quality_returns=100,
        pickup_points=600 * 50,
        on_time=0,
        logistics_returns=100,
        pickup_seconds=600 * 100 * 3600,
        damage_returns=100,
        review_seconds=10 * 100 * 3600,
        chat_response_ms=100 * 900_000,
        dissatisfied_conversations=40,
        escalated_orders=50,
    )
    low = policy.evaluate(book, CURRENT, awful, incident_kinds=["brushing"])
    assert low.score == 50  # 50 - 15, floored at the current rule's minimum
    assert (
        policy.evaluate(book, ANNOUNCED, awful, incident_kinds=["brushing"]).score == 40
    )  # 0-100 from 2026-09-08


def test_deductions_are_capped_per_clause(book):
    six = ["abnormal_return_address"] * 3 + ["refused_invoice"] * 3
    now = policy.deductions(book, CURRENT, six)
    assert now == [
        {
            "clause": "experience.deduction.negative-service",
            "source": "douyin:aJmVWbCJyD8M",
            "incidents": 6,
            "points": 15,
            "cap": 15,
        }
    ]  # 6 x 3 = 18, capped at 15
    later = {d["clause"]: d["points"] for d in policy.deductions(book, ANNOUNCED, six)}
    assert later == {"experience.deduction.negative-service": 6, "experience.deduction.refused-invoice": 6}
    brushing = policy.deductions(book, ANNOUNCED, ["brushing", "brushing", "false_advertising"])
    assert {d["clause"]: d["points"] for d in brushing} == {
        "experience.deduction.brushing": 10,
        "experience.deduction.false-advertising": 10,
    }
    assert policy.deductions(book, CURRENT, ["false_advertising"]) == []  # not a deduction before 2026-09-08


@pytest.mark.parametrize(
    "score, shown, stars",
    [
        (100, 5.0, 5.0),
        (97, 5.0, 5.0),
        (96.9, 4.9, 5.0),
        (93, 4.9, 5.0),
        (89, 4.8, 5.0),
        (88, 4.7, 4.5),
        (85, 4.7, 4.5),
        (81, 4.6, 4.5),
        (77, 4.5, 4.5),
        (76, 4.4, 4.0),
        (64, 4.1, 4.0),
        (61, 4.1, 4.0),
        (60, 4.0, 4.0),
        (59, 3.9, 3.5),
        (55, 3.5, 3.5),
        (54, 3.4, 3.0),
        (50, 3.0, 3.0),
    ],
)
def test_star_mapping(book, score, shown, stars):
    """douyin:103956 商家体验分对应规则, read row by row (experience.stars; the stars are merged cells)."""
    assert policy.shown_score(book, CURRENT, score) == (shown, stars)


def test_star_mapping_below_50_only_exists_in_the_new_rule(book):
    assert policy.shown_score(book, ANNOUNCED, 12) == (3.0, 3.0)
    assert policy.shown_score(book, ANNOUNCED, 51) == (3.1, 3.0)
    with pytest.raises(InvalidInput):
        policy.shown_score(book, CURRENT, 49)


def test_version_diff_names_what_changed(book):
    m = formal(pickup_seconds=600 * 30 * 3600, pickup_points=600 * 80, damage_returns=30, next_day=150)
    old, new = policy.evaluate(book, CURRENT, m), policy.evaluate(book, ANNOUNCED, m)
    assert old.indicator("pickup_score") and not old.indicator("average_pickup_hours")
    assert (
        new.indicator("average_pickup_hours").value == 30
        and new.indicator("average_pickup_hours").points == 80
    )
    assert not new.indicator("pickup_score") and not new.indicator("logistics_return_rate")
    rows = {r["code"]: r for r in policy.diff(old, new)}
    assert rows["damage_return_rate"]["in_new"] and not rows["damage_return_rate"]["in_old"]
    assert rows["damage_return_rate"]["after"] == pytest.approx(0.4 * 0.3 * 50, abs=0.01)  # 5% -> 50 points
    assert rows["logistics_return_rate"]["after"] == 0 and rows["logistics_return_rate"]["change"] < 0
    assert policy.diff(old, new)[0]["change"] == min(r["change"] for r in rows.values())  # worst first
    assert new.bonuses == [
        {
            "clause": "experience.bonus.next-day-delivery",
            "source": "douyin:aJoPPkXuLRqc",
            "code": "next_day_delivery",
            "value": 3000.0,
            "points": 5,
        }
    ]
    assert not old.bonuses
