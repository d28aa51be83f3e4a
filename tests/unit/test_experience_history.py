"""`pledge backtest --scores`: the score indicators of an imported history use the live
definitions (same SQL, same clauses); checked against an independent computation."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pledge.experience.history import history_scores
from pledge.history.csvfile import HistoryOrder
from pledge.rulebooks.loader import load

SH = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2026, 9, 30, 20, 0, tzinfo=SH)


def night_start(paid: datetime) -> datetime:
    local = paid.astimezone(SH)
    if local.hour >= 18:
        return (local + timedelta(days=1)).replace(hour=6, minute=0, second=0, microsecond=0)
    if local.hour < 6:
        return local.replace(hour=6, minute=0, second=0, microsecond=0)
    return local


def test_history_scores_match_an_independent_computation():
    rng = random.Random(7)
    orders = []
    for n in range(200):
        paid = datetime(2026, 9, 1, tzinfo=SH) + timedelta(minutes=rng.randrange(0, 29 * 24 * 60))
        picked = paid + timedelta(minutes=rng.randrange(10, 60 * 60)) if n % 10 else None
        delivered = picked + timedelta(hours=30) if picked and picked + timedelta(hours=30) < AS_OF else None
        orders.append(
            HistoryOrder(
                n + 2,
                f"o{n}",
                "shop-a" if n % 4 else "shop-b",
                paid,
                1000,
                None,
                None,
                picked_up_at=picked,
                delivered_at=delivered,
                review_score=1 + n % 5 if delivered else None,
                after_sale="quality" if n % 17 == 0 and delivered else "",
            )
        )
    found = history_scores(load("douyin"), orders, as_of=AS_OF, rules_at=AS_OF)
    for shop in ("shop-a", "shop-b"):
        mine = [o for o in orders if o.shop_id == shop]
        picked = [
            o
            for o in mine
            if o.picked_up_at and o.picked_up_at <= AS_OF.replace(hour=23, minute=59, second=59)
        ]
        hours = (
            sum(max(0.0, (o.picked_up_at - night_start(o.paid_at)).total_seconds()) for o in picked)
            / len(picked)
            / 3600
        )
        got = found[shop]["indicators"]
        assert got["average_pickup_hours"]["value"] == pytest.approx(hours, abs=0.001)
        rated = [o for o in mine if o.review_score is not None]
        assert got["product_rating"]["value"] == pytest.approx(
            sum(o.review_score for o in rated) / len(rated), abs=1e-4
        )
        delivered = [o for o in mine if o.delivered_at]
        quality = sum(1 for o in delivered if o.after_sale == "quality")
        assert got["quality_return_rate"]["value"] == pytest.approx(
            quality * 10_000 / len(delivered), abs=0.01
        )
        assert found[shop]["stage"] == ("formal" if len(mine) >= 30 else "growth")
        assert found[shop]["version"] == "2026-09-08"


def pickup_points(hours: float) -> int:
    """experience.pickup-order-points (a Pledge default table), written out independently."""
    for limit, points in ((12, 100), (24, 90), (36, 80), (48, 70), (72, 60)):
        if hours <= limit:
            return points
    return 50


def test_history_scores_under_the_2026_07_14_rule_match_an_independent_computation():
    """Under the rule in force before 2026-09-08: per-order pickup points averaged (no order of a
    CSV is forced to 50: it carries no fraudulent-shipping or abnormal-tracking finding), and no
    logistics-quality return counts, since none was "判责或赔付" (douyin:103956)."""
    as_of = datetime(2026, 8, 31, 20, 0, tzinfo=SH)
    rng = random.Random(11)
    orders = []
    for n in range(120):
        paid = datetime(2026, 8, 2, tzinfo=SH) + timedelta(minutes=rng.randrange(0, 28 * 24 * 60))
        picked = paid + timedelta(minutes=rng.randrange(10, 100 * 60))
        delivered = picked + timedelta(hours=30) if picked + timedelta(hours=30) < as_of else None
        orders.append(
            HistoryOrder(
                n + 2,
                f"o{n}",
                "shop-a",
                paid,
                1000,
                None,
                None,
                picked_up_at=picked,
                delivered_at=delivered,
                after_sale="shipping" if n % 9 == 0 else "",
            )
        )
    found = history_scores(load("douyin"), orders, as_of=as_of, rules_at=as_of)["shop-a"]
    picked = [o for o in orders if o.picked_up_at <= as_of.replace(hour=23, minute=59, second=59)]
    points = [
        pickup_points(max(0.0, (o.picked_up_at - night_start(o.paid_at)).total_seconds()) / 3600)
        for o in picked
    ]
    assert found["version"] == "2026-07-14"
    assert found["indicators"]["pickup_score"]["value"] == pytest.approx(sum(points) / len(points), abs=1e-3)
    assert found["indicators"]["logistics_return_rate"]["value"] == 0
    # 30 whole platform days up to and including as_of's day: 08-02 00:00 to 09-01 00:00 Beijing time
    assert found["window"] == [
        datetime(2026, 8, 1, 16, tzinfo=UTC).isoformat(),
        datetime(2026, 8, 31, 16, tzinfo=UTC).isoformat(),
    ]
