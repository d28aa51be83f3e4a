"""Free sample requests (寄样, douyin:aJmYG5vi4n1f) through the services, on SQLite and PostgreSQL:
the lifecycle, the merchant's 72 h to decide, 120 h to ship and the 168 h automatic receipt, one
open request per product, 30 days after a decline, the open-request cap (L0: 40) holding under
concurrent requests, and every refusal writing nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pledge.catalog.tables import skus
from pledge.creators import samples
from pledge.creators import services as creators
from pledge.creators.model import SampleStatus
from pledge.creators.tables import sample_requests
from pledge.kernel.errors import Conflict, Forbidden, IllegalTransition, InvalidInput, NotFound
from pledge.rulebooks.loader import load
from tests.support import run_concurrently

BOOK = load("douyin")


@pytest.fixture
def shop(world):
    shop_id, owner = world.shop("小阿阮鲜花")
    product_ids = []
    for title in ("A级向日葵 12枝", "多头玫瑰"):
        sku = world.product(owner, shop_id, title=title, price_fen=1990)
        with world.app.uow.read() as c:
            product_ids.append(c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one())
    with world.app.uow.begin() as c:
        for product_id in product_ids:
            new = creators.NewRate(product_id, 2000, world.now - timedelta(days=1))
            creators.offer_rate(c, owner, new, at=world.now)
    return {"shop_id": shop_id, "owner": owner, "products": product_ids}


def new_creator(world, handle: str):
    actor = world.user("达人")
    with world.app.uow.begin() as c:
        creators.register_creator(c, actor, creators.NewCreator(handle, "花花达人", 8_000), at=world.now)
    return actor


def ask(app, actor, product_id, note="想在直播间讲讲向日葵"):
    with app.uow.begin() as c:
        return samples.request_sample(c, actor, BOOK, samples.NewSample(product_id, note), at=app.clock.now())


def status(app, sample_id) -> SampleStatus:
    with app.uow.read() as c:
        return SampleStatus(
            c.execute(select(sample_requests.c.status).where(sample_requests.c.id == sample_id)).scalar_one()
        )


def count(app) -> int:
    with app.uow.read() as c:
        return c.execute(select(func.count()).select_from(sample_requests)).scalar_one()


def decide(app, actor, sample_id, approve=True):
    with app.uow.begin() as c:
        samples.decide_sample(c, actor, BOOK, sample_id=sample_id, approve=approve, at=app.clock.now())


def ship(app, actor, sample_id, number="SF1234567890"):
    with app.uow.begin() as c:
        samples.ship_sample(c, actor, BOOK, sample_id=sample_id, tracking_no=number, at=app.clock.now())


def test_a_sample_goes_requested_approved_shipped_received(app, world, shop):
    creator = new_creator(world, "sunflower_fan")
    sample_id = ask(app, creator, shop["products"][0])
    assert status(app, sample_id) == SampleStatus.REQUESTED
    decide(app, shop["owner"], sample_id)
    ship(app, shop["owner"], sample_id)
    with app.uow.begin() as c:
        samples.receive_sample(c, creator, sample_id=sample_id, at=app.clock.now())
    assert status(app, sample_id) == SampleStatus.RECEIVED
    with pytest.raises(IllegalTransition), app.uow.begin() as c:
        samples.cancel_sample(c, creator, sample_id=sample_id, at=app.clock.now())


def test_samples_decide_within_72_hours_else_expired(app, world, shop):
    creator = new_creator(world, "late_deciders")
    sample_id = ask(app, creator, shop["products"][0])
    app.clock.advance(timedelta(hours=72) - timedelta(seconds=1))
    assert samples.sweep_samples(app.uow, app.clock) == 0
    app.clock.advance(timedelta(seconds=1))
    with pytest.raises(Conflict, match="not decided in time"):
        decide(app, shop["owner"], sample_id)
    assert samples.sweep_samples(app.uow, app.clock) == 1
    assert status(app, sample_id) == SampleStatus.EXPIRED


def test_samples_ship_within_120_hours_of_approval_else_expired(app, world, shop):
    creator = new_creator(world, "slow_shipper")
    sample_id = ask(app, creator, shop["products"][0])
    decide(app, shop["owner"], sample_id)
    app.clock.advance(timedelta(hours=120))
    with pytest.raises(Conflict, match="not shipped in time"):
        ship(app, shop["owner"], sample_id)
    assert samples.sweep_samples(app.uow, app.clock) == 1
    assert status(app, sample_id) == SampleStatus.EXPIRED


def test_samples_auto_receive_168_hours_after_shipping(app, world, shop):
    creator = new_creator(world, "never_confirms")
    sample_id = ask(app, creator, shop["products"][0])
    decide(app, shop["owner"], sample_id)
    ship(app, shop["owner"], sample_id)
    app.clock.advance(timedelta(hours=167))
    samples.sweep_samples(app.uow, app.clock)
    assert status(app, sample_id) == SampleStatus.SHIPPED
    app.clock.advance(timedelta(hours=1))
    assert samples.sweep_samples(app.uow, app.clock) == 1
    assert status(app, sample_id) == SampleStatus.RECEIVED


def test_samples_one_open_request_per_product_and_30_days_after_a_decline(app, world, shop):
    creator = new_creator(world, "one_at_a_time")
    first, other = shop["products"]
    sample_id = ask(app, creator, first)
    with pytest.raises(Conflict, match="already have an open sample request"):
        ask(app, creator, first)
    ask(app, creator, other)  # another product is fine
    decide(app, shop["owner"], sample_id, approve=False)
    app.clock.advance(timedelta(days=30) - timedelta(seconds=1))
    with pytest.raises(Conflict, match="declined your sample request"):
        ask(app, creator, first)
    assert count(app) == 2
    app.clock.advance(timedelta(seconds=1))
    ask(app, creator, first)
    assert count(app) == 3


def test_samples_open_limit_l0_is_40_under_concurrent_requests(app, world, shop):
    """`samples.open-limit` at level L0 (`samples.author-level`): 40 open requests at most, and
    concurrent requests count each other (the creator's row is locked first)."""
    creator = new_creator(world, "busy_creator")
    extra = [world.product(shop["owner"], shop["shop_id"], title=f"芍药 {i}") for i in range(3)]
    with app.uow.begin() as c:
        more = list(c.execute(select(skus.c.product_id).where(skus.c.id.in_(extra))).scalars())
        for product_id in more:
            creators.offer_rate(
                c,
                shop["owner"],
                creators.NewRate(product_id, 1500, world.now - timedelta(days=1)),
                at=world.now,
            )
    sample_id = ask(app, creator, shop["products"][0])
    with app.uow.begin() as c:  # 38 more open requests, as if asked earlier: 39 in all
        c.execute(
            sample_requests.insert(),
            [
                {
                    "creator_id": c.execute(
                        select(sample_requests.c.creator_id).where(sample_requests.c.id == sample_id)
                    ).scalar_one(),
                    "product_id": shop["products"][1],
                    "shop_id": shop["shop_id"],
                    "status": SampleStatus.REQUESTED.value,
                    "note": "",
                    "requested_at": world.now,
                    "due_at": world.now + timedelta(hours=72),
                }
                for _ in range(38)
            ],
        )
    outcomes = run_concurrently([lambda p=p: ask(app, creator, p) for p in more])
    assert sum(isinstance(o, int) for o in outcomes) == 1, outcomes
    assert all(
        isinstance(o, Conflict) and "most allowed is 40" in str(o) for o in outcomes if not isinstance(o, int)
    )
    assert count(app) == 40


def test_only_the_shop_decides_and_only_the_creator_confirms(app, world, shop):
    creator, stranger = new_creator(world, "rightful"), new_creator(world, "stranger")
    other_shop, other_owner = world.shop("大乐水果")
    sample_id = ask(app, creator, shop["products"][0])
    with pytest.raises(Forbidden):
        decide(app, other_owner, sample_id)
    decide(app, shop["owner"], sample_id)
    with pytest.raises(NotFound), app.uow.begin() as c:
        samples.cancel_sample(c, stranger, sample_id=sample_id, at=app.clock.now())
    assert status(app, sample_id) == SampleStatus.APPROVED


def test_bad_sample_input_writes_nothing(app, world, shop):
    creator = new_creator(world, "careful_one")
    unlisted_sku = world.product(shop["owner"], shop["shop_id"], title="没有佣金的花")
    with app.uow.read() as c:
        unlisted = c.execute(select(skus.c.product_id).where(skus.c.id == unlisted_sku)).scalar_one()
    with pytest.raises(Conflict, match="not in the affiliate marketplace"):
        ask(app, creator, unlisted)
    with pytest.raises(NotFound):
        ask(app, creator, 999_999)
    with pytest.raises(InvalidInput):
        ask(app, creator, shop["products"][0], note="花" * 201)
    with pytest.raises(Forbidden):
        ask(app, world.user("路人"), shop["products"][0])
    assert count(app) == 0
    sample_id = ask(app, creator, shop["products"][0])
    decide(app, shop["owner"], sample_id)
    with pytest.raises(InvalidInput):
        ship(app, shop["owner"], sample_id, number="顺丰")
    assert status(app, sample_id) == SampleStatus.APPROVED
