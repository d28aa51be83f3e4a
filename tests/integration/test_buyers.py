"""Buyers on their own: sign up with a phone (SMS sandbox) or an email, keep an address book,
check out to an address the orders copy, pay shipping, cancel, remind the shop, confirm receipt."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from pledge.accounts import services as accounts
from pledge.accounts.signup import SignUp, sign_up
from pledge.addresses import services as addresses
from pledge.addresses.model import Address, masked_phone
from pledge.aftersales.cancellation import request_cancellation
from pledge.aftersales.model import CaseStatus, CaseType
from pledge.aftersales.services import review_case
from pledge.aftersales.tables import cases
from pledge.fulfilment.receipt import confirm_receipt
from pledge.kernel.errors import Conflict, InvalidInput, NotFound, TooManyAttempts, Unauthorized
from pledge.lateship.services import sweep_late_ship
from pledge.ledger.tables import coupons
from pledge.orders import buyer_actions
from pledge.orders import queries as order_queries
from pledge.orders import services as order_services
from pledge.orders.model import OrderStatus
from pledge.orders.tables import orders
from pledge.sms import services as sms
from pledge.sms.tables import sms_codes
from pledge.warehouse.labels import _recipient_lines
from tests.integration.test_checkout import earn_coupon, stock_of

PHONE = "13812345678"
KUNMING = Address("李娜", "13812345678", "云南省", "昆明市", "五华区", "翠湖南路 12 号 3 单元 501")


def _send(app, phone: str = PHONE) -> str:
    sms.send_code(app.uow, app.sms, phone=phone, purpose="signup", at=app.clock.now())
    code = app.sms.last_code(phone)
    assert code is not None and len(code) == 6
    return code


def _order(app, order_id: int):
    with app.uow.read() as c:
        return c.execute(select(orders).where(orders.c.id == order_id)).one()


def test_a_buyer_signs_up_with_a_texted_code_and_logs_in_with_the_phone(app):
    code = _send(app)
    with app.uow.read() as c:
        stored = c.execute(select(sms_codes.c.code_hash)).scalar_one()
    assert code not in stored  # only a salted digest is kept
    user_id = sign_up(app.uow, SignUp("hunter22pw", phone="+86 138-1234-5678", code=code), at=app.clock.now())
    with app.uow.read() as c:
        assert accounts.load_actor(c, user_id).display_name == "138****5678"
    with app.uow.read() as c:
        assert accounts.authenticate(c, PHONE, "hunter22pw") == user_id
    with pytest.raises(InvalidInput):  # a code is spent once
        sign_up(app.uow, SignUp("hunter22pw", phone=PHONE, code=code), at=app.clock.now())


def test_sms_code_limits_wrong_guesses_expiry_and_resends(app, clock):
    code = _send(app)
    with pytest.raises(TooManyAttempts):  # one code per phone per minute
        _send(app)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(sms.MAX_ATTEMPTS):
        with pytest.raises(sms.WrongCode):
            sign_up(app.uow, SignUp("hunter22pw", phone=PHONE, code=wrong), at=app.clock.now())
    with pytest.raises(InvalidInput, match="too many wrong codes"):  # even the right code is dead now
        sign_up(app.uow, SignUp("hunter22pw", phone=PHONE, code=code), at=app.clock.now())
    clock.advance(timedelta(minutes=2))
    fresh = _send(app)
    clock.advance(sms.CODE_TTL + timedelta(seconds=1))
    with pytest.raises(InvalidInput, match="no valid verification code"):
        sign_up(app.uow, SignUp("hunter22pw", phone=PHONE, code=fresh), at=app.clock.now())


def test_email_sign_up_keeps_the_password_rules_and_refuses_a_second_account(app):
    with pytest.raises(InvalidInput, match="at least 8"):
        sign_up(app.uow, SignUp("short", email="new@example.cn"), at=app.clock.now())
    with pytest.raises(InvalidInput, match="an 11-digit"):
        sign_up(app.uow, SignUp("hunter22pw", phone="12345"), at=app.clock.now())
    user_id = sign_up(app.uow, SignUp("hunter22pw", email="New@Example.cn"), at=app.clock.now())
    with pytest.raises(Conflict):
        sign_up(app.uow, SignUp("another-pw", email="new@example.cn"), at=app.clock.now())
    with app.uow.read() as c:
        assert accounts.authenticate(c, "new@example.cn", "hunter22pw") == user_id
        with pytest.raises(Unauthorized):
            accounts.authenticate(c, PHONE, "hunter22pw")


def test_address_book_keeps_one_default_and_is_private(app, world):
    buyer, other = world.user(), world.user()
    with app.uow.begin() as c:
        first = addresses.add_address(c, buyer.user_id, KUNMING, at=world.now)
        second = addresses.add_address(
            c,
            buyer.user_id,
            Address("王强", "13900001111", "云南省", "大理白族自治州", "大理市", "人民路 8 号"),
            at=world.now,
        )
        assert addresses.default_address_id(c, buyer.user_id) == first  # the first one
        addresses.set_default_address(c, buyer.user_id, second)
        addresses.delete_address(c, buyer.user_id, second)
        assert addresses.default_address_id(c, buyer.user_id) == first  # the default passes on
        with pytest.raises(NotFound):
            addresses.update_address(c, other.user_id, first, KUNMING, at=world.now)
    with app.uow.begin() as c:
        with pytest.raises(InvalidInput, match="11-digit"):
            addresses.add_address(
                c,
                buyer.user_id,
                Address("李娜", "1381234567", "云南省", "昆明市", "五华区", "翠湖"),
                at=world.now,
            )
        with pytest.raises(InvalidInput, match="recipient has at most 25"):
            addresses.add_address(
                c,
                buyer.user_id,
                Address("李" * 26, PHONE, "云南省", "昆明市", "五华区", "翠湖"),
                at=world.now,
            )


def test_orders_keep_a_copy_of_the_address_and_the_shop_sees_the_phone_masked(app, world):
    buyer = world.user()
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id)
    with app.uow.begin() as c:
        address_id = addresses.add_address(c, buyer.user_id, KUNMING, at=world.now)
    with app.uow.begin() as c:
        placed = order_services.place_order(
            c,
            buyer,
            [order_services.LineRequest(sku, 1)],
            at=world.now,
            pay_window=app.pay_window,
            guards=app.sale_guards,
            address_id=address_id,
        )
    with app.uow.begin() as c:
        addresses.update_address(
            c,
            buyer.user_id,
            address_id,
            Address("张三", "13700000000", "北京市", "北京市", "朝阳区", "建国路 1 号"),
            at=world.now,
        )
    order_id = placed.order_ids[0]
    with app.uow.read() as c:
        mine = order_queries.buyer_orders(c, buyer.user_id)[0]["ship_to"]
        theirs = order_queries.shop_orders(c, owner, shop_id, now=world.now)[0]["ship_to"]
        lines = _recipient_lines(c, order_id, "buyer")
    assert (mine["recipient"], mine["phone"], mine["city"]) == ("李娜", PHONE, "昆明市")
    assert theirs["phone"] == "138****5678" == masked_phone(PHONE)
    assert lines[0] == "收件人: 李娜  138****5678" and lines[1].startswith("地址: 云南省 昆明市 五华区")


def test_an_address_of_another_buyer_cannot_be_shipped_to(app, world):
    buyer, other = world.user(), world.user()
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id)
    with app.uow.begin() as c:
        address_id = addresses.add_address(c, other.user_id, KUNMING, at=world.now)
    with pytest.raises(NotFound), app.uow.begin() as c:
        order_services.place_order(
            c,
            buyer,
            [order_services.LineRequest(sku, 1)],
            at=world.now,
            pay_window=app.pay_window,
            guards=app.sale_guards,
            address_id=address_id,
        )
    assert stock_of(app, sku) == 100


def test_shipping_fee_is_one_line_per_order_paid_on_top_and_never_discounted(app, world, clock):
    buyer = world.user()
    coupon_id = earn_coupon(world, clock, buyer)  # 5.00
    shop_id, owner = world.shop()
    cheap = world.product(owner, shop_id, price_fen=3000, shipping_fee_fen=800)
    dear = world.product(owner, shop_id, price_fen=5000, shipping_fee_fen=1200)
    placed = world.place(buyer, (cheap, 1), (dear, 1), coupon_id=coupon_id)
    order = _order(app, placed.order_ids[0])
    assert (order.items_fen, order.discount_fen, order.shipping_fen) == (8000, 500, 1200)
    assert order.paid_fen == 8000 - 500 + 1200 == placed.total_fen


def test_late_ship_compensation_is_a_share_of_the_amount_paid_including_shipping(app, world, clock):
    """douyin:aJoPPkWZ7VQM pays 1% of 订单实付金额; 实付 includes shipping (douyin:aJmYzDVDDjey:
    消费者实付金额（含运费）): 450.00 + 100.00 shipping → 1% of 550.00 = 5.50 → 6 yuan (half up),
    where the goods alone would give 5."""
    buyer = world.user()
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise="72h", price_fen=45000, shipping_fee_fen=10000)
    world.paid_order(buyer, sku)
    clock.advance(timedelta(hours=72 + 10))
    sweep_late_ship(app.uow, app.rulebook, clock)
    with app.uow.read() as c:
        assert (
            c.execute(select(coupons.c.amount_fen).where(coupons.c.buyer_id == buyer.user_id)).scalar_one()
            == 600
        )


def test_cancelling_an_unpaid_order_cancels_its_checkout_and_returns_stock_and_coupon(app, world, clock):
    buyer = world.user()
    coupon_id = earn_coupon(world, clock, buyer)
    (a_shop, a_owner), (b_shop, b_owner) = world.shop(), world.shop()
    a, b = world.product(a_owner, a_shop), world.product(b_owner, b_shop)
    placed = world.place(buyer, (a, 2), (b, 1), coupon_id=coupon_id)
    with app.uow.begin() as c:
        cancelled = buyer_actions.cancel_unpaid_order(c, buyer, placed.order_ids[0], at=world.now)
    assert sorted(cancelled) == sorted(placed.order_ids)
    assert {_order(app, o).status for o in placed.order_ids} == {OrderStatus.CANCELLED}
    assert (stock_of(app, a), stock_of(app, b)) == (100, 100)
    with app.uow.read() as c:
        assert (
            c.execute(select(coupons.c.status).where(coupons.c.id == coupon_id)).scalar_one() == "available"
        )
    with pytest.raises(InvalidInput), app.uow.begin() as c:
        buyer_actions.cancel_unpaid_order(c, buyer, placed.order_ids[0], at=world.now)


def test_cancelling_a_paid_unshipped_order_is_an_instant_refund_where_the_rule_allows(app, world):
    buyer = world.user()
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id)
    order_id = world.paid_order(buyer, sku, 3)
    with app.uow.begin() as c:
        case_id = request_cancellation(c, buyer, order_id, book=app.rulebook, at=world.now)
        case = c.execute(select(cases).where(cases.c.id == case_id)).one()
    assert case.case_type == CaseType.INSTANT_REFUND and case.status == CaseStatus.APPROVED
    assert case.refund_fen == _order(app, order_id).paid_fen
    assert _order(app, order_id).status == OrderStatus.CANCELLED
    assert stock_of(app, sku) == 100


def test_cancelling_a_blind_box_order_waits_for_the_shop_which_then_cancels_it(app, world):
    """Blind boxes have no instant refund (douyin:aJmtW2ombFf1): a refund request the shop
    reviews within the merchant-review clause's 48 h (review.default-48h, pledge:default)."""
    buyer = world.user(born=date(1990, 1, 1))  # a blind box needs an adult's birth date (blindbox.minors)
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, blind_box=True)
    order_id = world.paid_order(buyer, sku)
    with app.uow.begin() as c:
        case_id = request_cancellation(c, buyer, order_id, book=app.rulebook, at=world.now)
        case = c.execute(select(cases).where(cases.c.id == case_id)).one()
    assert (case.case_type, case.status, case.due_clause) == (
        CaseType.REFUND_ONLY,
        CaseStatus.REQUESTED,
        "review.default-48h",
    )
    assert case.due_at - world.now == timedelta(hours=48)
    with app.uow.begin() as c:
        review_case(c, owner, case_id, approve=True, note="", book=app.rulebook, at=world.now)
    assert _order(app, order_id).status == OrderStatus.CANCELLED


def test_reminding_the_shop_to_ship_is_limited_by_the_ship_reminder_clause(app, world, clock):
    buyer = world.user()
    shop_id, owner = world.shop()
    order_id = world.paid_order(buyer, world.product(owner, shop_id))
    with app.uow.begin() as c:
        assert buyer_actions.remind_to_ship(c, buyer, order_id, book=app.rulebook, at=world.now) == 1
    clock.advance(timedelta(hours=23))
    with pytest.raises(TooManyAttempts) as refused, app.uow.begin() as c:
        buyer_actions.remind_to_ship(c, buyer, order_id, book=app.rulebook, at=world.now)
    assert refused.value.retry_after == 3600
    clock.advance(timedelta(hours=1))
    with app.uow.begin() as c:
        assert buyer_actions.remind_to_ship(c, buyer, order_id, book=app.rulebook, at=world.now) == 2
    with app.uow.read() as c:
        assert order_queries.shop_orders(c, owner, shop_id, now=world.now)[0]["ship_reminders"] == 2
    with pytest.raises(NotFound), app.uow.begin() as c:
        buyer_actions.remind_to_ship(c, owner, order_id, book=app.rulebook, at=world.now)


def test_confirming_receipt_delivers_a_shipped_order_from_that_moment(app, world, clock):
    buyer = world.user()
    shop_id, owner = world.shop()
    order_id = world.paid_order(buyer, world.product(owner, shop_id))
    with pytest.raises(InvalidInput), app.uow.begin() as c:
        confirm_receipt(c, buyer, order_id, at=world.now)
    world.ship(owner, order_id)
    clock.advance(timedelta(days=2))
    with app.uow.begin() as c:
        confirm_receipt(c, buyer, order_id, at=world.now)
    order = _order(app, order_id)
    assert (order.status, order.delivered_at) == (OrderStatus.DELIVERED, world.now)


def test_a_checkout_without_a_chosen_address_ships_to_the_default_one(app, world):
    buyer = world.user()
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id)
    placed_before = world.place(buyer, (sku, 1))  # no address book yet: no address
    with app.uow.begin() as c:
        addresses.add_address(c, buyer.user_id, KUNMING, at=world.now)
    placed = world.place(buyer, (sku, 1))
    with app.uow.read() as c:
        shipped_to = {o["id"]: o["ship_to"] for o in order_queries.buyer_orders(c, buyer.user_id)}
    assert shipped_to[placed_before.order_ids[0]] is None
    assert shipped_to[placed.order_ids[0]]["detail"] == KUNMING.detail


def test_sms_codes_are_limited_per_client_address_by_the_rulebook_clause(app, clock):
    clause = app.rulebook.clause("sms.code-limits")
    assert clause.source == "pledge:default"
    limits = sms.code_limits(app.rulebook, clock.now())
    assert (limits.resend_after, limits.per_phone, limits.per_address) == (timedelta(seconds=60), 10, 20)

    def send(phone: str, address: str) -> None:
        sms.send_code(
            app.uow, app.sms, phone=phone, purpose="signup", at=clock.now(), address=address, limits=limits
        )

    for i in range(limits.per_address):  # a different phone each time: only the address repeats
        send(f"1390000{i:04d}", "203.0.113.7")
    with app.uow.read() as c:
        before = c.execute(select(func.count()).select_from(sms_codes)).scalar_one()
    with pytest.raises(TooManyAttempts, match="from this network"):
        send("13911112222", "203.0.113.7")
    send("13911112222", "198.51.100.4")  # another network may still ask
    clock.advance(timedelta(hours=24, seconds=1))
    send("13911113333", "203.0.113.7")  # a day later the address may ask again
    with app.uow.read() as c:
        assert c.execute(select(func.count()).select_from(sms_codes)).scalar_one() == before + 2
