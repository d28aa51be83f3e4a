"""Shop staff and their roles: the owner invites and removes members; settlement (payouts,
programme applications) and pledges (shop pledge, shipping insurance) are the owner's, and
finance's for settlement; every other member gets 403 and nothing changes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pledge.accounts import services as accounts
from pledge.accounts import staff
from pledge.accounts.services import NotPermitted, Permission, ShopRole
from pledge.accounts.tables import shop_members, users
from pledge.aftersales import coverage, policy
from pledge.aftersales import services as aftersales
from pledge.aftersales.tables import shop_pledges
from pledge.catalog.tables import skus
from pledge.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from pledge.settlement import payouts
from pledge.settlement.deposits import DepositShort


def _email(app, user_id: int) -> str:
    with app.uow.read() as c:
        return c.execute(select(users.c.email).where(users.c.id == user_id)).scalar_one()


def _invite(app, owner, shop_id: int, user, role: str) -> accounts.Actor:
    with app.uow.begin() as c:
        staff.invite_staff(c, owner, shop_id, email=_email(app, user.user_id), role=role)
        return accounts.load_actor(c, user.user_id)


@pytest.fixture
def shop(app, world):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id)
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    return shop_id, owner, product_id


def test_owner_invites_by_email_and_staff_sees_the_shop(app, world, shop):
    shop_id, owner, _ = shop
    clerk = _invite(app, owner, shop_id, world.user("客服"), "operations")
    assert clerk.shops == {shop_id: "operations"}
    with app.uow.read() as c:
        members = staff.shop_staff(c, clerk, shop_id)
    assert [(m.role, m.user_id) for m in members] == [
        (ShopRole.OWNER, owner.user_id),
        (ShopRole.OPERATIONS, clerk.user_id),
    ]


def test_only_the_owner_manages_staff(app, world, shop):
    shop_id, owner, _ = shop
    clerk = _invite(app, owner, shop_id, world.user("客服"), "operations")
    stranger = world.user("路人")
    with pytest.raises(NotPermitted), app.uow.begin() as c:
        staff.invite_staff(c, clerk, shop_id, email=_email(app, stranger.user_id), role="owner")
    with pytest.raises(NotPermitted), app.uow.begin() as c:
        staff.remove_staff(c, clerk, shop_id, user_id=owner.user_id)
    with app.uow.read() as c:
        assert c.execute(select(func.count()).where(shop_members.c.shop_id == shop_id)).scalar() == 2


def test_invite_refuses_unknown_people_members_and_roles(app, world, shop):
    shop_id, owner, _ = shop
    clerk = world.user("客服")
    with pytest.raises(NotFound), app.uow.begin() as c:
        staff.invite_staff(c, owner, shop_id, email="nobody@example.cn", role="operations")
    with pytest.raises(InvalidInput), app.uow.begin() as c:
        staff.invite_staff(c, owner, shop_id, email=_email(app, clerk.user_id), role="boss")
    _invite(app, owner, shop_id, clerk, "fulfilment")
    with pytest.raises(Conflict), app.uow.begin() as c:
        staff.invite_staff(c, owner, shop_id, email=_email(app, clerk.user_id), role="finance")


def test_the_last_owner_stays(app, world, shop):
    shop_id, owner, _ = shop
    with pytest.raises(Conflict), app.uow.begin() as c:
        staff.remove_staff(c, owner, shop_id, user_id=owner.user_id)
    with pytest.raises(Conflict), app.uow.begin() as c:
        staff.change_role(c, owner, shop_id, user_id=owner.user_id, role="operations")


def test_a_removed_member_loses_the_shop_at_once(app, world, shop):
    shop_id, owner, _ = shop
    clerk = _invite(app, owner, shop_id, world.user("发货"), "fulfilment")
    with app.uow.begin() as c:
        staff.remove_staff(c, owner, shop_id, user_id=clerk.user_id)
        assert accounts.load_actor(c, clerk.user_id).shops == {}


@pytest.mark.parametrize("role", ["operations", "fulfilment", "staff"])
def test_settlement_is_the_owners_or_finances(app, world, shop, role):
    """Payouts: a staff role is refused with 403 before any balance is looked at."""
    shop_id, owner, _ = shop
    member = _invite(app, owner, shop_id, world.user(), role)
    with pytest.raises(NotPermitted) as refused, app.uow.begin() as c:
        payouts.request_payout(c, member, app.rulebook, shop_id, amount_fen=100, at=world.now)
    assert refused.value.status == 403 and refused.value.extra["permission"] == "settlement"
    finance = _invite(app, owner, shop_id, world.user("财务"), "finance")
    assert finance.may(shop_id, Permission.SETTLEMENT) and not member.may(shop_id, Permission.SETTLEMENT)
    with pytest.raises(DepositShort), app.uow.begin() as c:  # let in: refused only for the deposit
        payouts.request_payout(c, finance, app.rulebook, shop_id, amount_fen=100, at=world.now)


@pytest.mark.parametrize("role", ["operations", "fulfilment", "finance", "staff"])
def test_pledges_are_the_owners(app, world, shop, role):
    shop_id, owner, product_id = shop
    member = _invite(app, owner, shop_id, world.user(), role)
    with pytest.raises(NotPermitted), app.uow.begin() as c:
        aftersales.set_shop_pledge(c, member, shop_id, policy.ShopPledge(True), "坏一枝赔一枝", at=world.now)
    with pytest.raises(NotPermitted), app.uow.begin() as c:
        coverage.set_shipping_insurance(c, member, product_id, tier=None, book=app.rulebook, at=world.now)
    with app.uow.read() as c:
        assert c.execute(select(func.count()).select_from(shop_pledges)).scalar() == 0
    with app.uow.begin() as c:
        aftersales.set_shop_pledge(c, owner, shop_id, policy.ShopPledge(True), "坏一枝赔一枝", at=world.now)


def test_another_shops_owner_cannot_touch_this_shops_staff(app, world, shop):
    shop_id, _owner, _ = shop
    other_shop, other_owner = world.shop("大乐水果")
    with pytest.raises(Forbidden), app.uow.begin() as c:
        staff.remove_staff(c, other_owner, shop_id, user_id=_owner.user_id)
    with pytest.raises(Forbidden), app.uow.read() as c:
        staff.shop_staff(c, other_owner, shop_id)
