"""The simulated world: N shops of the brief's merchant types (the demo's florist, fruit seller
and umbrella factory, with their products, SKUs, stock and ship promises), their owners, buyers
with address books, and the platform staff who classify the shops and record their deposits.
Everything is made through the services, as the demo seed does."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts import services as accounts
from pledge.accounts.tables import users
from pledge.addresses import services as addresses
from pledge.addresses.model import Address
from pledge.bootstrap import App
from pledge.catalog import services as catalog
from pledge.catalog.tables import categories, skus
from pledge.demo.addresses import BOOKS
from pledge.demo.experience import INDUSTRIES
from pledge.demo.seed import CATEGORIES, PASSWORD, SHOPS, DemoProduct, DemoShop
from pledge.experience.services import set_profile
from pledge.kernel.errors import Conflict
from pledge.promises.model import Promise
from pledge.settlement import deposits
from pledge.simulation.config import SimConfig

# Where the simulated shops are and who runs them; shop i is of merchant type i % 3.
CITIES = ("昆明", "赣州", "杭州", "成都", "大理", "广州", "武汉", "南宁", "厦门", "西安", "长沙", "青岛")
OWNERS = ("阿阮", "大乐", "飞恋", "小周", "老王", "阿珍", "明哥", "小芳", "阿强", "春梅", "志刚", "丽娟")
KINDS = ("鲜花", "水果", "伞厂")
BUYER_NAMES = ("林", "王", "陈", "李", "张", "刘", "赵", "孙", "周", "吴", "郑", "冯", "何", "许")
BUYERS_PER_SHOP = 4
# A deposit well above the top base tier (5 000 yuan, deposit.base.gmv-over-100k), so that a run
# measures selling, not deposit shortfalls. A simulation setting, not a platform figure.
DEPOSIT_FEN = 2_000_000


@dataclass
class SimShop:
    shop_id: int
    owner: accounts.Actor
    kind: int  # index into the demo's merchant types: florist, fruit seller, umbrella factory
    skus: list[int] = field(default_factory=list)


@dataclass
class SimBuyer:
    actor: accounts.Actor
    address_id: int


@dataclass
class World:
    shops: list[SimShop]
    buyers: list[SimBuyer]


def _email(config: SimConfig, who: str) -> str:
    return f"{who}.{config.tag()}@sim.pledge"


def _user(conn: Connection, config: SimConfig, who: str, name: str, at: datetime, **role) -> int:
    return accounts.insert_user(
        conn,
        email=_email(config, who),
        password_hash=demo_password_hash(),
        display_name=name,
        at=at,
        **role,
    )


@functools.cache
def demo_password_hash() -> str:
    """One argon2 hash of the demo password for every simulated account (hashing is slow)."""
    return accounts.hash_password(PASSWORD)


def refuse_repeat(conn: Connection, config: SimConfig) -> None:
    taken = conn.execute(select(users.c.id).where(users.c.email == _email(config, "operator"))).first()
    if taken is not None:
        raise Conflict(
            f"this database already holds the simulation with seed {config.seed}; "
            "use another --seed or a fresh database"
        )


def build_world(app: App, config: SimConfig, at: datetime) -> World:
    with app.uow.begin() as conn:
        refuse_repeat(conn, config)
        operator = accounts.load_actor(
            conn, _user(conn, config, "operator", "模拟运营", at, platform_role="operator")
        )
        finance = accounts.load_actor(
            conn, _user(conn, config, "finance", "模拟财务", at, platform_role="finance")
        )
        made = _categories(conn)
        shops = [_shop(app, conn, config, i, made, at) for i in range(config.shops)]
        for shop in shops:
            set_profile(conn, operator, shop.shop_id, industry=INDUSTRIES[shop.kind], flagship=False, at=at)
            deposits.top_up_deposit(
                conn,
                finance,
                shop.shop_id,
                amount_fen=DEPOSIT_FEN,
                reference=f"SIM-DEP-{config.tag()}-{shop.shop_id}",
                at=at,
                book=app.rulebook,
            )
        buyers = [_buyer(conn, config, i, at) for i in range(config.shops * BUYERS_PER_SHOP)]
    return World(shops, buyers)


def _categories(conn: Connection) -> dict[str, int]:
    """The demo's categories: the existing ones by name, the missing ones made."""
    existing = {name: id_ for name, id_ in conn.execute(select(categories.c.name, categories.c.id))}
    ids: dict[str, int] = {}
    for (top, top_en), subs in CATEGORIES.items():
        parent = existing.get(top) or catalog.create_category(conn, name=top, name_en=top_en)
        for name, name_en in subs:
            ids[name] = existing.get(name) or catalog.create_category(
                conn, name=name, name_en=name_en, parent_id=parent
            )
    return ids


def _shop(
    app: App, conn: Connection, config: SimConfig, i: int, category_ids: dict[str, int], at: datetime
) -> SimShop:
    kind = i % len(SHOPS)
    spec: DemoShop = SHOPS[kind]
    city, owner_name = CITIES[i % len(CITIES)], OWNERS[(i // len(SHOPS)) % len(OWNERS)]
    shop_id = catalog.create_shop(
        conn,
        name=f"{city}{owner_name}{KINDS[kind]}{i + 1}号店",
        slug=f"sim-{config.tag()}-{i + 1}",
        city=city,
        description=spec["description"],
        at=at,
    )
    owner_id = _user(conn, config, f"shop{i + 1}", owner_name, at)
    accounts.add_shop_member(conn, shop_id=shop_id, user_id=owner_id, role="owner")
    shop = SimShop(shop_id, accounts.load_actor(conn, owner_id), kind)
    for product in spec["products"]:
        if not product.promise.startswith("presale"):
            shop.skus += _product(app, conn, shop, product, category_ids[product.category], at)
    return shop


def _product(
    app: App, conn: Connection, shop: SimShop, p: DemoProduct, category_id: int, at: datetime
) -> list[int]:
    # stock for a long run: the demo's SKUs, each with enough units never to sell out
    sku_specs = [catalog.NewSku(name, price, 1_000_000) for name, price, _stock in p.skus]
    product_id = catalog.create_product(
        conn,
        shop.owner,
        catalog.NewProduct(
            shop.shop_id,
            category_id,
            p.title,
            Promise.parse(p.promise),
            sku_specs,
            p.description,
            p.perishable,
            p.custom_made,
        ),
        at=at,
        guards=app.listing_guards,
    )
    return list(
        conn.execute(select(skus.c.id).where(skus.c.product_id == product_id).order_by(skus.c.id)).scalars()
    )


def _buyer(conn: Connection, config: SimConfig, i: int, at: datetime) -> SimBuyer:
    book = BOOKS[i % len(BOOKS)]
    recipient, mobile, *place = book[0]
    name = f"{BUYER_NAMES[i % len(BUYER_NAMES)]}{i + 1}号"
    user_id = _user(conn, config, f"buyer{i + 1}", name, at)
    address_id = addresses.add_address(conn, user_id, Address(name, mobile, *place), at=at)
    return SimBuyer(accounts.load_actor(conn, user_id), address_id)
