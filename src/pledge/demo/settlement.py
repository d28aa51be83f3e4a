"""Demo settlement: the platform's fee programs (a waiver launched for nine first-level categories
and extended to eighteen, a product-card task waiver, a new-merchant waiver and a turnover
rebate), applications, deposits (the florist's short of what she owes), and the fees of the demo
orders charged by the worker's step."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts import services as accounts
from pledge.accounts.tables import users
from pledge.bootstrap import App
from pledge.settlement import deposits, programs
from pledge.settlement import services as settlement
from pledge.settlement.payouts import provider_for

NINE = ("生鲜", "生鲜水果", "居家日用", "日用百货", "厨具", "食品饮料", "个护家清", "母婴宠物", "农资园艺")
EIGHTEEN = NINE + (
    "服饰内衣",
    "鞋靴箱包",
    "运动户外",
    "家装建材",
    "家具",
    "玩具乐器",
    "图书教育",
    "钟表配饰",
    "汽车用品",
)


def seed_settlement(app: App, clock, shops: list[dict], now: datetime) -> int:
    """`shops`: florist, fruit seller, umbrella factory (as made by the seed). Returns programs made."""
    with app.uow.begin() as conn:
        finance_id = conn.execute(
            select(users.c.id).where(users.c.email == "finance@pledge.demo")
        ).scalar_one()
        finance = accounts.load_actor(conn, finance_id)
        start = now - timedelta(days=30)
        newbie, rebate = _programs(conn, finance, start)
        _applications(conn, finance, shops, newbie, rebate, start, now)
        _deposits(conn, finance, shops, app, start)
    settlement.run_step(app.uow, app.rulebook, clock, provider_for(app))
    return 4


def _programs(conn: Connection, finance: accounts.Actor, start: datetime) -> tuple[int, int]:
    """The four programs; returns the ids of the two a shop applies to: the new-merchant waiver
    and the rebate."""
    _waivers(conn, finance, start)
    return _programs_to_apply_to(conn, finance, start)


def _waivers(conn: Connection, finance: accounts.Actor, start: datetime) -> None:
    """The category waiver (nine categories, then eighteen) and the product-card task waiver."""
    waiver = programs.create_program(
        conn,
        finance,
        programs.ProgramSpec(
            code="support-2026-waiver",
            kind="category_waiver",
            name="生鲜日用等九大类目免佣（保留0.6%）",
            name_en="Fee waiver for nine first-level categories (0.6% kept)",
            starts_at=start,
            rate_bp=60,
            categories=NINE,
        ),
        at=start,
        note="九大扶持措施：生鲜、日用百货、厨具等一级类目",
    )
    programs.update_program(
        conn, finance, waiver, at=start + timedelta(days=10), categories=EIGHTEEN, note="扩大到18个一级类目"
    )
    programs.create_program(
        conn,
        finance,
        programs.ProgramSpec(
            code="card-task-2026",
            kind="task_waiver",
            name="商品卡免佣：完成月度任务次月0.6%",
            name_en="Product-card waiver: finish the monthly task, 0.6% next month",
            starts_at=start,
            rate_bp=60,
            channel="product_card",
            task_orders=10,
        ),
        at=start,
    )


def _programs_to_apply_to(conn: Connection, finance: accounts.Actor, start: datetime) -> tuple[int, int]:
    newbie = programs.create_program(
        conn,
        finance,
        programs.ProgramSpec(
            code="new-merchant-2026",
            kind="new_merchant",
            name="新商家90天免佣",
            name_en="New merchants: 90 days fee-free",
            starts_at=start,
            rate_bp=0,
            days=90,
            requires_application=True,
        ),
        at=start,
    )
    rebate = programs.create_program(
        conn,
        finance,
        programs.ProgramSpec(
            code="turnover-rebate-2026",
            kind="turnover_rebate",
            name="多卖多返：按月成交额阶梯返还技术服务费",
            name_en="Sell more, get more back: monthly fee rebate by turnover",
            starts_at=start,
            requires_application=True,
            tiers=((100_000, 500), (500_000, 1000), (2_000_000, 2000)),
        ),
        at=start,
    )
    return newbie, rebate


def _applications(
    conn: Connection,
    finance: accounts.Actor,
    shops: list[dict],
    newbie: int,
    rebate: int,
    start: datetime,
    now: datetime,
) -> None:
    """The umbrella factory's and the fruit seller's rebate applications (the fruit seller's
    approved), and the florist's new-merchant application."""
    florist, fruit, umbrella = shops
    programs.apply_to_program(
        conn,
        umbrella["owner"],
        umbrella["shop_id"],
        rebate,
        at=start + timedelta(days=1),
        note="去年负债200万，想把返佣投到推广",
    )
    application = programs.apply_to_program(
        conn, fruit["owner"], fruit["shop_id"], rebate, at=start + timedelta(days=1)
    )
    programs.decide_application(conn, finance, application, approve=True, at=start + timedelta(days=2))
    programs.apply_to_program(
        conn,
        florist["owner"],
        florist["shop_id"],
        newbie,
        at=now - timedelta(days=1),
        note="新开店铺，申请新商家免佣",
    )


def _deposits(
    conn: Connection, finance: accounts.Actor, shops: list[dict], app: App, start: datetime
) -> None:
    """Each owes the 500-yuan base deposit of a shop under 50 000 yuan of monthly paid GMV
    (deposit.base.gmv-0-50k); the florist has paid in only 300, so her payouts are paused."""
    florist, fruit, umbrella = shops
    for shop, amount in ((fruit, 50_000), (umbrella, 200_000), (florist, 30_000)):
        deposits.top_up_deposit(
            conn,
            finance,
            shop["shop_id"],
            amount_fen=amount,
            reference=f"DEMO-DEP-{shop['shop_id']}",
            at=start,
            book=app.rulebook,
        )
