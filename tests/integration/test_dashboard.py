"""The merchant's home (工作台): each tile counts what it says, today is the Beijing day, and the
read model runs a fixed number of statements whatever the shop's size."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from pledge.aftersales import services as aftersales
from pledge.chat.services import open_conversation, post_message
from pledge.dashboard.queries import shop_dashboard
from pledge.kernel.errors import Forbidden
from pledge.orders.tables import order_lines

STATEMENTS = 5


def board(app, actor, shop_id):
    with app.uow.read() as c:
        return shop_dashboard(c, actor, shop_id, now=app.clock.now(), timezone=app.rulebook.timezone)


def count_statements(app, actor, shop_id: int) -> int:
    """Statements the read model itself runs (the transaction's own set-up not counted)."""
    seen = []

    def log(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):  # not the driver's BEGIN
            seen.append(statement)

    with app.uow.read() as c:
        event.listen(app.uow.engine, "before_cursor_execute", log)
        try:
            shop_dashboard(c, actor, shop_id, now=app.clock.now(), timezone=app.rulebook.timezone)
        finally:
            event.remove(app.uow.engine, "before_cursor_execute", log)
    return len(seen)


def test_tiles_count_what_needs_doing(app, world):
    shop_id, owner = world.shop()
    same_day = world.product(owner, shop_id, promise="same-day", price_fen=1990)
    later = world.product(owner, shop_id, promise="72h", price_fen=2990, title="芍药 5枝")
    buyer = world.user()
    world.paid_order(buyer, same_day)  # paid 10:00 Beijing: ship by 23:59:59 today
    world.paid_order(buyer, later, 2)
    first = board(app, owner, shop_id)
    assert (first.to_ship_today, first.due_soon, first.overdue) == (1, 0, 0)
    assert (first.orders_today, first.sales_today_fen) == (2, 1990 + 2 * 2990)
    assert (first.cases_awaiting, first.chats_unanswered, first.score) == (0, 0, None)

    app.clock.advance(timedelta(hours=10))  # 20:00 Beijing: the same-day order is due within 6 h
    assert board(app, owner, shop_id).due_soon == 1
    app.clock.advance(timedelta(hours=5))  # 01:00 the next day: a new Beijing day, the order is late
    late = board(app, owner, shop_id)
    assert (late.overdue, late.orders_today, late.sales_today_fen) == (1, 0, 0)


def test_open_requests_and_unanswered_chats_are_counted(app, world):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id)
    buyer = world.user()
    order_id = world.paid_order(buyer, sku)
    with app.uow.begin() as c:
        line_id = c.execute(select(order_lines.c.id).where(order_lines.c.order_id == order_id)).scalar_one()
        aftersales.file_case(
            c,
            buyer,
            aftersales.NewCase(order_id, "refund_only", "other", [(line_id, 1)], note="不想要了"),
            book=app.rulebook,
            at=world.now,
        )
        opened = open_conversation(c, buyer, shop_id=shop_id, order_id=order_id, at=world.now)
        post_message(c, buyer, opened.conversation_id, "什么时候发货？", at=world.now)
    seen = board(app, owner, shop_id)
    assert (seen.cases_awaiting, seen.chats_unanswered) == (1, 1)
    with app.uow.begin() as c:
        post_message(c, owner, opened.conversation_id, "今天就发", at=world.now)
    assert board(app, owner, shop_id).chats_unanswered == 0


def test_a_fixed_number_of_statements_whatever_the_size(app, world):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id)
    buyer = world.user()
    world.paid_order(buyer, sku)
    small = count_statements(app, owner, shop_id)
    for _ in range(5):
        world.paid_order(buyer, sku)
    assert count_statements(app, owner, shop_id) == small == STATEMENTS


def test_another_shop_cannot_read_the_board(app, world):
    shop_id, _owner = world.shop()
    _other, intruder = world.shop("大乐水果")
    with pytest.raises(Forbidden):
        board(app, intruder, shop_id)
