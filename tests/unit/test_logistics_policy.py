"""The logistics rules at their boundaries (RULES.md §1): slow tracking (douyin:aHwHroCPheig),
abnormal tracking (douyin:aHzmeN9E9dBF), out of stock (douyin:aHwHGWzbmk88), fraudulent
shipping (douyin:aJo44CiDDaqb) amounts, and the late-rate sanction thresholds
(douyin:aJoPPkWZ7VQM). Just before, at and just after every threshold."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from pledge.kernel.errors import NotFound
from pledge.logistics.policy import (
    DayRate,
    Finding,
    Scan,
    day_bounds,
    next_local_midnight,
    quote,
    route_class,
    tracking_verdict,
)
from pledge.rulebooks.loader import load

H = timedelta(hours=1)
S = timedelta(seconds=1)
PAID = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)
UP = PAID + 10 * H  # tracking number uploaded


@pytest.fixture(scope="module")
def book():
    return load("douyin")


def verdict(book, rule, scans, now, route="remote"):
    return tracking_verdict(
        book, rule, uploaded_at=UP, paid_at=PAID, scans=[Scan(k, t) for k, t in scans], route=route, now=now
    )


@pytest.mark.parametrize(
    "rule, clause, hours",
    [
        ("slow_tracking", "slow-tracking.no-pickup-24h", 24),
        ("abnormal_tracking", "abnormal-tracking.no-pickup-48h", 48),
    ],
)
def test_no_pickup_scan_fires_only_after_the_limit(book, rule, clause, hours):
    limit = UP + hours * H
    at_limit = verdict(book, rule, [], limit)
    assert (at_limit.finding, at_limit.final) == (None, False)
    after = verdict(book, rule, [], limit + S)
    assert (after.finding.clause.id, after.finding.at, after.final) == (clause, limit, True)
    # a pickup scan exactly at the limit is in time, one second later is not
    assert verdict(book, rule, [("picked_up", limit)], limit + 5 * H).finding is None
    late = verdict(book, rule, [("picked_up", limit + S)], limit + 5 * H)
    assert late.finding.clause.id == clause


@pytest.mark.parametrize(
    "rule, clause, hours",
    [
        ("slow_tracking", "slow-tracking.no-hub-24h", 24),
        ("abnormal_tracking", "abnormal-tracking.no-hub-48h", 48),
    ],
)
def test_no_sorting_centre_scan_after_pickup(book, rule, clause, hours):
    pickup = UP + 2 * H
    limit = pickup + hours * H
    assert verdict(book, rule, [("picked_up", pickup)], limit).finding is None
    assert verdict(book, rule, [("picked_up", pickup)], limit + S).finding.clause.id == clause
    assert verdict(book, rule, [("picked_up", pickup), ("in_transit", limit)], limit + S).finding is None
    assert (
        verdict(book, rule, [("picked_up", pickup), ("in_transit", limit + S)], limit + S).finding.clause.id
        == clause
    )


@pytest.mark.parametrize("route, hours", [("same_province", 48), ("cross_province", 72), ("remote", 120)])
def test_scan_gap_limit_depends_on_the_route(book, route, hours):
    pickup, hub = UP + 2 * H, UP + 10 * H
    base = [("picked_up", pickup), ("in_transit", hub)]
    assert verdict(book, "slow_tracking", base, hub + hours * H, route).finding is None
    gap = verdict(book, "slow_tracking", base, hub + hours * H + S, route)
    assert (gap.finding.clause.id, gap.finding.at) == (
        f"slow-tracking.gap.{route.replace('_', '-')}",
        hub + hours * H,
    )
    # a gap between two scans, closed by a later scan, counts too
    closed = base + [("in_transit", hub + hours * H + S), ("delivered", hub + hours * H + 2 * H)]
    assert verdict(book, "slow_tracking", closed, hub + 300 * H, route).finding.clause.id.startswith(
        "slow-tracking.gap"
    )
    in_time = base + [("in_transit", hub + hours * H), ("delivered", hub + hours * H + 2 * H)]
    clear = verdict(book, "slow_tracking", in_time, hub + 300 * H, route)
    assert (clear.finding, clear.final) == (None, True)


def test_a_delivered_parcel_with_timely_scans_is_clear_and_final(book):
    scans = [("picked_up", UP + 2 * H), ("in_transit", UP + 10 * H), ("delivered", UP + 36 * H)]
    for rule in ("slow_tracking", "abnormal_tracking", "out_of_stock"):
        v = verdict(book, rule, scans, UP + 40 * H)
        assert (v.finding, v.final) == (None, True), rule
    moving = verdict(book, "slow_tracking", scans[:2], UP + 20 * H)
    assert (moving.finding, moving.final) == (None, False)


def test_scans_in_the_future_are_not_seen(book):
    # the sandbox carrier schedules its scans ahead; only those whose time has come count
    v = verdict(book, "slow_tracking", [("picked_up", UP + 30 * H)], UP + 24 * H + S)
    assert v.finding.clause.id == "slow-tracking.no-pickup-24h"


def test_abnormal_pickup_before_payment_and_recall(book):
    early = verdict(book, "abnormal_tracking", [("picked_up", PAID - S)], UP + H)
    assert (early.finding.clause.id, early.finding.at) == (
        "abnormal-tracking.pickup-before-payment",
        PAID - S,
    )
    assert verdict(book, "abnormal_tracking", [("picked_up", PAID)], UP + H).finding is None
    recalled = verdict(
        book,
        "abnormal_tracking",
        [("picked_up", UP + H), ("in_transit", UP + 5 * H), ("returned", UP + 9 * H)],
        UP + 10 * H,
    )
    assert recalled.finding.clause.id == "abnormal-tracking.recalled"


def test_out_of_stock_via_tracking_after_five_days_without_pickup(book):
    limit = UP + 120 * H
    assert verdict(book, "out_of_stock", [], limit).finding is None
    assert (
        verdict(book, "out_of_stock", [], limit + S).finding.clause.id == "out-of-stock.no-real-shipment-5d"
    )


def test_douyin_aHzmeN9E9dBF_a_parcel_the_buyer_refused_is_not_recalled(book):
    """Regression: "私自召回：出现非消费者意愿的发货物流异常退回" — a parcel going back because the
    buyer refused it or asked for it back (carrier event `refused`) is not abnormal tracking, and
    it ends the parcel's journey (no scan gap runs after it)."""
    scans = [("picked_up", UP + H), ("in_transit", UP + 5 * H), ("refused", UP + 30 * H)]
    for rule in ("abnormal_tracking", "slow_tracking"):
        v = verdict(book, rule, scans, UP + 400 * H)
        assert (v.finding, v.final) == (None, True), rule
    recalled = verdict(book, "abnormal_tracking", scans[:2] + [("returned", UP + 30 * H)], UP + 31 * H)
    assert recalled.finding.clause.id == "abnormal-tracking.recalled"


def test_abnormal_tracking_pay_cites_the_official_text(book):
    """Regression: the 25% (5-100) clause cited the digest (rules-md) though the official text
    douyin:aHzmeN9E9dBF 2.1 is in the corpus."""
    assert book.clause("abnormal-tracking.pay").source == "douyin:aHzmeN9E9dBF"


def test_explanation_times_are_beijing_time_not_utc_iso(book):
    v = verdict(book, "slow_tracking", [], UP + 24 * H + S)
    assert (
        v.finding.detail_en
        == "tracking number uploaded 1 Sep 2026 20:00 (Beijing time), no pickup scan within 24 h"
    )
    assert v.finding.detail_zh.startswith("2026年9月1日 20:00（北京时间）上传运单号")
    assert "+00:00" not in v.finding.detail_en + v.finding.detail_zh


def _quote(book, rule, paid_fen, promise_h=48):
    f = Finding(book.clause("slow-tracking.no-pickup-24h"), UP, "x", "x")
    return quote(book, rule, f, paid_fen=paid_fen, promise_span=timedelta(hours=promise_h), at=PAID, now=UP)


@pytest.mark.parametrize(
    "rule, promise_h, paid_fen, amount, clause",
    [
        ("slow_tracking", 48, 15000, 300, "slow-tracking.pay.le48h"),  # 1% = 1.50 -> 2 -> min 3
        ("slow_tracking", 48, 45000, 500, "slow-tracking.pay.le48h"),  # 1% = 4.50 -> 5
        ("slow_tracking", 48, 400000, 3000, "slow-tracking.pay.le48h"),  # 40 -> max 30
        ("slow_tracking", 49, 15000, 800, "slow-tracking.pay.gt48h"),  # 5% = 7.50 -> 8
        ("slow_tracking", 72, 2000000, 5000, "slow-tracking.pay.gt48h"),  # max 50
        ("abnormal_tracking", 48, 15000, 3800, "abnormal-tracking.pay"),  # 25% = 37.50 -> 38
        ("abnormal_tracking", 48, 1000, 500, "abnormal-tracking.pay"),  # 2.50 -> 3 -> min 5
        ("abnormal_tracking", 48, 100000, 10000, "abnormal-tracking.pay"),  # 250 -> max 100
        ("out_of_stock", 48, 15000, 200, "out-of-stock.pay.le48h"),  # 1.50 -> 2
        ("out_of_stock", 240, 15000, 500, "out-of-stock.pay.48-240h"),  # 3% = 4.50 -> 5
        ("out_of_stock", 241, 15000, 800, "out-of-stock.pay.gt240h"),  # 5% = 7.50 -> 8
        ("fraudulent_shipping", 48, 1000, 1000, "fraudulent-shipping.pay.ge10"),  # 30% of 10 = 3 -> min 10
        ("fraudulent_shipping", 48, 15000, 4500, "fraudulent-shipping.pay.ge10"),  # 45
        ("fraudulent_shipping", 48, 500000, 50000, "fraudulent-shipping.pay.ge10"),  # 1500 -> max 500
        ("fraudulent_shipping", 48, 999, 1000, "fraudulent-shipping.pay.lt10"),  # 9.99 -> 10
        ("fraudulent_shipping", 48, 300, 500, "fraudulent-shipping.pay.lt10"),  # 3 -> min 5
        ("booked_delivery", 48, 15000, 800, "booked-delivery.pay"),  # 5% = 7.50 -> 8
        ("booked_delivery", 48, 5000, 500, "booked-delivery.pay"),  # 2.50 -> 3 -> min 5
        ("booked_delivery", 72, 200000, 5000, "booked-delivery.pay"),  # 100 -> max 50
    ],
)
def test_compensation_amounts(book, rule, promise_h, paid_fen, amount, clause):
    q = _quote(book, rule, paid_fen, promise_h)
    assert (q.amount_fen, q.clause.id) == (amount, clause)


@pytest.mark.parametrize("paid_fen, amount", [(999, 1000), (300, 1000), (15000, 4500), (500000, 50000)])
def test_fraudulent_shipping_before_2026_08_03_is_the_earlier_single_tier(book, paid_fen, amount):
    """douyin:aHwH9wK4JyWJ (the version douyin:aJo44CiDDaqb revised): 30%, min 10, max 500 for any
    amount; an order paid before 2026-08-03 says which clause applies, not "no clause"."""
    paid = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
    found = Finding(book.clause("fraudulent-shipping.findings"), paid, "x", "x")
    q = quote(book, "fraudulent_shipping", found, paid_fen=paid_fen, promise_span=48 * H, at=paid, now=paid)
    assert (q.amount_fen, q.clause.id, q.clause.source) == (
        amount,
        "fraudulent-shipping.pay.ge10",
        "douyin:aHwH9wK4JyWJ",
    )


def test_explanation_cites_trigger_and_amount_clause(book):
    q = _quote(book, "slow_tracking", 45000)
    assert q.explanation_en == (
        "slow tracking: x (slow-tracking.no-pickup-24h [douyin:aHwHroCPheig]); paid 450.00, "
        "promise 48 h → clause slow-tracking.pay.le48h 1% = 4.50 → rounded half-up 5 yuan "
        "[douyin:aHwHroCPheig]"
    )
    assert q.explanation_zh.startswith("物流轨迹超时：x")
    assert "四舍五入 5 元" in q.explanation_zh


def test_a_rulebook_without_the_rule_says_so():
    with pytest.raises(NotFound):
        _quote(load("taobao"), "abnormal_tracking", 15000)


@pytest.mark.parametrize(
    "origin, destination, route",
    [
        ("浙江", "浙江", "same_province"),
        ("浙江", "上海", "same_province"),
        ("北京", "河北", "same_province"),
        ("浙江", "北京", "cross_province"),
        ("广东", "云南", "remote"),
        ("新疆", "新疆", "remote"),
        (None, "北京", "remote"),
        (None, None, "remote"),
    ],
)
def test_route_classes(book, origin, destination, route):
    assert route_class(book, PAID, origin, destination)[0] == route


@pytest.mark.parametrize(
    "due, late, clause, meets",
    [
        (200, 100, "late-sanction.product-ban", True),
        (201, 100, "late-sanction.product-ban", False),
        (198, 99, "late-sanction.product-ban", False),
        (500, 200, "late-sanction.shop-limit-100", True),
        (501, 200, "late-sanction.shop-limit-100", False),
        (666, 200, "late-sanction.shop-limit-0", True),
        (667, 200, "late-sanction.shop-limit-0", False),
        (600, 199, "late-sanction.shop-limit-0", False),
    ],
)
def test_late_rate_thresholds(book, due, late, clause, meets):
    assert DayRate(due, late).meets(book.clause(clause)) is meets


def test_days_and_midnights_are_the_rulebook_timezone():
    start, end = day_bounds(date(2026, 9, 1), "Asia/Shanghai")
    assert (start, end - start) == (datetime(2026, 8, 31, 16, 0, tzinfo=UTC), timedelta(days=1))
    assert next_local_midnight(datetime(2026, 9, 1, 15, 59, tzinfo=UTC), "Asia/Shanghai") == datetime(
        2026, 9, 1, 16, 0, tzinfo=UTC
    )
