"""The feed page (docs/reach.md, "The feed page"): a visitor gets a signed first-party cookie and
the popular list; a signed-in user their ranked candidates with the reason in plain words; a
followed shop's live session comes first; the visitor's events become the user's at login,
exactly once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from pledge.feed.training import train
from pledge.followers.services import follow
from pledge.live import services as live
from pledge.promises.model import Promise
from pledge.reach.recording import BehaviourEvent, EventKind, Subject
from pledge.reach.tables import reach_events
from pledge.reach.visitors import COOKIE
from pledge.worker import run_once
from tests.e2e.conftest import email_of, post_login
from tests.feed_support import products
from tests.integration.test_live import HLS


def events(app, *where) -> int:
    with app.uow.read() as c:
        return c.execute(select(func.count()).select_from(reach_events).where(*where)).scalar_one()


def trained(app, world) -> None:
    run_once(app)
    with app.uow.begin() as c:
        train(c, app.rulebook, world.now)


def test_a_visitor_gets_a_signed_httponly_lax_cookie_and_the_popular_list(app, world, client):
    peony, rose = products(world, 2, titles=("芍药 十枝", "玫瑰 九枝"))
    someone = world.user()
    for product in (peony, peony, rose):
        app.events.add(BehaviourEvent(EventKind.VIEW, Subject.PRODUCT, product, world.now, someone.user_id))
    trained(app, world)
    page = client.get("/feed")
    assert page.status_code == 200
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    text = page.text
    assert text.index("芍药 十枝") < text.index("玫瑰 九枝") and "热门" in text
    run_once(app)
    assert events(app, reach_events.c.kind == "impression", reach_events.c.visitor_id.is_not(None)) == 2


def test_a_forged_visitor_cookie_is_not_trusted(app, world, client):
    client.cookies.set(COOKIE, "someone-else.forgedsignature")
    page = client.get("/feed")
    assert page.status_code == 200 and f"{COOKIE}=" in page.headers["set-cookie"]
    assert "someone-else" not in page.headers["set-cookie"]


def test_a_visitors_events_become_the_users_at_login_exactly_once(app, world, client):
    products(world, 1)
    viewer = world.user()
    app.events.add(BehaviourEvent(EventKind.VIEW, Subject.PRODUCT, 1, world.now, viewer.user_id))
    trained(app, world)
    client.get("/feed")  # an impression as a visitor, still in the buffer
    visitor_cookie, buyer = client.cookies.get(COOKIE), world.user()
    assert post_login(client, email_of(app, buyer.user_id)).status_code == 303
    assert events(app, reach_events.c.user_id == buyer.user_id) == 1
    assert events(app, reach_events.c.user_id.is_(None)) == 0
    assert client.cookies.get(COOKIE) is None  # dropped: later events carry the user id
    client.cookies.clear()
    client.cookies.set(COOKIE, visitor_cookie)  # the same cookie replayed at a second login
    other = world.user()
    assert post_login(client, email_of(app, other.user_id)).status_code == 303
    assert events(app, reach_events.c.user_id == buyer.user_id) == 1
    assert events(app, reach_events.c.user_id == other.user_id) == 0


def _live_session(app, shop: tuple) -> int:
    shop_id, owner = shop
    with app.uow.begin() as c:
        room = live.create_room(
            c, owner, shop_id=shop_id, title="鲜花直播间", promise=Promise.parse("24h"), at=app.clock.now()
        )
        return live.go_live(c, owner, room_id=room, playback_url=HLS, at=app.clock.now(), title="芍药开箱")


def test_the_signed_in_feed_explains_each_item_and_puts_followed_live_first(app, world, client):
    shop = world.shop()
    peony, rose = products(world, 2, shop=shop, titles=("芍药 十枝", "玫瑰 九枝"))
    buyer = world.user()
    for minutes, product in enumerate((peony, rose, peony)):
        at = world.now - timedelta(minutes=10 - minutes)
        app.events.add(BehaviourEvent(EventKind.VIEW, Subject.PRODUCT, product, at, buyer.user_id))
    trained(app, world)
    with app.uow.begin() as c:
        follow(c, buyer, shop_id=shop[0], at=world.now)
    _live_session(app, shop)
    post_login(client, email_of(app, buyer.user_id))
    text = client.get("/feed").text
    assert "因为你浏览过芍药 十枝" in text and "因为你浏览过玫瑰 九枝" in text
    assert "你关注的店铺正在直播" in text and text.index("芍药开箱") < text.index("因为你浏览过")
    english = client.get("/feed", params={"lang": "en"}).text
    assert "Because you viewed 芍药 十枝" in english


def test_page_numbers_out_of_range_show_the_nearest_page(app, world, client):
    assert client.get("/feed", params={"page": 10**9}).status_code == 200
    assert client.get("/feed", params={"page": -3}).status_code == 200
    assert client.get("/feed", params={"page": "many"}).status_code in (400, 422)


def test_operators_see_the_weights_and_start_a_traffic_support_programme(app, world, client):
    from pledge.reach.tables import reach_support_programs, reach_support_versions
    from tests.e2e.conftest import page_login

    operator = world.user("运营", platform_role="operator")
    csrf = page_login(client, email_of(app, operator.user_id), "/operator/reach")
    page = client.get("/operator/reach").text
    assert "60%" in page and "推荐排序分" in page  # the weights and the clause text behind them
    form = {"csrf_token": csrf, "code": "good-service", "name": "优质服务扶持", "name_en": "Good service",
            "source": "", "min_score": "90", "max_penalties": "0", "max_late_ship": "5",
            "boost": "10"}  # fmt: skip
    assert client.post("/operator/reach/programs", data=form, follow_redirects=False).status_code == 303
    assert "优质服务扶持" in client.get("/operator/reach").text
    too_big = form | {"code": "too-big", "boost": "30"}  # above reach.support-bounds (20%)
    refused = client.post("/operator/reach/programs", data=too_big, follow_redirects=False)
    assert refused.status_code == 422
    with app.uow.read() as c:
        assert c.execute(select(func.count()).select_from(reach_support_versions)).scalar_one() == 1
        assert (
            c.execute(select(reach_support_programs.c.source)).scalar_one() == "pledge:default"
        )  # left empty


def test_traffic_support_boosts_qualifying_shops_and_the_merchant_sees_why(app, world, client):
    from pledge.feed import support
    from tests.e2e.conftest import page_login

    shop = world.shop()
    (product,) = products(world, 1, shop=shop, titles=("芍药 十枝",))
    operator, viewer = world.user("运营", platform_role="operator"), world.user()
    run_once(app)  # the daily experience snapshot: a new shop without data scores 70
    spec = support.SupportSpec(
        "good",
        "优质服务扶持",
        "Good service",
        "pledge:default",
        6000,
        0,
        500,
        1000,
        world.now - timedelta(days=1),
    )
    with app.uow.begin() as c:
        support.create(c, operator, spec, app.rulebook, at=world.now)
    app.events.add(BehaviourEvent(EventKind.VIEW, Subject.PRODUCT, product, world.now, viewer.user_id))
    trained(app, world)
    assert "流量扶持：优质服务扶持" in client.get("/feed").text
    page_login(client, email_of(app, shop[1].user_id), "/merchant/reach")
    text = client.get("/merchant/reach").text
    assert "70.00" in text and "流量扶持：优质服务扶持" in text and "热门榜第1位" in text and "第1位" in text


def test_a_shop_below_the_threshold_gets_no_boost(app, world):
    from pledge.feed import support
    from pledge.reach.serving import feed

    (product,) = products(world, 1)
    operator, viewer = world.user("运营", platform_role="operator"), world.user()
    run_once(app)
    spec = support.SupportSpec(
        "top",
        "顶级服务扶持",
        "Top service",
        "pledge:default",
        9000,
        0,
        500,
        1000,
        world.now - timedelta(days=1),
    )
    with app.uow.begin() as c:
        support.create(c, operator, spec, app.rulebook, at=world.now)
    app.events.add(BehaviourEvent(EventKind.VIEW, Subject.PRODUCT, product, world.now, viewer.user_id))
    trained(app, world)
    with app.uow.read() as c:
        assert [(i.subject_id, i.support_program_id) for i in feed(c, viewer.user_id)] == [(product, None)]


def test_viewing_a_product_page_teaches_the_feed(app, world, client):
    peony, rose = products(world, 2, titles=("芍药 十枝", "玫瑰 九枝"))
    buyer = world.user()
    post_login(client, email_of(app, buyer.user_id))
    assert client.get(f"/products/{rose}").status_code == 200
    trained(app, world)
    assert events(app, reach_events.c.user_id == buyer.user_id, reach_events.c.kind == "view") == 1
    assert "因为你浏览过玫瑰 九枝" in client.get("/feed").text


def test_an_item_withdrawn_after_training_is_not_shown(app, world, client):
    from pledge.catalog.tables import products as products_table

    peony, rose = products(world, 2, titles=("芍药 十枝", "玫瑰 九枝"))
    viewer = world.user()
    for product in (peony, rose):
        app.events.add(BehaviourEvent(EventKind.VIEW, Subject.PRODUCT, product, world.now, viewer.user_id))
    trained(app, world)
    with app.uow.begin() as c:
        c.execute(products_table.update().where(products_table.c.id == rose).values(active=False))
    text = client.get("/feed").text
    assert "芍药 十枝" in text and "玫瑰 九枝" not in text
