"""Demo reviews and 30 days of experience-score snapshots for the demo shops: the florist is a
fresh-flowers (生活鲜花) shop, the fruit seller a fruit (水果) shop, the umbrella factory household
goods (居家日百), so each is weighed by its own industry's clauses (douyin:aJmVWbCJyD8M)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from pledge.bootstrap import App
from pledge.experience import services as experience
from pledge.experience.tables import shop_profiles
from pledge.kernel.clock import FixedClock
from pledge.orders.model import OrderStatus
from pledge.orders.tables import order_lines, orders
from pledge.reviews import services as reviews

INDUSTRIES = ("生活鲜花", "水果", "居家日百")
REVIEWS = [
    (5, "花很新鲜，包装很用心，醒花后开得特别好"),
    (4, "向日葵有两枝有点蔫，醒花后还可以"),
    (5, "水果很甜，坏了一个客服直接赔了"),
    (2, "物流太慢，到的时候有点压坏了"),
    (5, "伞质量很好，变色效果很惊艳"),
    (3, "颜色和直播间看到的有点差别"),
]


def seed_experience(app: App, clock: FixedClock, shops: list[dict], buyers, now: datetime) -> int:
    with app.uow.begin() as conn:
        for shop, industry in zip(shops, INDUSTRIES, strict=False):
            conn.execute(
                shop_profiles.insert().values(
                    shop_id=shop["shop_id"], industry=industry, flagship=False, updated_at=now
                )
            )
        delivered = conn.execute(
            select(order_lines.c.id, orders.c.buyer_id, orders.c.delivered_at)
            .join(orders, orders.c.id == order_lines.c.order_id)
            .where(orders.c.status == OrderStatus.DELIVERED.value)
            .order_by(order_lines.c.id)
        ).all()
    by_id = {b.user_id: b for b in buyers}
    posted = 0
    for i, line in enumerate(delivered):
        buyer = by_id.get(line.buyer_id)
        if buyer is None or i % 2:
            continue
        stars, body = REVIEWS[(i // 2) % len(REVIEWS)]
        at = min(line.delivered_at + timedelta(hours=3), now)
        with app.uow.begin() as conn:
            reviews.post_review(conn, buyer, line.id, reviews.ReviewIn(stars, body), book=app.rulebook, at=at)
        posted += 1
    today = experience.local_today(app.rulebook, now)
    for back in range(29, -1, -1):
        with app.uow.begin() as conn:
            experience.snapshot_day(conn, app.rulebook, today - timedelta(days=back), at=now)
    clock.set(now)
    return posted
