"""Who pays a damage claim, on SQLite and PostgreSQL (douyin:aJn4bujNmDDo): the 坏了包退 guarantee
served badged 水果蔬菜 / 肉禽蛋品 / 冷冻/冷藏制品 / 海鲜水产 goods of orders paid from 2024-12-04 and is
withdrawn for orders paid from 2026-07-06 (Beijing time); an order paid before that day is still
served, whenever it is claimed. After it a damage claim is paid only where the shop's own pledge
promises it (the florist: every damaged stem), with the ordinary review and escalation times;
without a pledge nothing is claimed and nothing changes. Damage reasons must fit the goods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from pledge.aftersales import coverage
from pledge.aftersales import services as aftersales
from pledge.aftersales.policy import ShopPledge
from pledge.catalog.tables import skus
from pledge.kernel import jsonutil
from pledge.kernel.errors import InvalidInput
from pledge.orders.tables import order_lines
from tests.integration.test_aftersales_cases import (  # noqa: F401 - the autouse fixtures apply here too
    case_events_of,
    case_row,
    complete,
    file,
    guaranteed,
    legs,
    photo,
    private_upload_dir,
    refunds_of,
    refused,
    review,
    scene,
    sweep,
)

UTC = UTC
JUNE = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
LAST_SERVED = datetime(2026, 7, 5, 15, 59, 59, tzinfo=UTC)  # 2026-07-05 23:59:59 Beijing time
WITHDRAWN = datetime(2026, 7, 5, 16, 0, tzinfo=UTC)  # 2026-07-06 00:00 Beijing time
SECOND = timedelta(seconds=1)


def badged_fruit(world, clock, shop) -> int:
    """A fresh product that carried the 坏了包退 badge since June (the SKU id)."""
    clock.set(JUNE)
    shop_id, owner = shop
    sku = world.product(
        owner,
        shop_id,
        price_fen=1990,
        category=world.named_category("水果蔬菜", "柑橘"),
        title="赣南脐橙",
        perishable=True,
    )
    with world.app.uow.begin() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar()
        coverage.set_damage_badge(c, owner, product_id, on=True, book=world.app.rulebook, at=JUNE)
    return sku


def with_photo(app, s):
    """The scene with a photo the buyer uploaded for the claims (before any claim: a refused claim
    must change nothing, so the upload cannot happen inside it)."""
    s.uploads = [photo(app, s.buyer)]
    return s


def claim(app, s, units: int = 4, reason: str = "damaged") -> int:
    return file(app, s.buyer, s.order_id, "damage_claim", reason, [(s.line_id, units)], upload_ids=s.uploads)


def test_douyin_aJn4bujNmDDo_damage_service_withdrawn_for_orders_from_2026_07_06(app, world, clock):
    """A badged orange box paid at 2026-07-06 00:00 Beijing time: the platform's damage clause does
    not pay it, and the refusal changes nothing; one second earlier the same product is served,
    even when the claim comes after the withdrawal."""
    shop = world.shop("大乐水果")
    sku = badged_fruit(world, clock, shop)
    clock.set(WITHDRAWN)
    late = with_photo(app, scene(world, clock, shop=shop, sku=sku, qty=10))
    refused(
        app,
        InvalidInput,
        "withdrawn for orders paid from 2026-07-06 .* pledges no damage refund",
        lambda: claim(app, late),
    )

    clock.set(LAST_SERVED)
    served = with_photo(app, scene(world, clock, shop=shop, sku=sku, qty=10))
    assert clock.now() > WITHDRAWN  # signed for (and claimed) after the withdrawal
    case = case_row(app, claim(app, served))
    assert (case.basis, case.clause_id, case.refund_fen, case.due_clause) == (
        "damage_service",
        "damage.share.30-50",
        9950,
        "review.damage-24h",
    )  # 4 of 10 → 50% of 199.00
    assert jsonutil.loads(case.inputs)["cover_clause"] == "damage.service"


def test_after_the_withdrawal_the_florists_pledge_pays_every_damaged_stem(app, world, clock):
    """小阿阮鲜花's pledge "损坏一支也给售后赔付": 3 of 12 bunches → 3/12 of the 238.80 paid, by the shop,
    reviewed like any case (48 h), and the buyer escalates within the general 24 h."""
    shop_id, owner = world.shop("小阿阮鲜花")
    s = with_photo(app, scene(world, clock, price_fen=1990, qty=12, perishable=True, shop=(shop_id, owner)))
    # flowers were never in the guarantee's categories: without her pledge nothing pays
    refused(
        app,
        InvalidInput,
        "no damage refund applies: .*outside the categories.*pledges no damage refund",
        lambda: claim(app, s, 3),
    )
    with app.uow.begin() as c:
        aftersales.set_shop_pledge(
            c, owner, shop_id, ShopPledge(per_unit_damage=True), "损坏一支也给售后赔付", at=clock.now()
        )
    case_id = claim(app, s, 3)
    case = case_row(app, case_id)
    assert (case.basis, case.clause_id, case.clause_source, case.refund_fen) == (
        "shop_pledge",
        "damage.shop-pledge",
        "douyin:aJn4bujNmDDo",
        5970,
    )  # 3/12 × 238.80
    assert (case.due_kind, case.due_clause, case.due_at) == (
        "auto_approve",
        "review.default-48h",
        clock.now() + timedelta(hours=48),
    )
    assert "the shop pays every damaged unit: 3/12 of 238.80 = 59.70" in case.explanation
    review(app, owner, case_id, False, "花头完好")
    assert (case_row(app, case_id).due_clause, case_row(app, case_id).due_at) == (
        "escalation.after-rejection-default",
        clock.now() + timedelta(hours=24),
    )
    with app.uow.begin() as c:
        aftersales.escalate(c, s.buyer, case_id, note="照片里花头断了", at=clock.now())
    operator = world.user("运营", platform_role="operator")
    with app.uow.begin() as c:
        aftersales.decide_escalation(
            c, operator, case_id, approve=True, note="照片可见折断", book=app.rulebook, at=clock.now()
        )
    assert complete(app) == 1 and complete(app) == 0
    assert legs(app, f"refund:{case_id}") == [(f"shop:{shop_id}:proceeds", "external:payments", 5970)]


def test_a_silent_shop_s_pledged_claim_is_approved_after_48h_not_24h(app, world, clock):
    shop_id, owner = world.shop("小阿阮鲜花")
    with app.uow.begin() as c:
        aftersales.set_shop_pledge(
            c, owner, shop_id, ShopPledge(per_unit_damage=True), "损坏一支也给售后赔付", at=clock.now()
        )
    s = with_photo(app, scene(world, clock, price_fen=1990, qty=4, perishable=True, shop=(shop_id, owner)))
    case_id = claim(app, s, 2)
    filed = clock.now()
    clock.set(filed + timedelta(hours=24))
    assert sweep(app) == {}
    clock.set(filed + timedelta(hours=48))
    assert sweep(app) == {"auto_approve": 1}
    assert complete(app) == 1
    assert refunds_of(app, case_id) == [(f"refund:{case_id}", 3980, "merchant", "succeeded")]


def test_the_fruit_sellers_pledge_keeps_the_table_for_rot_and_insects_only(app, world, clock):
    """大乐水果: rotten or insect-damaged fruit refunded by the former table (4 of 12 → 50%);
    a crushed box is not in its pledge."""
    shop_id, owner = world.shop("大乐水果")
    with app.uow.begin() as c:
        aftersales.set_shop_pledge(
            c,
            owner,
            shop_id,
            ShopPledge(
                damage_share_table=True,
                damage_reasons=frozenset({"visible_rot", "internal_rot", "insect_damage"}),
            ),
            "坏果虫眼都赔",
            at=clock.now(),
        )
    sku = world.product(
        owner, shop_id, price_fen=1990, category=world.named_category("水果蔬菜", "柑橘"), perishable=True
    )
    s = with_photo(app, scene(world, clock, shop=(shop_id, owner), sku=sku, qty=12))
    case = case_row(app, claim(app, s, 4, "insect_damage"))
    assert (case.basis, case.clause_id, case.refund_fen) == ("shop_pledge", "damage.shop-pledge", 11940)
    assert jsonutil.loads(case.inputs)["table_clause"] == "damage.share.30-50"
    refused(
        app, InvalidInput, "the shop's pledge does not cover damaged", lambda: claim(app, s, 1, "damaged")
    )


def test_damage_reasons_must_fit_the_goods(app, world, clock):
    """No "thawed/dead" umbrella, no "internal rot" seafood: refused before anything is written."""
    shop_id, owner = world.shop("飞恋伞厂")
    with app.uow.begin() as c:
        aftersales.set_shop_pledge(
            c, owner, shop_id, ShopPledge(per_unit_damage=True), "伞骨断了包赔", at=clock.now()
        )
    umbrella = world.product(
        owner,
        shop_id,
        price_fen=3990,
        category=world.named_category("日用百货", "雨伞雨具"),
        title="镭射变色晴雨伞",
    )
    s = with_photo(app, scene(world, clock, shop=(shop_id, owner), sku=umbrella, qty=2))
    for reason in ("thawed_dead", "visible_rot", "internal_rot", "insect_damage"):
        refused(
            app,
            InvalidInput,
            f"{reason} does not fit 镭射变色晴雨伞 .*damage reasons for it: damaged$",
            lambda reason=reason: claim(app, s, 1, reason),
        )
    assert case_row(app, claim(app, s, 1, "damaged")).refund_fen == 3990  # the factory's pledge: 1 of 2
    shrimp = with_photo(app, guaranteed(world, clock, top="海鲜水产", sub="虾类", qty=4))
    refused(app, InvalidInput, "internal_rot does not fit", lambda: claim(app, shrimp, 1, "internal_rot"))
    assert case_row(app, claim(app, shrimp, 1, "thawed_dead")).basis == "damage_service"


def test_lines_covered_on_different_bases_are_claimed_separately(app, world, clock):
    shop = world.shop("大乐水果")
    shop_id, owner = shop
    fruit = badged_fruit(world, clock, shop)
    with app.uow.begin() as c:
        aftersales.set_shop_pledge(
            c, owner, shop_id, ShopPledge(per_unit_damage=True), "损坏一支也给售后赔付", at=clock.now()
        )
    flowers = world.product(owner, shop_id, price_fen=990, title="多头玫瑰", perishable=True)
    buyer = world.user()
    placed = world.place(buyer, (fruit, 2), (flowers, 2))
    world.pay(placed)
    order_id = placed.order_ids[0]
    world.ship(owner, order_id)
    clock.advance(timedelta(hours=36))
    world.carrier_tick()
    with app.uow.read() as c:
        line = {
            r.sku_id: r.id for r in c.execute(select(order_lines).where(order_lines.c.order_id == order_id))
        }
    upload = photo(app, buyer)
    refused(
        app,
        InvalidInput,
        "covered differently",
        lambda: file(
            app,
            buyer,
            order_id,
            "damage_claim",
            "damaged",
            [(line[fruit], 1), (line[flowers], 1)],
            upload_ids=[upload],
        ),
    )
    guarantee = case_row(
        app, file(app, buyer, order_id, "damage_claim", "damaged", [(line[fruit], 1)], upload_ids=[upload])
    )
    pledged = case_row(
        app, file(app, buyer, order_id, "damage_claim", "damaged", [(line[flowers], 1)], upload_ids=[upload])
    )
    assert (guarantee.basis, guarantee.due_clause) == ("damage_service", "review.damage-24h")
    assert (pledged.basis, pledged.due_clause, pledged.refund_fen) == (
        "shop_pledge",
        "review.default-48h",
        990,
    )
    assert [k for k, _ in case_events_of(app, pledged.id)] == ["requested"]
