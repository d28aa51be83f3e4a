"""Shop audiences through the services on SQLite and PostgreSQL: who is in an audience (the union
of its rules over the shop's own data only), its size by a COUNT query, the bounds of clause
audiences.rules, campaigns sent exactly once (a merchant-funded coupon per buyer under a UNIQUE
ledger source, or a "we are live" notice limited per buyer per shop by clause
audiences.live-notices), opt-outs respected, and the report of the orders a campaign brings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pledge.audiences import queries, services
from pledge.audiences.model import CampaignStatus, Outcome, Rule, RuleKind
from pledge.audiences.tables import audience_campaigns, audience_recipients, audience_rules, audiences
from pledge.followers import services as followers
from pledge.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from pledge.ledger.tables import coupons
from pledge.live import services as live
from pledge.notifications.tables import notifications
from pledge.orders import services as orders
from pledge.promises.model import Promise
from pledge.reach.recording import BehaviourEvent, EventBuffer, EventKind, Subject
from pledge.wishes import services as wishes
from pledge.wishes.tables import wish_demands
from tests.support import run_concurrently

HLS = "/media/live/sunflower/index.m3u8"


def count(app, table, *where) -> int:
    with app.uow.read() as c:
        return c.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def product_of(app, sku_id: int) -> int:
    from pledge.catalog.tables import skus

    with app.uow.read() as c:
        return c.execute(select(skus.c.product_id).where(skus.c.id == sku_id)).scalar_one()


def record(app, user, kind: EventKind, product_id: int, at=None, visitor=None) -> None:
    buffer = EventBuffer()
    buffer.add(
        BehaviourEvent(
            kind,
            Subject.PRODUCT,
            product_id,
            at or app.clock.now(),
            user_id=None if user is None else user.user_id,
            visitor_id=visitor,
        )
    )
    with app.uow.begin() as c:
        buffer.flush(c)


@pytest.fixture
def shop(app, world):
    """小阿阮鲜花 with one product, and a neighbour shop with one of its own."""
    shop_id, owner = world.shop("小阿阮鲜花")
    sku = world.product(owner, shop_id, title="A级向日葵 12枝", price_fen=5000)
    other_shop, other_owner = world.shop("隔壁花店")
    other_sku = world.product(other_owner, other_shop, title="玫瑰 11枝", price_fen=3000)
    return {
        "shop_id": shop_id,
        "owner": owner,
        "sku": sku,
        "product_id": product_of(app, sku),
        "other_shop": other_shop,
        "other_owner": other_owner,
        "other_product": product_of(app, other_sku),
    }


def create(app, shop, rules, name="近期兴趣", actor=None, shop_id=None):
    with app.uow.begin() as c:
        return services.create_audience(
            c,
            actor or shop["owner"],
            shop_id=shop_id or shop["shop_id"],
            name=name,
            rules=rules,
            book=app.rulebook,
            at=app.clock.now(),
        )


def size(app, shop, audience_id) -> int:
    with app.uow.read() as c:
        views = queries.audiences_of(c, shop["owner"], shop["shop_id"], at=app.clock.now())
    return next(v.size for v in views if v.id == audience_id)


def campaign(app, shop, audience_id, kind="coupon", **terms):
    if kind == "coupon":
        terms = {"amount_fen": 500, "min_spend_fen": 3000, "valid_days": 7} | terms
    with app.uow.begin() as c:
        return services.create_campaign(
            c,
            shop["owner"],
            audience_id=audience_id,
            kind=kind,
            book=app.rulebook,
            at=app.clock.now(),
            **terms,
        )


def send(app, shop, campaign_id, actor=None):
    with app.uow.begin() as c:
        return services.send_campaign(
            c, actor or shop["owner"], campaign_id=campaign_id, book=app.rulebook, at=app.clock.now()
        )


def report(app, shop, campaign_id):
    with app.uow.read() as c:
        return queries.campaign_report(c, shop["owner"], campaign_id, now=app.clock.now())


def test_an_audience_is_the_union_of_its_rules_over_the_shops_own_data(app, world, shop, clock):
    viewer, clicker, carter, buyer, follower, wisher, stranger = (world.user() for _ in range(7))
    now = app.clock.now()
    record(app, viewer, EventKind.VIEW, shop["product_id"], at=now - timedelta(days=3))
    record(app, viewer, EventKind.CLICK, shop["product_id"])  # in two rules: counted once
    record(app, clicker, EventKind.CLICK, shop["product_id"])
    record(app, stranger, EventKind.VIEW, shop["other_product"])  # another shop's product
    record(app, stranger, EventKind.VIEW, shop["product_id"], at=now - timedelta(days=8))  # too long ago
    record(app, None, EventKind.VIEW, shop["product_id"], visitor="anon-1")  # not signed in
    with app.uow.begin() as c:
        orders.add_to_cart(c, carter, orders.LineRequest(shop["sku"], 1), at=now)
        followers.follow(c, follower, shop_id=shop["shop_id"], at=now)
        followers.follow(c, stranger, shop_id=shop["other_shop"], at=now)
        wishes.make_wish(c, wisher, shop_id=shop["shop_id"], text="求一束向日葵配满天星", at=now)
    world.paid_order(buyer, shop["sku"])
    behaviour = [Rule(RuleKind.VIEWED, 7), Rule(RuleKind.CLICKED, 7), Rule(RuleKind.CARTED, 7)]
    everyone = create(
        app,
        shop,
        [*behaviour, Rule(RuleKind.ORDERED, 30), Rule(RuleKind.FOLLOWERS), Rule(RuleKind.WISHERS)],
    )
    assert size(app, shop, everyone) == 6  # viewer, clicker, carter, buyer, follower, wisher
    assert size(app, shop, create(app, shop, [Rule(RuleKind.VIEWED, 7)], name="看过")) == 1
    assert size(app, shop, create(app, shop, [Rule(RuleKind.VIEWED, 2)], name="两天")) == 0
    with app.uow.read() as c:
        demand_id = c.execute(select(wish_demands.c.id)).scalar_one()
    one_demand = create(app, shop, [Rule(RuleKind.WISHERS, demand_id=demand_id)], name="心愿")
    assert size(app, shop, one_demand) == 1


@pytest.mark.parametrize(
    "rules, error",
    [
        ([], InvalidInput),
        ([Rule(RuleKind.VIEWED, 0)], InvalidInput),
        ([Rule(RuleKind.VIEWED, 181)], InvalidInput),
        ([Rule(RuleKind.VIEWED)], InvalidInput),
        ([Rule("liked", 7)], InvalidInput),  # type: ignore[arg-type]
        ([Rule(RuleKind.FOLLOWERS, 7)], InvalidInput),
        ([Rule(RuleKind.FOLLOWERS, demand_id=1)], InvalidInput),
        ([Rule(RuleKind.ORDERED, 30)] * 11, InvalidInput),
    ],
)
def test_audience_rules_clause_refuses_bad_rules_and_nothing_is_written(app, shop, rules, error):
    with pytest.raises(error):
        create(app, shop, rules)
    assert (count(app, audiences), count(app, audience_rules)) == (0, 0)


def test_an_audience_of_another_shops_data_or_for_another_shop_is_refused(app, world, shop):
    wisher = world.user()
    with app.uow.begin() as c:
        wishes.make_wish(c, wisher, shop_id=shop["other_shop"], text="求一束红玫瑰", at=app.clock.now())
        theirs = c.execute(select(wish_demands.c.id)).scalar_one()
    with pytest.raises(NotFound):
        create(app, shop, [Rule(RuleKind.WISHERS, demand_id=theirs)])
    with pytest.raises(Forbidden):
        create(app, shop, [Rule(RuleKind.FOLLOWERS)], actor=shop["other_owner"])
    mine = create(app, shop, [Rule(RuleKind.FOLLOWERS)])
    with pytest.raises(Forbidden), app.uow.begin() as c:
        services.create_campaign(
            c, shop["other_owner"], audience_id=mine, kind="live", book=app.rulebook, at=app.clock.now()
        )
    with pytest.raises(Forbidden), app.uow.read() as c:
        queries.audiences_of(c, shop["other_owner"], shop["shop_id"], at=app.clock.now())
    assert count(app, audiences) == 1 and count(app, audience_campaigns) == 0


def followers_of(app, world, shop, n: int) -> list:
    buyers = [world.user() for _ in range(n)]
    with app.uow.begin() as c:
        for b in buyers:
            followers.follow(c, b, shop_id=shop["shop_id"], at=app.clock.now())
    return buyers


def test_a_coupon_campaign_issues_one_merchant_coupon_per_buyer_once_and_respects_opt_outs(app, world, shop):
    a, b, quiet = followers_of(app, world, shop, 3)
    with app.uow.begin() as c:
        services.opt_out(c, quiet, shop_id=shop["shop_id"], at=app.clock.now())
        services.opt_out(c, quiet, shop_id=shop["shop_id"], at=app.clock.now())  # twice is once
    campaign_id = campaign(app, shop, create(app, shop, [Rule(RuleKind.FOLLOWERS)]))
    sent = send(app, shop, campaign_id)
    assert (sent.reached, sent.opted_out, sent.rate_limited) == (2, 1, 0)
    with app.uow.read() as c:
        issued = c.execute(select(coupons).order_by(coupons.c.buyer_id)).all()
    assert [r.buyer_id for r in issued] == [a.user_id, b.user_id]
    assert {(r.funded_by, r.shop_id, r.amount_fen, r.min_spend_fen) for r in issued} == {
        ("merchant", shop["shop_id"], 500, 3000)
    }
    assert issued[0].source == services.coupon_source(campaign_id, a.user_id)
    assert issued[0].expires_at == app.clock.now() + timedelta(days=7)
    assert count(app, audience_recipients, audience_recipients.c.outcome == Outcome.OPTED_OUT) == 1
    with pytest.raises(Conflict):
        send(app, shop, campaign_id)
    assert count(app, coupons) == 2 and count(app, audience_recipients) == 3


@pytest.mark.parametrize(
    "terms",
    [
        {"amount_fen": 0},
        {"amount_fen": 3000},  # not less than the minimum spend
        {"valid_days": 31},
        {"valid_days": 0},
        {"min_spend_fen": -1},
    ],
)
def test_audience_campaign_terms_clause_refuses_bad_coupons(app, world, shop, terms):
    audience_id = create(app, shop, [Rule(RuleKind.FOLLOWERS)])
    with pytest.raises(InvalidInput):
        campaign(app, shop, audience_id, **terms)
    with pytest.raises(InvalidInput):
        campaign(app, shop, audience_id, kind="sms")
    assert count(app, audience_campaigns) == 0


def test_an_empty_audience_sends_nothing_and_the_campaign_stays_a_draft(app, shop):
    campaign_id = campaign(app, shop, create(app, shop, [Rule(RuleKind.FOLLOWERS)]))
    with pytest.raises(InvalidInput, match="empty"):
        send(app, shop, campaign_id)
    assert (count(app, coupons), count(app, audience_recipients)) == (0, 0)
    assert report(app, shop, campaign_id).status == CampaignStatus.DRAFT


def go_live(app, shop) -> int:
    with app.uow.begin() as c:
        room_id = live.create_room(
            c,
            shop["owner"],
            shop_id=shop["shop_id"],
            title="斗南花市直播",
            promise=Promise.parse("24h"),
            at=app.clock.now(),
        )
        live.go_live(
            c, shop["owner"], room_id=room_id, playback_url=HLS, title="向日葵专场", at=app.clock.now()
        )
    return room_id


def test_audience_live_notices_clause_limits_each_buyer_to_one_a_day_per_shop(app, world, shop, clock):
    (early,) = followers_of(app, world, shop, 1)  # told by the session itself when it starts
    viewer = world.user()
    record(app, viewer, EventKind.VIEW, shop["product_id"])
    fans = create(app, shop, [Rule(RuleKind.FOLLOWERS)])
    first = campaign(app, shop, fans, kind="live")
    with pytest.raises(Conflict, match="not live"):
        send(app, shop, first)
    assert count(app, audience_recipients) == 0
    room_id = go_live(app, shop)
    assert count(app, notifications, notifications.c.user_id == early.user_id) == 1  # live-started:...
    followers_of(app, world, shop, 2)  # followed after the start: not told yet
    audience_notices = notifications.c.cause.like("audience-live:%")
    sent = send(app, shop, first)
    assert (sent.reached, sent.rate_limited) == (2, 1)  # the early follower heard of this session already
    assert count(app, notifications, audience_notices) == 2
    with app.uow.read() as c:
        link = c.execute(select(notifications.c.link).where(audience_notices).limit(1)).scalar_one()
    assert link == f"/live/{room_id}"
    both = create(app, shop, [Rule(RuleKind.FOLLOWERS), Rule(RuleKind.VIEWED, 7)], name="粉丝和看过的")
    clock.advance(timedelta(hours=23))
    sent = send(app, shop, campaign(app, shop, both, kind="live"))
    assert (sent.reached, sent.rate_limited) == (1, 3)  # only the viewer had no notice today
    clock.advance(timedelta(hours=2))
    assert send(app, shop, campaign(app, shop, fans, kind="live")).reached == 2  # a day after the first
    assert count(app, notifications, audience_notices) == 5


def test_a_campaign_report_counts_orders_of_reached_buyers_in_the_window_and_coupon_orders(
    app, world, shop, clock
):
    reached, late, quiet = followers_of(app, world, shop, 3)
    outsider = world.user()
    with app.uow.begin() as c:
        services.opt_out(c, quiet, shop_id=shop["shop_id"], at=app.clock.now())
    campaign_id = campaign(app, shop, create(app, shop, [Rule(RuleKind.FOLLOWERS)]), valid_days=30)
    send(app, shop, campaign_id)
    with app.uow.read() as c:
        coupon_of = dict(c.execute(select(coupons.c.buyer_id, coupons.c.id)).all())
    clock.advance(timedelta(hours=1))
    world.paid_order(reached, shop["sku"])  # ¥50, no coupon, in the window
    world.pay(world.place(reached, (shop["sku"], 1), coupon_id=coupon_of[reached.user_id]))  # ¥45
    world.paid_order(quiet, shop["sku"])  # not reached (opted out)
    world.paid_order(outsider, shop["sku"])  # not in the audience
    world.place(reached, (shop["sku"], 1))  # never paid
    clock.advance(timedelta(days=8))
    world.pay(world.place(late, (shop["sku"], 1), coupon_id=coupon_of[late.user_id]))  # after the window
    seen = report(app, shop, campaign_id)
    assert (seen.reached, seen.opted_out, seen.window_open) == (2, 1, False)
    assert (seen.orders, seen.gmv_fen) == (2, 5000 + 4500)
    assert (seen.coupon_orders, seen.coupon_gmv_fen) == (2, 4500 + 4500)


def test_two_concurrent_sends_of_a_campaign_issue_each_coupon_once(app, world, shop):
    """On PostgreSQL the second sender waits on the campaign's row, then finds it sent."""
    buyers = followers_of(app, world, shop, 5)
    campaign_id = campaign(app, shop, create(app, shop, [Rule(RuleKind.FOLLOWERS)]))
    results = run_concurrently([lambda: send(app, shop, campaign_id)] * 2)
    assert sum(isinstance(r, services.Sent) for r in results) == 1, results
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, services.Sent)), results
    assert count(app, coupons) == len(buyers) and count(app, audience_recipients) == len(buyers)
