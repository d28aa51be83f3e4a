"""The reviewer queue (issue 14): a listing the checks send to review waits unpublished until a
reviewer decides; a blocked one is refused and recorded; held comments and users' reports land
in the same queue, riskiest first then oldest; a decision is audited and made once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pledge.accounts.services import Actor
from pledge.catalog import services as catalog
from pledge.catalog.tables import products
from pledge.governance import queries
from pledge.governance import services as governance
from pledge.governance.model import Decision, ItemStatus, Subject
from pledge.governance.tables import governance_items
from pledge.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from pledge.live import services as live
from pledge.live.model import SessionStatus
from pledge.live.tables import live_sessions
from pledge.moderation.checks import ContentRefused
from pledge.promises.model import Promise

HLS = "/media/live/sunflower/index.m3u8"
OPERATOR = Actor(0, "运营", "operator")
HELD_TITLE = "纪念六四向日葵"  # a political term: listings with it go to a reviewer


def _list(app, world, owner, shop_id, title):
    category = world.category()
    with app.uow.begin() as c:
        return catalog.create_product(
            c,
            owner,
            catalog.NewProduct(
                shop_id, category, title, Promise.parse("48h"), [catalog.NewSku("12枝", 1990, 5)]
            ),
            at=app.clock.now(),
            guards=app.listing_guards,
            screen=app.listing_screen,
        )


def _active(app, product_id) -> bool:
    with app.uow.read() as c:
        return bool(c.execute(select(products.c.active).where(products.c.id == product_id)).scalar_one())


def _decide(app, who, item_id, decision, note="核实无误", **kw):
    with app.uow.begin() as c:
        return governance.decide(
            c, who, item_id, decision, note=note, book=app.rulebook, at=app.clock.now(), **kw
        )


@pytest.fixture
def florist(app, world):
    shop_id, owner = world.shop("小阿阮鲜花")
    return shop_id, owner


def test_a_listing_sent_to_review_waits_unpublished_until_a_reviewer_allows_it(app, world, florist):
    shop_id, owner = florist
    product_id = _list(app, world, owner, shop_id, HELD_TITLE)
    assert not _active(app, product_id)
    with app.uow.read() as c:
        (item,) = queries.queue(c, OPERATOR)
    assert (item["subject"], item["subject_id"], item["shop_id"]) == ("listing", product_id, shop_id)
    assert item["clause"] == "moderation.prohibited.political" and item["hits"]
    reviewer = world.user("审核员", platform_role="reviewer")
    _decide(app, reviewer, item["id"], Decision.ALLOW, note="纪念活动用语，非违规")
    assert _active(app, product_id)
    with app.uow.read() as c:
        done = queries.item(c, OPERATOR, item["id"])
        assert queries.queue(c, OPERATOR) == []
    assert (done["status"], done["decided_by"], done["decision_clause"]) == (
        "allowed",
        reviewer.user_id,
        "moderation.prohibited.political",
    )
    assert done["decided_at"] == app.clock.now() and done["decision_note"] == "纪念活动用语，非违规"


def test_deciding_twice_is_a_conflict_and_changes_nothing(app, world, florist):
    shop_id, owner = florist
    product_id = _list(app, world, owner, shop_id, HELD_TITLE)
    reviewer = world.user("审核员", platform_role="reviewer")
    with app.uow.read() as c:
        (item,) = queries.queue(c, OPERATOR)
    _decide(app, reviewer, item["id"], Decision.REMOVE, note="违规用语")
    with pytest.raises(Conflict, match="already decided"):
        _decide(app, reviewer, item["id"], Decision.ALLOW, note="改判")
    with app.uow.read() as c:
        assert queries.item(c, OPERATOR, item["id"])["status"] == "removed"
    assert not _active(app, product_id)


def test_only_reviewers_and_operators_decide_and_a_decision_needs_a_note_and_a_real_clause(
    app, world, florist
):
    shop_id, owner = florist
    _list(app, world, owner, shop_id, HELD_TITLE)
    with app.uow.read() as c:
        (item,) = queries.queue(c, OPERATOR)
    finance = world.user("财务", platform_role="finance")
    operator = world.user("运营", platform_role="operator")
    with pytest.raises(Forbidden):
        _decide(app, owner, item["id"], Decision.ALLOW)
    with pytest.raises(Forbidden):
        _decide(app, finance, item["id"], Decision.ALLOW)
    with pytest.raises(InvalidInput):
        _decide(app, operator, item["id"], Decision.ALLOW, note="  ")
    with pytest.raises(NotFound):
        _decide(app, operator, item["id"], Decision.ALLOW, clause="no.such.clause")
    with pytest.raises(NotFound):
        _decide(app, operator, 999_999, Decision.ALLOW)
    with app.uow.read() as c:
        assert queries.item(c, OPERATOR, item["id"])["status"] == "open"


def test_a_blocked_listing_is_refused_and_recorded_as_blocked(app, world, florist):
    shop_id, owner = florist
    with pytest.raises(ContentRefused):
        _list(app, world, owner, shop_id, "全网第一向日葵")
    with app.uow.read() as c:
        rows = c.execute(select(governance_items)).all()
        assert c.execute(select(products.c.id)).first() is None
    assert [(r.subject, r.status, r.clause) for r in rows] == [
        ("listing", "blocked", "moderation.absolute-terms")
    ]


def test_held_comments_and_reports_share_one_queue_riskiest_then_oldest(app, world, clock, florist):
    shop_id, owner = florist
    with app.uow.begin() as c:
        room_id = live.create_room(
            c, owner, shop_id=shop_id, title="斗南花市", promise=Promise.parse("24h"), at=app.clock.now()
        )
        session_id = live.go_live(
            c, owner, room_id=room_id, playback_url=HLS, at=app.clock.now(), title="开播"
        )
    buyer = world.user("买家")
    with app.uow.begin() as c:
        report_id = governance.report(
            c, buyer, governance.Reported(Subject.SESSION, session_id, "主播辱骂观众"), at=app.clock.now()
        )
    clock.advance(timedelta(minutes=1))
    held = _list(app, world, owner, shop_id, HELD_TITLE)
    clock.advance(timedelta(minutes=1))
    with app.uow.begin() as c:
        comment = live.post_comment(
            c, buyer, session_id=session_id, text="傻逼主播", moderator=app.moderator, at=app.clock.now()
        )
    assert comment.verdict.value == "hold"
    with app.uow.read() as c:
        order = [(i["subject"], i["risk"]) for i in queries.queue(c, OPERATOR)]
    assert order == [("listing", 90), ("comment", 70), ("session", 50)]
    with pytest.raises(Conflict, match="already reported"):
        with app.uow.begin() as c:
            governance.report(
                c, buyer, governance.Reported(Subject.SESSION, session_id, "再报一次"), at=app.clock.now()
            )
    operator = world.user("运营", platform_role="operator")
    answer = _decide(
        app,
        operator,
        report_id,
        Decision.REMOVE,
        note="直播间辱骂观众",
        clause="moderation.offensive-comments",
    )
    assert answer["cut_session"] == session_id
    with app.uow.read() as c:
        status = c.execute(
            select(live_sessions.c.status).where(live_sessions.c.id == session_id)
        ).scalar_one()
    assert status == SessionStatus.CUT and held


def test_a_report_on_something_that_does_not_exist_is_not_found(app, world):
    buyer = world.user("买家")
    for subject in Subject:
        with pytest.raises(NotFound), app.uow.begin() as c:
            governance.report(c, buyer, governance.Reported(subject, 424242, "虚假宣传"), at=app.clock.now())
    with app.uow.read() as c:
        assert c.execute(select(governance_items.c.id)).first() is None
    assert ItemStatus.OPEN in ItemStatus
