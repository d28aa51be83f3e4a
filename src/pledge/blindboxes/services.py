"""Blind boxes: listing one (the series checked against the rules, then written with the
product), the per-buyer draw limit at checkout, and the draws written with the order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor
from pledge.blindboxes import policy
from pledge.blindboxes.model import BoxSeries
from pledge.blindboxes.tables import blind_box_draws, blind_box_items, blind_box_series
from pledge.catalog import services as catalog
from pledge.catalog.guards import ListingGuard, ListingScreen, Purchase
from pledge.kernel.errors import Conflict, InvalidInput
from pledge.orders.model import OrderStatus
from pledge.orders.tables import orders
from pledge.rulebooks.loader import Rulebook


def list_product(
    conn: Connection,
    actor: Actor,
    cmd: catalog.NewProduct,
    series: BoxSeries | None,
    *,
    book: Rulebook,
    at: datetime,
    guards: Sequence[ListingGuard],
    screen: ListingScreen | None = None,
) -> int:
    """A new product; a blind box (cmd.blind_box) only with its series, which must pass the
    blind-box rules (douyin:aHGYneqr4WDJ) before anything is written."""
    if not cmd.blind_box:
        if series is not None:
            raise InvalidInput("a series of items is for blind boxes only: set blind_box")
        return catalog.create_product(conn, actor, cmd, at=at, guards=guards, screen=screen)
    clause = book.one("blind_box_disclosure", at)
    if series is None:
        raise InvalidInput(
            f"a blind box is listed with its items, odds and values (clause {clause.id})", clause=clause.id
        )
    policy.check_listing(book, cmd.title, series, at)
    product_id = catalog.create_product(conn, actor, cmd, at=at, guards=guards, screen=screen)
    conn.execute(
        blind_box_series.insert().values(
            product_id=product_id,
            shop_id=cmd.shop_id,
            box_type=series.box_type,
            factory_sealed=series.factory_sealed,
            draws_per_buyer=series.draws_per_buyer,
            created_at=at,
        )
    )
    conn.execute(
        blind_box_items.insert(),
        [
            dict(
                product_id=product_id,
                shop_id=cmd.shop_id,
                position=position,
                name=item.name.strip(),
                odds_bp=item.odds_bp,
                value_fen=item.value_fen,
                quantity=item.quantity,
                hidden=item.hidden,
            )
            for position, item in enumerate(series.items, start=1)
        ],
    )
    return product_id


def _boxes_bought(purchase: Purchase) -> dict[int, int]:
    units: dict[int, int] = defaultdict(int)
    for order in purchase.orders:
        for line in order.lines:
            units[line.product_id] += line.quantity
    return units


def _series(conn: Connection, product_ids: Sequence[int]) -> dict[int, int]:
    """{product_id: draws per buyer} of the blind boxes among `product_ids`."""
    s = blind_box_series.c
    return dict(
        conn.execute(select(s.product_id, s.draws_per_buyer).where(s.product_id.in_(product_ids))).all()
    )


def draws_held(conn: Connection, buyer_id: int, product_id: int) -> int:
    """Units the buyer has drawn from the series, not counting orders cancelled since."""
    d = blind_box_draws.c
    return int(
        conn.execute(
            select(func.count())
            .select_from(blind_box_draws.join(orders, orders.c.id == d.order_id))
            .where(
                d.buyer_id == buyer_id,
                d.product_id == product_id,
                orders.c.status != OrderStatus.CANCELLED.value,
            )
        ).scalar_one()
    )


def check_draw_limits(conn: Connection, book: Rulebook, purchase: Purchase, *, at: datetime) -> None:
    """The series' disclosed limit of draws per buyer (4.5 "每个系列可以抽取的次数")."""
    wanted = _boxes_bought(purchase)
    clause_id = book.one("blind_box_disclosure", at).id
    for product_id, limit in sorted(_series(conn, sorted(wanted)).items()):
        held = draws_held(conn, purchase.buyer_id, product_id)
        if held + wanted[product_id] > limit:
            raise Conflict(
                f"this blind-box series allows {limit} draws per buyer and you already drew {held} "
                f"(clause {clause_id})",
                clause=clause_id,
                limit=limit,
                held=held,
            )


def record_draws(conn: Connection, book: Rulebook, purchase: Purchase, *, at: datetime) -> int:
    """One draw per blind-box unit of the written orders: the item chosen by a roll from the
    operating system's CSPRNG over the series' odds, kept with its roll and source (4.8)."""
    per_product: dict[tuple[int, int], int] = defaultdict(int)  # two SKUs of one box: units 1..n across both
    shop_of: dict[int, int] = {}  # the draws carry their order's shop (composite key, migration 0049)
    for order in purchase.orders:
        for line in order.lines:
            if order.order_id is not None and line.blind_box:
                per_product[(order.order_id, line.product_id)] += line.quantity
                shop_of[order.order_id] = order.shop_id
    units = sorted(
        (order_id, product_id, quantity) for (order_id, product_id), quantity in per_product.items()
    )
    boxes = _series(conn, sorted({product_id for _, product_id, _ in units}))
    if not boxes:
        return 0  # no blind box bought: no draw, and no clause to read (a rulebook may have none)
    rows = []
    keep_until = policy.keep_until(book, at)
    for order_id, product_id, quantity in units:
        if product_id not in boxes:
            continue
        items = _odds(conn, product_id)
        for unit in range(1, quantity + 1):
            roll = policy.roll()
            item_id = policy.draw(items, roll)
            rows.append(
                dict(
                    order_id=order_id,
                    shop_id=shop_of[order_id],
                    buyer_id=purchase.buyer_id,
                    product_id=product_id,
                    unit=unit,
                    item_id=item_id,
                    odds_bp=dict(items)[item_id],
                    roll=roll,
                    random_source=policy.RANDOM_SOURCE,
                    drawn_at=at,
                    keep_until=keep_until,
                )
            )
    if rows:
        conn.execute(blind_box_draws.insert(), rows)
    return len(rows)


def _odds(conn: Connection, product_id: int) -> list[tuple[int, int]]:
    i = blind_box_items.c
    return [
        (row.id, row.odds_bp)
        for row in conn.execute(
            select(i.id, i.odds_bp).where(i.product_id == product_id).order_by(i.position)
        )
    ]
