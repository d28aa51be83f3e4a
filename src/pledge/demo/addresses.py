"""Demo buyers' address books (realistic Chinese addresses), and the address every demo order
ships to: the orders the other demo seeds place without one get a copy of their buyer's
default address, as if it had been chosen at checkout."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from pledge.accounts.services import Actor
from pledge.addresses import services as addresses
from pledge.addresses.model import Address
from pledge.bootstrap import App
from pledge.orders.shipping import snapshot_address
from pledge.orders.tables import order_addresses, orders

# (recipient, mobile, province, city, district, detail) per demo buyer, in seed.BUYERS' order;
# the first of each buyer's is the default.
BOOKS: list[list[tuple[str, str, str, str, str, str]]] = [
    [
        ("林小满", "13888061234", "云南省", "昆明市", "五华区", "翠湖南路 12 号 3 单元 501 室"),
        ("林小满", "13888061234", "云南省", "昆明市", "呈贡区", "云南大学呈贡校区 楠苑 7 栋"),
    ],
    [("王秀兰", "13908715678", "四川省", "成都市", "武侯区", "玉林北路 8 号 2 栋 1 单元 302")],
    [("陈晨", "13700001234", "广东省", "深圳市", "南山区", "科技园南区 高新南七道 18 号")],
    [("李雪", "13512345678", "浙江省", "杭州市", "西湖区", "文三路 90 号 东部软件园 5 号楼")],
    [("张伟", "18612340000", "北京市", "北京市", "朝阳区", "望京街道 阜通东大街 6 号院 3 号楼")],
    [("刘洋", "15098765432", "上海市", "上海市", "浦东新区", "张江镇 祖冲之路 887 弄 12 号")],
    [("赵敏", "13366668888", "湖北省", "武汉市", "洪山区", "珞喻路 1037 号 华中科技大学 东区")],
    [("孙悦", "18088886666", "云南省", "大理白族自治州", "大理市", "古城 人民路 163 号")],
]


def seed_addresses(app: App, buyers: list[Actor], at: datetime) -> None:
    with app.uow.begin() as conn:
        for buyer, book in zip(buyers, BOOKS, strict=False):
            for entry in book:
                addresses.add_address(conn, buyer.user_id, Address(*entry), at=at)


def _default_address(conn, buyer_id: int) -> Address | None:
    found = addresses.default_address_id(conn, buyer_id)
    return None if found is None else addresses.address_of(addresses.owned_address(conn, buyer_id, found))


def ship_demo_orders(app: App) -> int:
    """Every order without an address gets its buyer's default one; returns how many."""
    with app.uow.begin() as conn:
        missing = conn.execute(
            select(orders.c.id, orders.c.buyer_id, orders.c.shop_id)
            .where(orders.c.id.not_in(select(order_addresses.c.order_id)))
            .order_by(orders.c.id)
        ).all()
        defaults: dict[int, Address | None] = {}
        for row in missing:
            if row.buyer_id not in defaults:
                defaults[row.buyer_id] = _default_address(conn, row.buyer_id)
            address = defaults[row.buyer_id]
            if address is not None:
                snapshot_address(conn, [(row.id, row.shop_id)], address)
        return len(missing)
