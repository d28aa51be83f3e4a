"""Sanctions from daily late rates (douyin:aJoPPkWZ7VQM 2.2), computed once a day by the
worker: a product banned, a shop limited to 0 or 100 orders a day for 7 days; enforced at
checkout (409, nothing changed); lifted the day after the late orders are all picked up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, update

from pledge.catalog.tables import skus
from pledge.kernel import jsonutil
from pledge.logistics.sanctions import SalesRestricted, evaluate_sanctions, shop_sanctions
from pledge.logistics.tables import sanctions
from pledge.orders.tables import checkouts, order_lines, orders

H = timedelta(hours=1)
# Local days in Asia/Shanghai: day D is 2026-09-01 (the test clock starts at 10:00 on it).
D_START = datetime(2026, 8, 31, 16, 0, tzinfo=UTC)
DUE = D_START + 20 * H  # 20:00 on day D


def bulk_orders(
    app,
    sku_id: int,
    buyer_id: int,
    n: int,
    *,
    ship_by: datetime,
    picked_up_at: datetime | None,
    created_at: datetime | None = None,
) -> list[int]:
    """n paid one-line orders due at `ship_by`, picked up at `picked_up_at` (None: not yet)."""
    if n == 0:
        return []
    with app.uow.begin() as c:
        sku = c.execute(
            select(skus.c.shop_id, skus.c.product_id, skus.c.price_fen).where(skus.c.id == sku_id)
        ).one()
        checkout_id = c.execute(
            insert(checkouts).values(
                buyer_id=buyer_id, total_fen=sku.price_fen * n, created_at=ship_by - 40 * H
            )
        ).inserted_primary_key[0]
        at = created_at or ship_by - 40 * H
        ids = [
            r.id
            for r in c.execute(
                insert(orders).returning(orders.c.id, sort_by_parameter_order=True),
                [
                    {
                        "checkout_id": checkout_id,
                        "buyer_id": buyer_id,
                        "shop_id": sku.shop_id,
                        "status": "paid" if picked_up_at is None else "shipped",
                        "items_fen": sku.price_fen,
                        "discount_fen": 0,
                        "paid_fen": sku.price_fen,
                        "promise_kind": "hours",
                        "promise_hours": 48,
                        "promise_source": "product",
                        "promise_candidates": "[]",
                        "created_at": at,
                        "pay_by": at + H,
                        "paid_at": at,
                        "ship_by": ship_by,
                        "shipped_at": picked_up_at,
                        "picked_up_at": picked_up_at,
                    }
                    for _ in range(n)
                ],
            )
        ]
        c.execute(
            insert(order_lines),
            [
                {
                    "order_id": i,
                    "shop_id": sku.shop_id,
                    "sku_id": sku_id,
                    "product_id": sku.product_id,
                    "title": "x",
                    "quantity": 1,
                    "unit_price_fen": sku.price_fen,
                    "line_total_fen": sku.price_fen,
                }
                for i in ids
            ],
        )
    return ids


def day_of(app, sku_id, buyer_id, *, due: int, late: int, ship_by=DUE) -> list[int]:
    """A day's orders: `due` due at ship_by, of which `late` are not picked up; returns the late ones."""
    bulk_orders(app, sku_id, buyer_id, due - late, ship_by=ship_by, picked_up_at=ship_by - H)
    return bulk_orders(app, sku_id, buyer_id, late, ship_by=ship_by, picked_up_at=None)


def evaluate(app):
    return evaluate_sanctions(app.uow, app.rulebook, app.clock)


def rows(app, shop_id: int | None = None) -> list:
    with app.uow.read() as c:
        q = select(sanctions).order_by(sanctions.c.id)
        if shop_id is not None:
            q = q.where(sanctions.c.shop_id == shop_id)
        return c.execute(q).all()


def stock(app, sku_id: int) -> int:
    with app.uow.read() as c:
        return c.execute(select(skus.c.stock).where(skus.c.id == sku_id)).scalar()


def pick_up(app, order_ids: list[int], at: datetime) -> None:
    with app.uow.begin() as c:
        c.execute(
            update(orders)
            .where(orders.c.id.in_(order_ids))
            .values(status="shipped", shipped_at=at, picked_up_at=at)
        )


def test_shop_at_30_percent_and_200_late_takes_no_orders_until_the_backlog_ships(app, world, clock):
    buyer = world.user()
    a, owner_a = world.shop()
    sku_a = world.product(owner_a, a, stock=50)
    late_a = day_of(app, sku_a, buyer.user_id, due=666, late=200)  # 30.03 %, 200 late
    shop_b, own_b = world.shop()
    sku_b = world.product(own_b, shop_b, stock=50)
    day_of(app, sku_b, buyer.user_id, due=667, late=200)  # 29.99 %
    shop_c, own_c = world.shop()
    sku_c = world.product(own_c, shop_c, stock=50)
    day_of(app, sku_c, buyer.user_id, due=600, late=199)  # 33 % but 199 late

    clock.set(D_START + 24 * H + 2 * H)  # 02:00 on day D+1
    first = evaluate(app)
    assert (first.days, first.applied) == (2, 1)
    assert evaluate(app).days == 0  # once a day, however often the worker runs
    [s] = rows(app)
    assert (s.shop_id, s.kind, s.daily_limit, s.clause_id, s.clause_source, s.product_id) == (
        a,
        "order_limit",
        0,
        "late-sanction.shop-limit-0",
        "douyin:aJoPPkWZ7VQM",
        None,
    )
    assert (s.starts_at, s.ends_at, s.lifted_at) == (D_START + 24 * H, D_START + 8 * 24 * H, None)
    assert s.reason.startswith(
        "2026-09-01: 200/666 late (late rate ≥ 30% with ≥ 200 late orders) → no orders for 7 days"
    )
    assert "超时200单" in s.reason_zh
    assert jsonutil.loads(s.inputs)["days"] == [{"day": "2026-09-01", "due": 666, "late": 200}]

    with pytest.raises(SalesRestricted, match="this shop takes no orders until") as info:
        world.place(buyer, (sku_a, 1))
    assert info.value.status == 409 and info.value.extra["clause_id"] == "late-sanction.shop-limit-0"
    assert stock(app, sku_a) == 50
    assert world.place(buyer, (sku_b, 1)).order_ids and world.place(buyer, (sku_c, 1)).order_ids

    with app.uow.read() as conn:
        view = shop_sanctions(conn, owner_a, a, now=clock.now())
    assert [i["id"] for i in view["active"]] == [s.id]

    # day D+1: all but one late order are picked up -> not lifted
    pick_up(app, late_a[:-1], D_START + 24 * H + 12 * H)
    clock.set(D_START + 48 * H + H)
    assert evaluate(app).lifted == 0
    with pytest.raises(SalesRestricted):
        world.place(buyer, (sku_a, 1))
    # day D+2 10:00 the last one; the sanction is lifted at 00:00 on D+3
    pick_up(app, late_a[-1:], D_START + 48 * H + 10 * H)
    clock.set(D_START + 48 * H + 20 * H)
    with pytest.raises(SalesRestricted):
        world.place(buyer, (sku_a, 1))
    clock.set(D_START + 72 * H + timedelta(seconds=30))
    assert evaluate(app).lifted == 1
    [s] = rows(app)
    assert s.lifted_at == D_START + 72 * H
    assert world.place(buyer, (sku_a, 1)).order_ids
    assert evaluate(app).lifted == 0


def test_product_banned_at_50_percent_and_100_late(app, world, clock):
    buyer = world.user()
    shop_id, owner = world.shop()
    banned = world.product(owner, shop_id, title="红玫瑰 20枝", stock=10)
    fine = world.product(owner, shop_id, title="向日葵 12枝", stock=10)
    late = day_of(app, banned, buyer.user_id, due=200, late=100)  # 50 %, 100 late
    day_of(app, fine, buyer.user_id, due=199, late=99)  # 99 late: below the count
    clock.set(D_START + 25 * H)
    assert evaluate(app).applied == 1  # the shop: 199/399 late, fewer than 200 late orders
    [s] = rows(app)
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == banned)).scalar()
    assert (s.kind, s.product_id, s.clause_id, s.ends_at) == (
        "product_ban",
        product_id,
        "late-sanction.product-ban",
        None,
    )
    with pytest.raises(SalesRestricted, match="红玫瑰 20枝 is banned from sale"):
        world.place(buyer, (fine, 1), (banned, 1))
    assert stock(app, banned) == stock(app, fine) == 10
    assert world.place(buyer, (fine, 1)).order_ids
    pick_up(app, late, D_START + 30 * H)
    clock.set(D_START + 49 * H)
    assert evaluate(app).lifted == 1
    assert world.place(buyer, (banned, 1)).order_ids


def test_shop_limited_to_100_a_day_after_two_days_at_40_percent(app, world, clock):
    buyer = world.user()
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, stock=500)
    one_day, two_days = world.shop(), world.shop()
    sku_one = world.product(one_day[1], one_day[0], stock=10)
    sku_two = world.product(two_days[1], two_days[0], stock=10)
    day_of(app, sku_one, buyer.user_id, due=500, late=199, ship_by=DUE - 24 * H)  # D-1: 39.8 %
    day_of(app, sku_one, buyer.user_id, due=500, late=200)  # D: 40 %
    day_of(app, sku_two, buyer.user_id, due=500, late=200, ship_by=DUE - 24 * H)
    day_of(app, sku_two, buyer.user_id, due=500, late=200)
    clock.set(D_START + 25 * H)
    evaluate(app)
    limits = {(r.shop_id, r.clause_id) for r in rows(app) if r.basis_day.isoformat() == "2026-09-01"}
    assert (two_days[0], "late-sanction.shop-limit-100") in limits
    assert (one_day[0], "late-sanction.shop-limit-100") not in limits
    assert (one_day[0], "late-sanction.shop-limit-0") in limits  # 40 % in one day is over 30 %

    # enforcement of a 100-order day: 99 orders today leave room for one more, 100 do not
    s = next(
        r for r in rows(app) if r.shop_id == two_days[0] and r.clause_id == "late-sanction.shop-limit-100"
    )
    with app.uow.begin() as c:  # the same sanction on a shop with stock to sell
        c.execute(update(sanctions).values(shop_id=shop_id).where(sanctions.c.id == s.id))
    today = clock.now()
    bulk_orders(app, sku, buyer.user_id, 99, ship_by=today + 48 * H, picked_up_at=None, created_at=today - H)
    assert world.place(buyer, (sku, 1)).order_ids  # the 100th
    with pytest.raises(SalesRestricted, match="takes at most 100 orders a day"):
        world.place(buyer, (sku, 1))
    with app.uow.read() as c:
        assert (
            c.execute(select(func.count()).select_from(orders).where(orders.c.shop_id == shop_id)).scalar()
            == 100
        )
    clock.set(D_START + 48 * H + H)  # the next day the count starts again
    assert world.place(buyer, (sku, 1)).order_ids


def test_daily_limit_holds_under_concurrent_checkouts(postgres_url, clock):
    from tests.conftest import make_app
    from tests.support import World, run_concurrently

    app = make_app(postgres_url, clock)
    try:
        world = World(app)
        buyer = world.user()
        shop_id, owner = world.shop()
        sku = world.product(owner, shop_id, stock=500)
        day_of(app, sku, buyer.user_id, due=500, late=200, ship_by=DUE - 24 * H)
        day_of(app, sku, buyer.user_id, due=500, late=200)
        clock.set(D_START + 25 * H)
        evaluate_sanctions(app.uow, app.rulebook, clock)
        with app.uow.begin() as c:  # keep the 100-a-day limit only
            c.execute(
                update(sanctions).where(sanctions.c.daily_limit == 0).values(lifted_at=D_START + 24 * H)
            )
        bulk_orders(
            app,
            sku,
            buyer.user_id,
            97,
            ship_by=clock.now() + 48 * H,
            picked_up_at=None,
            created_at=clock.now(),
        )
        buyers = [world.user() for _ in range(8)]
        out = run_concurrently([lambda b=b: world.place(b, (sku, 1)) for b in buyers])
        placed = [o for o in out if not isinstance(o, Exception)]
        refused = [o for o in out if isinstance(o, SalesRestricted)]
        assert (len(placed), len(refused)) == (3, 5), [repr(o)[:200] for o in out]
        day_start = D_START + 24 * H
        with app.uow.read() as c:
            assert (
                c.execute(
                    select(func.count())
                    .select_from(orders)
                    .where(orders.c.shop_id == shop_id, orders.c.created_at >= day_start)
                ).scalar()
                == 100
            )
    finally:
        app.uow.engine.dispose()
