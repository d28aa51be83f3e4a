"""The inbox hears of every cause a buyer cares about, in the cause's own transaction and exactly
once per cause (SQLite and PostgreSQL): a compensation coupon (with its rule and order), each
after-sales case status, each shop reply in a chat, and the shipping events shipped and
delivered. Retried sweeps and ticks add nothing; a cause rolled back leaves no notice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pledge.aftersales import services as aftersales
from pledge.aftersales.policy import ShopPledge
from pledge.chat import services as chat
from pledge.compensation import services as compensation
from pledge.demo.aftersales import photo
from pledge.lateship.services import sweep_late_ship
from pledge.notifications import queries as inbox
from pledge.notifications.model import Kind
from pledge.notifications.tables import notifications
from pledge.orders.tables import order_lines
from pledge.uploads.services import save_image


def notices(app, user_id: int) -> list[tuple[str, dict]]:
    with app.uow.read() as c:
        return [(n.kind.value, n.params) for n in reversed(inbox.inbox(c, user_id, limit=100))]


def kinds(app, user_id: int) -> list[str]:
    return [k for k, _ in notices(app, user_id)]


def test_a_late_ship_coupon_tells_the_buyer_once_with_its_rule_and_order(app, world, clock):
    shop_id, owner = world.shop("大乐水果")
    sku = world.product(owner, shop_id, promise="72h", price_fen=50000)
    buyer = world.user()
    order_id = world.paid_order(buyer, sku)
    clock.advance(timedelta(hours=72 + 10))
    for _ in range(2):  # a retried sweep
        sweep_late_ship(app.uow, app.rulebook, clock)
    assert notices(app, buyer.user_id) == [
        (Kind.COUPON_ISSUED.value, {"amount_fen": 500, "rule": "late_ship", "order_id": order_id})
    ]
    with app.uow.read() as c:
        assert inbox.unread_count(c, buyer.user_id) == 1


def test_a_compensation_rolled_back_leaves_no_notice(app, world):
    shop_id, owner = world.shop()
    buyer = world.user()
    order_id = world.paid_order(buyer, world.product(owner, shop_id))
    due = compensation.Due(
        "late_ship", order_id, shop_id, buyer.user_id, 300, "late-ship.test", "pledge:default", "late", "晚发"
    )
    with pytest.raises(RuntimeError), app.uow.begin() as c:
        compensation.pay(c, app.rulebook, [due], now=app.clock.now())
        raise RuntimeError("the sweep's transaction fails after paying")
    assert kinds(app, buyer.user_id) == []


def test_shipping_events_tell_the_buyer_once_each(app, world, clock):
    shop_id, owner = world.shop()
    buyer = world.user()
    order_id = world.paid_order(buyer, world.product(owner, shop_id))
    world.ship(owner, order_id)
    assert kinds(app, buyer.user_id) == [Kind.ORDER_SHIPPED.value]
    clock.advance(timedelta(hours=40))
    world.carrier_tick()
    world.carrier_tick()
    assert kinds(app, buyer.user_id) == [Kind.ORDER_SHIPPED.value, Kind.ORDER_DELIVERED.value]
    assert notices(app, buyer.user_id)[1][1] == {"order_id": order_id}


def test_a_shop_reply_tells_the_buyer_and_the_buyer_own_message_does_not(app, world):
    shop_id, owner = world.shop("小阿阮鲜花")
    buyer = world.user()
    with app.uow.begin() as c:
        opened = chat.open_conversation(c, buyer, shop_id=shop_id, order_id=None, at=app.clock.now())
        chat.post_message(c, buyer, opened.conversation_id, "向日葵今天能发吗？", at=app.clock.now())
    assert kinds(app, buyer.user_id) == []
    with app.uow.begin() as c:
        chat.post_message(c, owner, opened.conversation_id, "今天下午发出", at=app.clock.now())
        chat.post_message(c, owner, opened.conversation_id, "顺丰", at=app.clock.now())
    found = notices(app, buyer.user_id)
    assert [k for k, _ in found] == [Kind.CHAT_REPLY.value] * 2  # one per reply
    assert found[0][1]["conversation_id"] == opened.conversation_id and found[0][1]["shop"].startswith(
        "小阿阮鲜花"
    )
    assert kinds(app, owner.user_id) == []


def test_each_case_status_tells_the_buyer_once(app, world, clock):
    shop_id, owner = world.shop()
    with app.uow.begin() as c:
        aftersales.set_shop_pledge(
            c, owner, shop_id, ShopPledge(per_unit_damage=True), "损坏包赔", at=clock.now()
        )
    sku = world.product(owner, shop_id, promise="48h", price_fen=9900, perishable=True)
    buyer = world.user()
    order_id = world.paid_order(buyer, sku)
    world.ship(owner, order_id)
    clock.advance(timedelta(hours=40))
    world.carrier_tick()
    with app.uow.begin() as c:
        upload = save_image(c, app.files, buyer, data=photo(3, 16, 12), filename="rotten.png", at=clock.now())
        line_id = c.execute(select(order_lines.c.id).where(order_lines.c.order_id == order_id)).scalar()
    with app.uow.begin() as c:
        case_id = aftersales.file_case(
            c,
            buyer,
            aftersales.NewCase(order_id, "damage_claim", "damaged", [(line_id, 1)], upload_ids=[upload]),
            book=app.rulebook,
            at=clock.now(),
        )
    clock.advance(timedelta(hours=48, seconds=1))
    for _ in range(2):
        aftersales.sweep_case_deadlines(app.uow, app.rulebook, clock)
        aftersales.complete_refunds(app.uow, app.payments, clock)
    case_notices = [p for k, p in notices(app, buyer.user_id) if k == Kind.CASE_UPDATED.value]
    assert [p["status"] for p in case_notices] == ["approved", "refunded"]
    assert all(p["case_id"] == case_id and p["order_id"] == order_id for p in case_notices)
    with app.uow.read() as c:
        causes = list(
            c.execute(select(notifications.c.cause).where(notifications.c.user_id == buyer.user_id))
        )
    assert len(causes) == len(set(causes))
