"""Demo data from the story the platform is built for: a Kunming florist, a fruit seller and
an umbrella factory, their products and prices, buyers, and four days of orders so that some
shipped on time, some late (and were compensated), some are overdue and some due soon."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

from sqlalchemy import select

from pledge.accounts import services as accounts
from pledge.bootstrap import App, build
from pledge.catalog import services as catalog
from pledge.catalog.tables import skus
from pledge.config import Settings
from pledge.demo.addresses import seed_addresses, ship_demo_orders
from pledge.demo.aftersales import seed_aftersales
from pledge.demo.blindboxes import seed_blind_boxes
from pledge.demo.chats import seed_chats
from pledge.demo.creators import EMAIL as CREATOR_EMAIL
from pledge.demo.creators import NAME as CREATOR_NAME
from pledge.demo.creators import seed_creators
from pledge.demo.experience import seed_experience
from pledge.demo.governance import seed_governance
from pledge.demo.guide import guide, write_guide
from pledge.demo.live import seed_live
from pledge.demo.logistics import seed_logistics
from pledge.demo.settlement import seed_settlement
from pledge.demo.shoppages import seed_shop_pages
from pledge.demo.warehouse import seed_warehouse
from pledge.demo.wishes import seed_wishes
from pledge.fulfilment.services import apply_tracking_events, ship_order
from pledge.kernel.clock import FixedClock
from pledge.kernel.money import format_yuan
from pledge.lateship.services import sweep_late_ship
from pledge.migrate import upgrade
from pledge.orders import services as orders
from pledge.payments.adapters import CallbackPayload
from pledge.payments.services import handle_callback
from pledge.promises.model import Promise

PASSWORD = "pledge123"
ACCOUNTS = [
    ("buyer", "buyer@pledge.demo"),
    ("buyer", "grandma@pledge.demo"),
    ("merchant", "florist@pledge.demo"),
    ("merchant", "fruit@pledge.demo"),
    ("merchant", "umbrella@pledge.demo"),
    ("shop_staff", "service@pledge.demo"),
    ("operator", "operator@pledge.demo"),
    ("reviewer", "reviewer@pledge.demo"),
    ("finance", "finance@pledge.demo"),
    ("creator", "creator@pledge.demo"),
    ("creator", "fruitcreator@pledge.demo"),
]

CATEGORIES = {
    ("鲜花园艺", "Flowers & gardening"): [
        ("鲜切花", "Cut flowers"),
        ("花束", "Bouquets"),
        ("花卉种子", "Flower seeds"),
    ],
    ("生鲜水果", "Fresh fruit"): [
        ("柑橘橙柚", "Citrus"),
        ("热带水果", "Tropical fruit"),
        ("浆果", "Berries"),
    ],
    ("日用百货", "Daily goods"): [("雨伞雨具", "Umbrellas & rainwear")],
}


@dataclass(frozen=True)
class DemoProduct:
    title: str
    category: str
    promise: str
    skus: list[tuple[str, int, int]]  # name, price in fen, stock
    description: str = ""
    perishable: bool = False
    custom_made: bool = False


class DemoShop(TypedDict):
    slug: str
    name: str
    city: str
    owner: str
    owner_name: str
    description: str
    live: tuple[str, str]  # the live room's title and its ship promise
    products: list[DemoProduct]


SHOPS: list[DemoShop] = [
    {
        "slug": "xiaoaruan-flowers",
        "name": "小阿阮鲜花",
        "city": "昆明",
        "owner": "florist@pledge.demo",
        "owner_name": "阿阮",
        "description": "昆明斗南花市二代花农，直播间教你养花；损坏一支也给售后赔付。",
        "live": ("阿阮的花房 · 晚八点直播", "same-day"),
        "products": [
            DemoProduct(
                "A级向日葵 12枝 顺丰空运",
                "鲜切花",
                "48h",
                [("12枝", 1990, 400), ("24枝", 3690, 150)],
                "A级向日葵，12枝19.9元，顺丰空运包邮，到手醒花4小时即可插瓶。",
                perishable=True,
            ),
            DemoProduct(
                "多头玫瑰 20枝 昆明基地直发",
                "鲜切花",
                "next-day",
                [("粉色 20枝", 3980, 200), ("香槟 20枝", 4280, 120)],
                perishable=True,
            ),
            DemoProduct(
                "芍药 10枝 含苞待放",
                "鲜切花",
                "72h",
                [("粉玉奴 10枝", 5990, 80)],
                "芍药季限定，含苞发货，2-3天开放。",
                perishable=True,
            ),
            DemoProduct(
                "毕业季花束 向日葵+满天星",
                "花束",
                "presale:2027-06-20",
                [("标准款", 12800, 60)],
                "毕业典礼前一周统一发货。",
                perishable=True,
                custom_made=True,
            ),
        ],
    },
    {
        "slug": "dale-fruit",
        "name": "大乐水果",
        "city": "赣州",
        "owner": "fruit@pledge.demo",
        "owner_name": "大乐",
        "description": "产地直采，买手团队+质检员把关；坏果虫眼都赔，替父母下单的老人无需拍照。",
        "live": ("大乐果园直播间", "48h"),
        "products": [
            DemoProduct(
                "赣南脐橙 5斤装 现摘现发",
                "柑橘橙柚",
                "48h",
                [("5斤 中果", 2990, 500), ("10斤 大果", 5590, 300)],
                perishable=True,
            ),
            DemoProduct("海南贵妃芒 3斤", "热带水果", "next-day", [("3斤 精选", 3590, 250)], perishable=True),
            DemoProduct("丹东99草莓 2斤 礼盒", "浆果", "same-day", [("2斤 礼盒", 8800, 90)], perishable=True),
        ],
    },
    {
        "slug": "feilian-umbrella",
        "name": "飞恋伞厂",
        "city": "杭州",
        "owner": "umbrella@pledge.demo",
        "owner_name": "飞恋厂长",
        "description": "二十年老伞厂，评论区许愿什么就做什么。",
        "live": ("飞恋伞厂 · 许愿新品直播", "72h"),
        "products": [
            DemoProduct(
                "镭射变色晴雨伞 遇水开花",
                "雨伞雨具",
                "48h",
                [("星空紫", 3990, 800), ("极光蓝", 3990, 800)],
                "评论区许愿款，已售4.6万把。",
            ),
            DemoProduct(
                "书法晴雨伞 定制题字",
                "雨伞雨具",
                "168h",
                [("定制题字", 8900, 200)],
                "可定制四字以内书法题字，7天内发货。",
                custom_made=True,
            ),
            DemoProduct("钓鱼斗篷伞 大号防晒", "雨伞雨具", "72h", [("加大款", 12900, 150)]),
            DemoProduct("卡通复刻儿童伞", "雨伞雨具", "48h", [("小黄鸭", 2590, 400)]),
        ],
    },
]

BUYERS = [("buyer@pledge.demo", "小林"), ("grandma@pledge.demo", "王奶奶")] + [
    (f"buyer{i}@pledge.demo", name)
    for i, name in enumerate(["陈晨", "李雪", "张伟", "刘洋", "赵敏", "孙悦"], start=1)
]
STAFF = [
    ("operator@pledge.demo", "平台运营 周", "operator"),
    ("reviewer@pledge.demo", "风控审核 吴", "reviewer"),
    ("finance@pledge.demo", "财务 郑", "finance"),
]
# Shop sub-accounts (email, name, shop slug, role): the florist's customer service (运营/客服)
# answers orders, cases and chats but may not pay out, apply to programmes or change pledges.
SHOP_STAFF = [("service@pledge.demo", "客服 小何", "xiaoaruan-flowers", "operations")]


def _display_names() -> dict[str, str]:
    names = {email: name for email, name in BUYERS} | {email: name for email, name, _ in STAFF}
    names[CREATOR_EMAIL] = CREATOR_NAME
    names |= {email: name for email, name, _slug, _role in SHOP_STAFF}
    return names | {str(s["owner"]): f"{s['owner_name']} · {s['name']}" for s in SHOPS}


def _reset(settings: Settings) -> None:
    if settings.database_url:
        return  # never drop a database we did not create; seeding an existing DB adds to it
    path = settings.var_dir / "pledge.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        p = path.with_name(path.name + suffix)
        if p.exists():
            p.unlink()


def _catalog(app: App, at: datetime) -> dict[str, int]:
    ids = {}
    with app.uow.begin() as conn:
        for (top, top_en), subs in CATEGORIES.items():
            parent = catalog.create_category(conn, name=top, name_en=top_en)
            for name, name_en in subs:
                ids[name] = catalog.create_category(conn, name=name, name_en=name_en, parent_id=parent)
    return ids


def _shops(app: App, at: datetime, categories: dict[str, int]) -> list[dict]:
    made = []
    by_slug: dict[str, int] = {}
    with app.uow.begin() as conn:
        for spec in SHOPS:
            shop_id = catalog.create_shop(
                conn,
                name=spec["name"],
                slug=spec["slug"],
                city=spec["city"],
                description=spec["description"],
                at=at,
            )
            owner_id = accounts.create_user(
                conn, email=spec["owner"], password=PASSWORD, display_name=spec["owner_name"], at=at
            )
            accounts.add_shop_member(conn, shop_id=shop_id, user_id=owner_id, role="owner")
            owner = accounts.load_actor(conn, owner_id)
            live_title, live_promise = spec["live"]
            live_id = catalog.create_content_promise(
                conn,
                owner,
                shop_id=shop_id,
                kind="live_room",
                title=live_title,
                promise=Promise.parse(live_promise),
            )
            sku_ids = []
            for p in spec["products"]:
                product_id = catalog.create_product(
                    conn,
                    owner,
                    catalog.NewProduct(
                        shop_id,
                        categories[p.category],
                        p.title,
                        Promise.parse(p.promise),
                        [catalog.NewSku(*s) for s in p.skus],
                        p.description,
                        p.perishable,
                        p.custom_made,
                    ),
                    at=at,
                    guards=app.listing_guards,
                )
                if not p.promise.startswith("presale"):
                    sku_ids += list(
                        conn.execute(select(skus.c.id).where(skus.c.product_id == product_id)).scalars()
                    )
            made.append({"shop_id": shop_id, "owner": owner, "skus": sku_ids, "live_id": live_id})
            by_slug[str(spec["slug"])] = shop_id
        for email, name, slug, role in SHOP_STAFF:
            member = accounts.create_user(conn, email=email, password=PASSWORD, display_name=name, at=at)
            accounts.add_shop_member(conn, shop_id=by_slug[slug], user_id=member, role=role)
    return made


def _people(app: App, at: datetime) -> list[accounts.Actor]:
    with app.uow.begin() as conn:
        for email, name, role in STAFF:
            accounts.create_user(
                conn, email=email, password=PASSWORD, display_name=name, at=at, platform_role=role
            )
        ids = [
            accounts.create_user(conn, email=e, password=PASSWORD, display_name=n, at=at) for e, n in BUYERS
        ]
        return [accounts.load_actor(conn, i) for i in ids]


def _history(
    app: App,
    clock: FixedClock,
    shops: list[dict],
    buyers: list[accounts.Actor],
    now: datetime,
    rng: random.Random,
) -> int:
    """Four days of orders. Each shop ships most orders on time; some late, some not at all."""
    placed_count = 0
    start = now - timedelta(days=4)
    for hour in range(0, 4 * 24, 3):
        at = start + timedelta(hours=hour, minutes=rng.randint(0, 59))
        for shop in shops:
            if rng.random() < 0.35:
                continue
            buyer = rng.choice(buyers)
            sku = rng.choice(shop["skus"])
            rng.random()  # was the draw for "bought in the live room": rooms now bind from their sessions
            clock.set(at)
            with app.uow.begin() as conn:
                placed = orders.place_order(
                    conn,
                    buyer,
                    [orders.LineRequest(sku, rng.randint(1, 3))],
                    at=at,
                    pay_window=app.pay_window,
                    guards=app.sale_guards,
                )
            with app.uow.begin() as conn:
                handle_callback(
                    conn,
                    CallbackPayload(placed.payment_ref, placed.total_fen, "captured"),
                    book=app.rulebook,
                    at=at + timedelta(minutes=1),
                )
                ship_by = conn.execute(
                    select(orders.orders.c.ship_by).where(orders.orders.c.id == placed.order_ids[0])
                ).scalar_one()
            placed_count += 1
            fate = rng.random()
            if fate < 0.62:
                ship_at = at + (ship_by - at) * rng.uniform(0.2, 0.8)  # on time
            elif fate < 0.80:
                ship_at = ship_by + timedelta(hours=rng.choice([3, 20, 50, 60]))  # late
            else:
                continue  # not shipped yet: overdue, due soon, or still in time
            if ship_at >= now - timedelta(hours=1):
                continue
            with app.uow.begin() as conn:
                ship_order(
                    conn,
                    shop["owner"],
                    order_id=placed.order_ids[0],
                    carrier=rng.choice(["sf", "yto", "zto"]),
                    tracking_no=f"SF{rng.randint(10**11, 10**12 - 1)}",
                    at=ship_at,
                )
    return placed_count


def seed_demo(settings: Settings, *, reset: bool = True, seed: int = 20260808) -> str:
    if reset:
        _reset(settings)
    url = settings.resolved_database_url()
    upgrade(url)
    live = build(settings)
    now = live.clock.now()
    with live.uow.read() as conn:
        if conn.execute(select(skus.c.id).limit(1)).first() is not None:
            return "database already holds data; nothing seeded (run with --reset)"
    clock = FixedClock(now - timedelta(days=5))
    app = build(settings, clock=clock)
    rng = random.Random(seed)
    categories = _catalog(app, clock.now())
    shops = _shops(app, clock.now(), categories)
    buyers = _people(app, clock.now())
    seed_addresses(app, buyers, clock.now())
    count = _history(app, clock, shops, buyers, now, rng)
    clock.set(now)
    with app.uow.begin() as conn:
        apply_tracking_events(conn, now=now)
    sweep = sweep_late_ship(app.uow, app.rulebook, clock)
    cases = seed_aftersales(
        app, clock, [dict(s, slug=spec["slug"]) for s, spec in zip(shops, SHOPS, strict=True)], buyers, now
    )
    chats = seed_chats(app, clock, shops, buyers, now)
    seed_logistics(app, clock, shops, buyers, now)
    rated = seed_experience(app, clock, shops, buyers, now)
    seed_settlement(app, clock, shops, now)
    seed_warehouse(app, shops, now)
    seed_live(app, shops, buyers, now, [spec["live"][0] for spec in SHOPS])
    seed_shop_pages(app, shops, buyers, now)  # after the live rooms: their followers are told
    seed_blind_boxes(app, shops[0], buyers, categories["花卉种子"], now)  # the florist's seed box
    seed_governance(app, clock, shops, buyers, now)  # after the live rooms: a comment held in one
    seed_wishes(app, shops[[s["slug"] for s in SHOPS].index("feilian-umbrella")], buyers, now)
    seed_creators(app, shops[0], shops[1], PASSWORD, now)  # a flower creator selling the florist's flowers
    ship_demo_orders(app)  # last: every order placed above ships to its buyer's default address
    write_guide(settings, guide(ACCOUNTS, PASSWORD, _display_names()))  # the login page's list
    app.uow.engine.dispose()
    live.uow.engine.dispose()
    compensated = f"{sweep.compensated} late orders compensated ({format_yuan(sweep.amount_fen)} yuan)"
    return (
        f"{len(shops)} shops, {sum(len(s['skus']) for s in shops)} SKUs on sale, {len(buyers)} buyers, "
        f"{count} orders, {compensated}, {cases} after-sales cases in every state, "
        f"{chats} customer-service conversations, {rated} reviews and 30 days of experience scores"
    )
