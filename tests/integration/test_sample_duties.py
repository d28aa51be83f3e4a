"""Paid and review-free samples, the promotion duty and sample returns (douyin:aJmYG5vi4n1f), on
SQLite and PostgreSQL: a review-free plan approves a creator with its followers at once; a paid
sample's price is held, refunded once 7 days after the target is met (X settled orders worth
price × X × 80 %), or kept by the shop when the 45 days pass; a live session featuring a free
sample meets its duty; 5 broken duties in 30 days stop free samples; a returned sample ends the
duty (a paid one refunded once); removing a creator cancels their unshipped requests; 3 concurrent
workers refund each sample once."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from pledge.catalog.tables import skus
from pledge.creators import safety, sample_duties, samples
from pledge.creators import services as creators
from pledge.creators.content import feature_in_video
from pledge.creators.model import DutyStatus, SampleKind, SampleStatus
from pledge.creators.sample_plans import SAMPLE_PAYMENTS, SamplePlan, set_sample_plan
from pledge.creators.sources import showcase_source
from pledge.creators.tables import sample_duties as duties_table
from pledge.creators.tables import sample_requests
from pledge.kernel.errors import Conflict, InvalidInput
from pledge.ledger import services as ledger
from pledge.ledger.tables import ledger_transactions
from pledge.live import services as live
from pledge.live.tables import live_rooms
from pledge.promises.model import Promise
from pledge.settlement import reports
from pledge.settlement.accounts import available
from tests.integration.test_creator_commissions import buy, creator_selling, deliver, shop, work
from tests.integration.test_videos import publish
from tests.support import run_concurrently

__all__ = ["shop"]  # the fixture, shared with the commission tests
PRICE = 1990


def plan(app, shop, plan: SamplePlan, product_id=None):
    with app.uow.begin() as c:
        set_sample_plan(
            c, shop["owner"], product_id=product_id or shop["product_id"], plan=plan, at=app.clock.now()
        )


def bought(app, actor, shop) -> int:
    with app.uow.begin() as c:
        return samples.buy_sample(c, actor, app.rulebook, product_id=shop["product_id"], at=app.clock.now())


def shipped_and_received(app, shop, actor, sample_id):
    with app.uow.begin() as c:
        samples.ship_sample(
            c,
            shop["owner"],
            app.rulebook,
            sample_id=sample_id,
            tracking_no="SF1234567890",
            at=app.clock.now(),
        )
        samples.receive_sample(c, actor, sample_id=sample_id, at=app.clock.now())


def sweep(app) -> int:
    return sample_duties.sweep_duties(app.uow, app.rulebook, app.clock)


def duty(app, sample_id):
    with app.uow.read() as c:
        return c.execute(select(duties_table).where(duties_table.c.sample_id == sample_id)).one()


def keyed(app, prefix) -> int:
    with app.uow.read() as c:
        return c.execute(
            select(func.count()).where(ledger_transactions.c.idempotency_key.like(f"{prefix}%"))
        ).scalar_one()


def balance(app, code) -> int:
    with app.uow.read() as c:
        return ledger.balance(c, code)


def selling_creator(app, world, shop):
    actor = world.user("达人")
    creator_id, _ = creator_selling(app, world, shop, actor=actor)
    return actor, creator_id


def test_a_review_free_plan_approves_a_creator_with_its_followers_at_once_aJmYG5vi4n1f(app, world, shop):
    actor, _ = selling_creator(app, world, shop)  # 5 000 followers
    plan(app, shop, SamplePlan(SampleKind.REVIEW_FREE, min_followers=5_000))
    with app.uow.begin() as c:
        first = samples.request_sample(
            c, actor, app.rulebook, samples.NewSample(shop["product_id"]), at=app.clock.now()
        )
        row = c.execute(select(sample_requests).where(sample_requests.c.id == first)).one()
    assert (row.kind, row.status) == (SampleKind.REVIEW_FREE, SampleStatus.APPROVED)
    plan(app, shop, SamplePlan(SampleKind.REVIEW_FREE, min_followers=5_001))
    with app.uow.begin() as c:
        samples.cancel_sample(c, actor, sample_id=first, at=app.clock.now())
        second = samples.request_sample(
            c, actor, app.rulebook, samples.NewSample(shop["product_id"]), at=app.clock.now()
        )
        row = c.execute(select(sample_requests).where(sample_requests.c.id == second)).one()
    assert (row.kind, row.status) == (SampleKind.FREE, SampleStatus.REQUESTED)  # below: reviewed


def test_a_paid_sample_is_refunded_once_7_days_after_its_target_is_met_aJmYG5vi4n1f(app, world, shop):
    actor, creator_id = selling_creator(app, world, shop)
    plan(app, shop, SamplePlan(SampleKind.PAID, price_fen=PRICE, target_orders=1))
    sample_id = bought(app, actor, shop)
    assert balance(app, SAMPLE_PAYMENTS) == PRICE
    shipped_and_received(app, shop, actor, sample_id)
    assert sweep(app) == 1 and duty(app, sample_id).status == DutyStatus.OPEN
    order_id = buy(app, world, shop["sku"], showcase_source(creator_id))  # base ¥19.90 ≥ ¥19.90 × 80 %
    work(app)
    deliver(app, order_id)
    app.clock.advance(timedelta(days=16))
    assert work(app)["commissions_settled"] == 1
    sweep(app)
    met = duty(app, sample_id)
    assert (met.status, met.met_by, met.refunded_at) == (DutyStatus.MET, "orders", None)
    app.clock.advance(timedelta(days=7) - timedelta(minutes=1))
    sweep(app)
    assert keyed(app, "sample-refund:") == 0  # 7 days after meeting the target, not before
    app.clock.advance(timedelta(minutes=1))
    sweep(app)
    sweep(app)
    assert keyed(app, f"sample-refund:{sample_id}") == 1 and balance(app, SAMPLE_PAYMENTS) == 0


def test_a_paid_sample_below_80_percent_of_its_price_is_not_met_and_the_shop_keeps_it_aJmYG5vi4n1f(
    app, world, shop
):
    actor, creator_id = selling_creator(app, world, shop)
    plan(
        app, shop, SamplePlan(SampleKind.PAID, price_fen=2_488, target_orders=1)
    )  # 1 990 < 2 488 × 80 % = 1 990.4
    sample_id = bought(app, actor, shop)
    shipped_and_received(app, shop, actor, sample_id)
    order_id = buy(app, world, shop["sku"], showcase_source(creator_id))
    work(app)
    deliver(app, order_id)
    app.clock.advance(timedelta(days=16))
    work(app)
    sweep(app)
    assert duty(app, sample_id).status == DutyStatus.OPEN
    shop_available = balance(app, available(shop["shop_id"]))
    app.clock.advance(timedelta(days=45 - 16))
    sweep(app)
    assert duty(app, sample_id).status == DutyStatus.BROKEN
    assert balance(app, available(shop["shop_id"])) == shop_available + 2_488
    assert balance(app, SAMPLE_PAYMENTS) == 0 and keyed(app, "sample-refund:") == 0
    month = app.clock.now().astimezone(ZoneInfo(app.rulebook.timezone)).strftime("%Y-%m")
    with app.uow.read() as c:
        stated = reports.statement(c, shop["owner"], app.rulebook, shop["shop_id"], month)
    assert stated["reconciled"] and stated["totals"]["sample_sales"] == 2_488


def test_a_live_session_featuring_a_free_sample_meets_its_duty_aJmYG5vi4n1f(app, world, shop):
    actor, creator_id = selling_creator(app, world, shop)
    with app.uow.begin() as c:
        sample_id = samples.request_sample(
            c, actor, app.rulebook, samples.NewSample(shop["product_id"]), at=app.clock.now()
        )
        samples.decide_sample(
            c, shop["owner"], app.rulebook, sample_id=sample_id, approve=True, at=app.clock.now()
        )
    shipped_and_received(app, shop, actor, sample_id)
    now = app.clock.now()
    with app.uow.begin() as c:
        room_id = live.create_room(
            c,
            shop["owner"],
            shop_id=shop["shop_id"],
            title="花花的直播间",
            promise=Promise.parse("24h"),
            at=now,
        )
        c.execute(live_rooms.update().where(live_rooms.c.id == room_id).values(creator_id=creator_id))
    app.clock.advance(timedelta(days=3))
    with app.uow.begin() as c:
        session_id = live.go_live(
            c,
            shop["owner"],
            room_id=room_id,
            playback_url="/media/live.m3u8",
            at=app.clock.now(),
            title="开播",
        )
        with pytest.raises(Conflict):  # the product is not in the session's cart yet
            sample_duties.report_promotion(
                c, actor, app.rulebook, sample_id=sample_id, session_id=session_id, at=app.clock.now()
            )
    with app.uow.begin() as c:
        live.pin_card(
            c, shop["owner"], session_id=session_id, sku_id=shop["sku"], price_fen=PRICE, at=app.clock.now()
        )
        met_by = sample_duties.report_promotion(
            c, actor, app.rulebook, sample_id=sample_id, session_id=session_id, at=app.clock.now()
        )
    assert met_by == f"live_session:{session_id}" and duty(app, sample_id).status == DutyStatus.MET
    app.clock.advance(timedelta(days=60))
    sweep(app)
    assert duty(app, sample_id).status == DutyStatus.MET  # met stays met


def test_five_broken_duties_in_30_days_stop_free_samples_aJmYG5vi4n1f(app, world, shop):
    actor, _ = selling_creator(app, world, shop)
    now = app.clock.now()
    product_ids = []
    for n in range(6):
        sku = world.product(shop["owner"], shop["shop_id"], title=f"花束 {n}", price_fen=PRICE)
        with app.uow.begin() as c:
            product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
            creators.offer_rate(
                c, shop["owner"], creators.NewRate(product_id, 2_000, now - timedelta(days=1)), at=now
            )
        product_ids.append(product_id)
    for product_id in product_ids[:5]:
        with app.uow.begin() as c:
            sample_id = samples.request_sample(
                c, actor, app.rulebook, samples.NewSample(product_id), at=app.clock.now()
            )
            samples.decide_sample(
                c, shop["owner"], app.rulebook, sample_id=sample_id, approve=True, at=app.clock.now()
            )
        shipped_and_received(app, shop, actor, sample_id)
    app.clock.advance(timedelta(days=45))
    sweep(app)
    with app.uow.read() as c:
        broken = c.execute(
            select(func.count()).where(duties_table.c.status == DutyStatus.BROKEN.value)
        ).scalar_one()
    assert broken == 5
    with app.uow.begin() as c, pytest.raises(Conflict, match="broken"):
        samples.request_sample(c, actor, app.rulebook, samples.NewSample(product_ids[5]), at=app.clock.now())
    app.clock.advance(timedelta(days=30))
    with app.uow.begin() as c:  # 30 days later the count is back under 5
        samples.request_sample(c, actor, app.rulebook, samples.NewSample(product_ids[5]), at=app.clock.now())


def test_a_returned_paid_sample_is_refunded_once_when_the_shop_confirms_aJmYG5vi4n1f(app, world, shop):
    actor, _ = selling_creator(app, world, shop)
    plan(app, shop, SamplePlan(SampleKind.PAID, price_fen=PRICE, target_orders=3))
    sample_id = bought(app, actor, shop)
    shipped_and_received(app, shop, actor, sample_id)
    with app.uow.begin() as c, pytest.raises(InvalidInput):
        sample_duties.return_sample(
            c, actor, app.rulebook, sample_id=sample_id, tracking_no="顺丰", at=app.clock.now()
        )
    with app.uow.begin() as c:
        sample_duties.return_sample(
            c, actor, app.rulebook, sample_id=sample_id, tracking_no="YT998877", at=app.clock.now()
        )
    assert duty(app, sample_id).status == DutyStatus.RETURNING
    with app.uow.begin() as c:
        sample_duties.confirm_return(c, shop["owner"], sample_id=sample_id, at=app.clock.now())
    with app.uow.begin() as c, pytest.raises(Conflict):
        sample_duties.confirm_return(c, shop["owner"], sample_id=sample_id, at=app.clock.now())
    app.clock.advance(timedelta(days=50))
    sweep(app)
    assert duty(app, sample_id).status == DutyStatus.RETURNED
    assert keyed(app, f"sample-refund:{sample_id}") == 1 and balance(app, SAMPLE_PAYMENTS) == 0


def test_a_free_sample_returned_after_13_days_is_refused_and_an_unconfirmed_return_closes_after_7(
    app, world, shop
):
    actor, _ = selling_creator(app, world, shop)
    with app.uow.begin() as c:
        sample_id = samples.request_sample(
            c, actor, app.rulebook, samples.NewSample(shop["product_id"]), at=app.clock.now()
        )
        samples.decide_sample(
            c, shop["owner"], app.rulebook, sample_id=sample_id, approve=True, at=app.clock.now()
        )
    shipped_and_received(app, shop, actor, sample_id)
    app.clock.advance(timedelta(days=13))
    with app.uow.begin() as c, pytest.raises(Conflict, match="13 days"):
        sample_duties.return_sample(
            c, actor, app.rulebook, sample_id=sample_id, tracking_no="YT998877", at=app.clock.now()
        )
    app.clock.advance(timedelta(minutes=-1))
    with app.uow.begin() as c:
        sample_duties.return_sample(
            c, actor, app.rulebook, sample_id=sample_id, tracking_no="YT998877", at=app.clock.now()
        )
    app.clock.advance(timedelta(days=7))
    sweep(app)
    assert duty(app, sample_id).status == DutyStatus.RETURNED


def test_removing_a_creator_cancels_their_unshipped_samples_and_refunds_paid_ones(app, world, shop):
    actor, creator_id = selling_creator(app, world, shop)
    plan(app, shop, SamplePlan(SampleKind.PAID, price_fen=PRICE, target_orders=1))
    sample_id = bought(app, actor, shop)
    operator = world.user("运营", platform_role="operator")
    with app.uow.begin() as c:
        safety.change_standing(
            c, operator, app.rulebook, creator_id=creator_id, status="removed", at=app.clock.now()
        )
    with app.uow.read() as c:
        status = c.execute(
            select(sample_requests.c.status).where(sample_requests.c.id == sample_id)
        ).scalar_one()
    assert status == SampleStatus.CANCELLED
    assert keyed(app, f"sample-refund:{sample_id}") == 1 and balance(app, SAMPLE_PAYMENTS) == 0


def test_a_paid_sample_needs_50000_followers_from_500_yuan_aJmYG5vi4n1f(app, world, shop):
    actor, _ = selling_creator(app, world, shop)  # 5 000 followers
    plan(app, shop, SamplePlan(SampleKind.PAID, price_fen=50_000, target_orders=1))
    with app.uow.begin() as c, pytest.raises(Conflict, match="50000 followers"):
        samples.buy_sample(c, actor, app.rulebook, product_id=shop["product_id"], at=app.clock.now())
    assert keyed(app, "sample-payment:") == 0
    plan(app, shop, SamplePlan(SampleKind.PAID, price_fen=49_999, target_orders=1))
    bought(app, actor, shop)
    assert keyed(app, "sample-payment:") == 1


def test_three_concurrent_workers_refund_each_met_paid_sample_once(app, world, shop):
    actor, creator_id = selling_creator(app, world, shop)
    plan(app, shop, SamplePlan(SampleKind.PAID, price_fen=PRICE, target_orders=1))
    sample_id = bought(app, actor, shop)
    shipped_and_received(app, shop, actor, sample_id)
    order_id = buy(app, world, shop["sku"], showcase_source(creator_id))
    work(app)
    deliver(app, order_id)
    app.clock.advance(timedelta(days=16))
    work(app)
    app.clock.advance(timedelta(days=8))  # met and its 7 days passed before any sweep

    def worker():
        return sweep(app)

    results = run_concurrently([worker, worker, worker])
    assert all(isinstance(r, int) for r in results), results
    assert duty(app, sample_id).status == DutyStatus.MET
    sweep(app)
    assert keyed(app, f"sample-refund:{sample_id}") == 1 and balance(app, SAMPLE_PAYMENTS) == 0


def test_a_video_of_the_creators_featuring_a_free_sample_meets_its_duty_aJmYG5vi4n1f(app, world, shop):
    actor, creator_id = selling_creator(app, world, shop)
    with app.uow.begin() as c:
        sample_id = samples.request_sample(
            c, actor, app.rulebook, samples.NewSample(shop["product_id"]), at=app.clock.now()
        )
        samples.decide_sample(
            c, shop["owner"], app.rulebook, sample_id=sample_id, approve=True, at=app.clock.now()
        )
    shipped_and_received(app, shop, actor, sample_id)
    app.clock.advance(timedelta(days=2))
    video_id = publish(app, shop["owner"], shop["shop_id"], [shop["product_id"]])
    with app.uow.begin() as c, pytest.raises(Conflict, match="not yours"):  # the shop's, not the creator's
        sample_duties.report_promotion(
            c, actor, app.rulebook, sample_id=sample_id, video_id=video_id, at=app.clock.now()
        )
    with app.uow.begin() as c:
        feature_in_video(c, shop["owner"], video_id=video_id, creator_id=creator_id, at=app.clock.now())
        sample_duties.report_promotion(
            c, actor, app.rulebook, sample_id=sample_id, video_id=video_id, at=app.clock.now()
        )
    assert duty(app, sample_id).met_by == f"video:{video_id}"
