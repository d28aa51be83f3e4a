"""Creator penalties applied (issue 14), on SQLite and PostgreSQL, under the clause
`creator.false-advertising` (douyin:aJoHtKQ6kLcq, 《创作者【虚假宣传】处置细则》): the tier comes
from the 14-day window of this table ("短视频：近14天内累计违规2～5次" → tier 2, "6次-9次" → 3;
"直播：单场直播中累计违规2次 或 近14天内2场直播违规" → 2), and each tier's actions take effect in the
decision's transaction: the product off the cart, the live session cut, the video visible to its
author only, 5% / 15% of the product's orders held 30 days through the ledger and released once
by the worker, selling closed 3 days, removal, and the money penalty after the freeze."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from pledge.catalog.tables import skus
from pledge.creators import commissions, content, queries, safety
from pledge.creators import services as creators_services
from pledge.creators.commissions import creator_available
from pledge.creators.sources import showcase_source
from pledge.creators.tables import creator_commissions, creator_freezes, creators, showcase_items
from pledge.governance import creator_appeals, creator_money, creator_reversal, report
from pledge.governance import creator_penalties as cp
from pledge.governance.penalties import PENALTIES
from pledge.governance.tables import creator_penalties, creator_penalty_actions
from pledge.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from pledge.ledger import services as ledger
from pledge.ledger.tables import ledger_transactions
from pledge.live.tables import live_cards, live_sessions
from pledge.notifications.tables import notifications
from pledge.settlement import services as settlement
from pledge.settlement.payouts import SandboxPayoutProvider
from pledge.videos.tables import videos
from tests.integration.test_creator_commissions import deliver
from tests.integration.test_creator_safety import buy, scene  # noqa: F401 (the fixture)
from tests.integration.test_videos import publish
from tests.support import run_concurrently

CLAUSE = "creator.false-advertising"


@pytest.fixture
def penalised(app, world, scene):  # noqa: F811
    """The scene's creator hosts the shop's live room and features in a video of its product;
    one order of the product (¥19.90) was sold from their showcase."""
    s = dict(scene)
    now = app.clock.now()
    with app.uow.begin() as c:
        product_id = c.execute(select(showcase_items.c.product_id)).scalar_one()
        content.host_room(c, s["owner"], room_id=s["room_id"], creator_id=s["creator_id"], at=now)
    video_id = publish(app, s["owner"], s["shop_id"], [product_id])
    with app.uow.begin() as c:
        content.feature_in_video(c, s["owner"], video_id=video_id, creator_id=s["creator_id"], at=now)
    buy(app, world, s["sku"], showcase_source(s["creator_id"]))
    commissions.run_step(app.uow, app.rulebook, app.clock)
    s.update(
        product_id=product_id, video_id=video_id, reviewer=world.user("审核员", platform_role="reviewer")
    )
    return s


def fund(app, creator_id: int, amount_fen: int) -> None:
    """The creator's settled commissions of earlier months, in their available balance."""
    with app.uow.begin() as c:
        ledger.record(
            c,
            key=f"test-fund:{creator_id}",
            kind="test",
            memo="earlier commissions",
            postings=[ledger.Posting("platform:affiliate-fees", creator_available(creator_id), amount_fen)],
            at=app.clock.now(),
        )


def violation(s, ref: str, *, where: str = "video", harm: str = "none", **changes) -> cp.Violation:
    subject = s["video_id"] if where == "video" else s["session_id"]
    values = dict(
        creator_id=s["creator_id"],
        clause_id=CLAUSE,
        ref=ref,
        scene=where,
        subject_id=subject,
        product_id=s["product_id"],
        reason="宣称向日葵可保鲜一个月，与商品详情不符",
        evidence="视频 00:12 处口播",
        harm=harm,
    )
    return cp.Violation(**(values | changes))


def decide(app, actor, v: cp.Violation) -> cp.Decided:
    with app.uow.begin() as c:
        return cp.record_violation(c, actor, v, book=app.rulebook, at=app.clock.now())


def actions(app, penalty_id: int) -> dict[str, tuple]:
    a = creator_penalty_actions.c
    with app.uow.read() as c:
        rows = c.execute(select(a.kind, a.state, a.amount_fen, a.ends_at).where(a.penalty_id == penalty_id))
        return {r.kind: (r.state, r.amount_fen, r.ends_at) for r in rows}


def action_id(app, penalty_id: int, kind: str) -> int:
    a = creator_penalty_actions.c
    with app.uow.read() as c:
        return c.execute(select(a.id).where(a.penalty_id == penalty_id, a.kind == kind)).scalar_one()


def balance(app, code: str) -> int:
    with app.uow.read() as c:
        return ledger.balance(c, code)


def test_video_violations_escalate_through_the_14_day_window_aJoHtKQ6kLcq(app, penalised):
    s = penalised
    fund(app, s["creator_id"], 10_000)
    first = decide(app, s["reviewer"], violation(s, "V-1"))
    assert first.tier == 1
    assert set(actions(app, first.penalty_id)) == {"warning", "off_cart", "video_private"}  # no live scene
    with app.uow.read() as c:
        video_status = c.execute(select(videos.c.status).where(videos.c.id == s["video_id"])).scalar_one()
        showcase = c.execute(select(func.count()).select_from(showcase_items)).scalar_one()
        notice = c.execute(select(notifications.c.kind, notifications.c.link)).one()
    assert (video_status, showcase) == ("private", 0)
    assert tuple(notice) == ("creator_penalty", "/creator/penalties")
    tiers = [decide(app, s["reviewer"], violation(s, f"V-{n}")).tier for n in range(2, 7)]
    assert tiers == [2, 2, 2, 2, 3]  # 2nd-5th in 14 days: tier 2; the 6th: tier 3
    app.clock.advance(timedelta(days=14, seconds=1))
    assert decide(app, s["reviewer"], violation(s, "V-7")).tier == 1  # the window emptied


def test_tier_two_holds_five_percent_of_the_products_orders_for_30_days_once(app, penalised):
    s = penalised
    fund(app, s["creator_id"], 10_000)
    decide(app, s["reviewer"], violation(s, "V-1"))
    second = decide(app, s["reviewer"], violation(s, "V-2"))
    state, held, ends_at = actions(app, second.penalty_id)["commission_held"]
    assert (state, held) == ("held", 100)  # 5% of ¥19.90, half up: 99.5 fen → 100
    assert ends_at == app.clock.now() + timedelta(days=30)
    assert balance(app, creator_available(s["creator_id"])) == 9_900
    with app.uow.begin() as c:
        assert creator_money.settle_due(c, app.rulebook, at=app.clock.now())["creator_holds_released"] == 0
    app.clock.advance(timedelta(days=30))
    for _ in range(2):  # a second pass finds nothing left to release
        creator_money.run_step(app.uow, app.rulebook, app.clock)
    assert actions(app, second.penalty_id)["commission_held"][0] == "released"
    assert balance(app, creator_available(s["creator_id"])) == 10_000
    assert balance(app, creator_money.creator_held(s["creator_id"])) == 0


def test_a_hold_never_takes_more_than_the_account_has(app, penalised):
    s = penalised
    decide(app, s["reviewer"], violation(s, "V-1"))
    second = decide(app, s["reviewer"], violation(s, "V-2"))
    assert actions(app, second.penalty_id)["commission_held"][:2] == ("moot", 0)
    assert balance(app, creator_available(s["creator_id"])) == 0


def test_two_violations_in_one_live_session_cut_it_and_heavy_harm_closes_selling(app, world, penalised):
    s = penalised
    first = decide(app, s["reviewer"], violation(s, "L-1", where="live"))
    assert first.tier == 1 and first.cut_session == s["session_id"]
    with app.uow.read() as c:
        session = c.execute(select(live_sessions).where(live_sessions.c.id == s["session_id"])).one()
        pinned = c.execute(
            select(live_cards.c.pinned).where(live_cards.c.session_id == s["session_id"])
        ).scalars()
        assert (session.status, session.cut_reason) == ("cut", "宣称向日葵可保鲜一个月，与商品详情不符")
        assert not any(pinned)
    second = decide(app, s["reviewer"], violation(s, "L-2", where="live"))
    assert second.tier == 2  # "单场直播中累计违规2次"
    assert actions(app, second.penalty_id)["stream_cut"][0] == "moot"  # the session had ended
    third = decide(app, s["reviewer"], violation(s, "L-3", where="live", harm="heavy"))
    assert third.tier == 3
    ends = actions(app, third.penalty_id)["selling_closed"][2]
    assert ends == app.clock.now() + timedelta(days=3)
    with app.uow.begin() as c:  # the product is back in the showcase: still no selling
        c.execute(
            showcase_items.insert().values(
                creator_id=s["creator_id"], product_id=s["product_id"], added_at=ends
            )
        )
    with pytest.raises(Conflict, match="selling is closed by a penalty"):
        buy(app, world, s["sku"], showcase_source(s["creator_id"]))
    app.clock.advance(timedelta(days=3))
    assert buy(app, world, s["sku"], showcase_source(s["creator_id"]))  # lifted by itself


def test_severe_harm_removes_the_creator_and_charges_the_penalty_after_the_freeze(app, penalised):
    s = penalised
    decided = decide(app, s["reviewer"], violation(s, "V-1", harm="severe"))
    assert decided.tier == 4
    done = actions(app, decided.penalty_id)
    assert set(done) == {"video_private", "commission_frozen", "creator_removed", "money_penalty"}
    with app.uow.read() as c:
        status = c.execute(select(creators.c.status).where(creators.c.id == s["creator_id"])).scalar_one()
        freezes = sorted(r.ends_at - r.starts_at for r in c.execute(select(creator_freezes)))
    assert status == "removed"
    assert freezes == [timedelta(days=90), timedelta(days=180)]  # the clause's 90 days; removal's 180
    assert done["money_penalty"][0] == "due"
    today = app.clock.now().astimezone(ZoneInfo(app.rulebook.timezone)).date()
    with app.uow.read() as c:
        counted = report.governance_report(c, today, today, app.rulebook.timezone)
    assert counted.creators_removed == 1  # the transparency report counts creators removed
    app.clock.advance(timedelta(days=90))
    creator_money.run_step(app.uow, app.rulebook, app.clock)
    creator_money.run_step(app.uow, app.rulebook, app.clock)
    assert actions(app, decided.penalty_id)["money_penalty"][:2] == ("charged", 100_000)  # the ¥1000 floor
    assert balance(app, PENALTIES) == 100_000


def test_bad_decisions_write_nothing(app, world, penalised):
    s = penalised
    decide(app, s["reviewer"], violation(s, "V-1"))
    buyer = world.user("路人")
    cases = [
        (s["reviewer"], violation(s, "V-1"), Conflict, "decided already"),
        (s["reviewer"], violation(s, "V-2", creator_id=999_999), NotFound, "no creator 999999"),
        (s["reviewer"], violation(s, "V-2", subject_id=999_999), NotFound, "has no video 999999"),
        (s["reviewer"], violation(s, "V-2", where="radio"), InvalidInput, "scene is live or video"),
        (s["reviewer"], violation(s, "V-2", harm="mild"), InvalidInput, "harm none, light"),
        (s["reviewer"], violation(s, "V-2", clause_id="governance.false-advertising"), InvalidInput, "not a"),
        (s["reviewer"], violation(s, "V-2", reason=" "), InvalidInput, "reason"),
        (buyer, violation(s, "V-2"), Forbidden, "platform role"),
    ]
    for actor, v, error, message in cases:
        with pytest.raises(error, match=message):
            decide(app, actor, v)
    with app.uow.read() as c:
        assert c.execute(select(func.count()).select_from(creator_penalties)).scalar_one() == 1
        assert c.execute(select(func.count()).select_from(creator_penalty_actions)).scalar_one() == 3


@pytest.mark.postgres
def test_held_money_moves_and_returns_once_under_three_concurrent_workers(app, penalised, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("concurrency is proven on PostgreSQL")
    s = penalised
    fund(app, s["creator_id"], 10_000)
    decide(app, s["reviewer"], violation(s, "V-1"))
    second = decide(app, s["reviewer"], violation(s, "V-2"))
    app.clock.advance(timedelta(days=30))

    def worker():
        with app.uow.begin() as c:
            return creator_money.settle_due(c, app.rulebook, at=app.clock.now())["creator_holds_released"]

    assert sorted(run_concurrently([worker] * 3)) == [0, 0, 1]
    assert actions(app, second.penalty_id)["commission_held"][0] == "released"
    assert balance(app, creator_available(s["creator_id"])) == 10_000
    held = action_id(app, second.penalty_id, "commission_held")
    with app.uow.read() as c:
        t = ledger_transactions.c
        keys = (
            c.execute(select(t.idempotency_key).where(t.idempotency_key.like("creator-penalty-%")))
            .scalars()
            .all()
        )
    assert sorted(keys) == sorted(f"creator-penalty-{verb}:{held}" for verb in ("hold", "release"))


def test_reversing_a_penalty_gives_back_held_money_and_selling_once(app, world, penalised):
    s = penalised
    fund(app, s["creator_id"], 10_000)
    decided = decide(app, s["reviewer"], violation(s, "L-1", where="live", harm="heavy"))
    assert decided.tier == 3
    assert balance(app, creator_available(s["creator_id"])) == 10_000 - 299  # 15% of ¥19.90, half up
    with app.uow.begin() as c:
        c.execute(
            showcase_items.insert().values(
                creator_id=s["creator_id"], product_id=s["product_id"], added_at=app.clock.now()
            )
        )
        creator_reversal.reverse(c, s["reviewer"], decided.penalty_id, at=app.clock.now())
    done = actions(app, decided.penalty_id)
    assert (done["commission_held"][0], done["selling_closed"][0]) == ("reversed", "reversed")
    assert balance(app, creator_available(s["creator_id"])) == 10_000
    assert buy(app, world, s["sku"], showcase_source(s["creator_id"]))  # selling open again
    with pytest.raises(Conflict, match="nothing to reverse"):
        with app.uow.begin() as c:
            creator_reversal.reverse(c, s["reviewer"], decided.penalty_id, at=app.clock.now())
    app.clock.advance(timedelta(days=30))
    creator_money.run_step(app.uow, app.rulebook, app.clock)  # the reversed hold is not released again
    assert balance(app, creator_available(s["creator_id"])) == 10_000


def test_reversing_a_tier_four_penalty_publishes_the_video_and_drops_the_money_penalty(app, penalised):
    s = penalised
    decided = decide(app, s["reviewer"], violation(s, "V-1", harm="severe"))
    decided_at = app.clock.now()
    app.clock.advance(timedelta(days=6))  # the appeal upheld
    with app.uow.begin() as c:
        creator_reversal.reverse(c, s["reviewer"], decided.penalty_id, at=app.clock.now())
    with app.uow.read() as c:
        video = c.execute(select(videos.c.status).where(videos.c.id == s["video_id"])).scalar_one()
        ends = sorted(r.ends_at - decided_at for r in c.execute(select(creator_freezes)))
    assert video == "published"
    assert ends == [timedelta(days=6), timedelta(days=180)]  # the penalty's freeze ended; removal's stands
    app.clock.advance(timedelta(days=90))
    creator_money.run_step(app.uow, app.rulebook, app.clock)
    assert actions(app, decided.penalty_id)["money_penalty"][0] == "reversed"
    assert balance(app, PENALTIES) == 0


def appeal(app, actor, penalty_id: int, reason: str = "口播内容有检测报告为证") -> int:
    with app.uow.begin() as c:
        return creator_appeals.file_appeal(
            c, actor, penalty_id, reason=reason, book=app.rulebook, at=app.clock.now()
        )


def test_a_creator_appeals_within_14_days_and_an_upheld_appeal_reverses_aJoHtKQ6kLcq(app, world, penalised):
    s = penalised
    fund(app, s["creator_id"], 10_000)
    decide(app, s["reviewer"], violation(s, "V-1"))
    second = decide(app, s["reviewer"], violation(s, "V-2"))
    late = decide(app, s["reviewer"], violation(s, "V-3"))
    other = world.user("别的达人")
    with app.uow.begin() as c:
        creators_services.register_creator(
            c, other, creators_services.NewCreator("other", "别的达人", 1_000), at=app.clock.now()
        )
    with pytest.raises(NotFound, match="you have no penalty"):
        appeal(app, other, second.penalty_id)
    app.clock.advance(timedelta(days=14))  # "收到处置通知后14天内"
    appeal_id = appeal(app, s["actor"], second.penalty_id)
    with pytest.raises(Conflict, match="appealed already"):
        appeal(app, s["actor"], second.penalty_id)
    app.clock.advance(timedelta(seconds=1))
    with pytest.raises(Conflict, match="appeal window closed"):
        appeal(app, s["actor"], late.penalty_id)
    with app.uow.begin() as c:
        status = creator_appeals.answer_appeal(
            c, s["reviewer"], appeal_id, uphold=True, note="核实无误", at=app.clock.now()
        )
    assert status == "upheld"
    assert actions(app, second.penalty_id)["commission_held"][0] == "reversed"
    assert balance(app, creator_available(s["creator_id"])) == 10_000 - 100  # the third's hold stands
    with app.uow.read() as c:
        counted = c.execute(
            select(creator_penalties.c.status).where(creator_penalties.c.id == second.penalty_id)
        )
        assert counted.scalar_one() == "reversed"


def test_an_appeal_unanswered_after_5_working_days_is_upheld_by_the_worker(app, penalised):
    s = penalised
    decided = decide(app, s["reviewer"], violation(s, "V-1", harm="heavy"))
    appeal(app, s["actor"], decided.penalty_id)
    app.clock.advance(timedelta(days=4))
    assert creator_appeals.run_step(app.uow, app.rulebook, app.clock) == {"creator_appeals_settled": 0}
    app.clock.advance(timedelta(days=5))  # past the 5th working day's end
    assert creator_appeals.run_step(app.uow, app.rulebook, app.clock) == {"creator_appeals_settled": 1}
    assert creator_appeals.run_step(app.uow, app.rulebook, app.clock) == {"creator_appeals_settled": 0}
    assert actions(app, decided.penalty_id)["selling_closed"][0] == "reversed"


# --- "并停止结算违规订单": a hold also stops settling the violating product's commissions ---


def two_products_due(app, world, s) -> dict[int, int]:
    """The creator also sells a second product (洋桔梗) from the showcase; both products' orders
    are delivered now, so their commissions fall due 15 days on (`affiliate.settle`). Returns
    each product's pending commission id."""
    now = app.clock.now()
    with app.uow.begin() as c:
        other = c.execute(select(skus.c.product_id).where(skus.c.id == s["unrated"])).scalar_one()
        creators_services.offer_rate(
            c, s["owner"], creators_services.NewRate(other, 2_000, now - timedelta(days=1)), at=now
        )
        creators_services.add_to_showcase(c, s["actor"], app.rulebook, product_id=other, at=now)
    buy(app, world, s["unrated"], showcase_source(s["creator_id"]))
    settlement.run_step(app.uow, app.rulebook, app.clock, SandboxPayoutProvider(app.uow))
    commissions.run_step(app.uow, app.rulebook, app.clock)
    with app.uow.read() as c:
        rows = c.execute(select(creator_commissions.c.order_id, creator_commissions.c.product_id)).all()
    for row in rows:
        deliver(app, row.order_id)
    with app.uow.read() as c:
        found = c.execute(select(creator_commissions.c.product_id, creator_commissions.c.id)).all()
    assert {r.product_id for r in found} == {s["product_id"], other}
    return {r.product_id: r.id for r in found}


def settled_products(app) -> set[int]:
    c_ = creator_commissions.c
    with app.uow.read() as c:
        return set(c.execute(select(c_.product_id).where(c_.status == "settled")).scalars())


def settle_pass(app) -> int:
    settlement.run_step(app.uow, app.rulebook, app.clock, SandboxPayoutProvider(app.uow))
    return commissions.run_step(app.uow, app.rulebook, app.clock)["commissions_settled"]


def test_a_hold_stops_settling_the_violating_products_commissions_until_it_ends_aJoHtKQ6kLcq(
    app, world, penalised
):
    s = penalised
    fund(app, s["creator_id"], 10_000)
    ids = two_products_due(app, world, s)
    other = next(p for p in ids if p != s["product_id"])
    decide(app, s["reviewer"], violation(s, "V-1"))
    held = decide(app, s["reviewer"], violation(s, "V-2"))  # tier 2: 5% held 30 days
    state, _, hold_ends = actions(app, held.penalty_id)["commission_held"]
    assert state == "held"
    with app.uow.read() as c:
        freeze = c.execute(select(creator_freezes)).one()
        payable = queries.payable(c, app.rulebook, s["creator_id"], now=app.clock.now())
    assert (freeze.product_id, freeze.starts_at, freeze.ends_at) == (
        s["product_id"],
        app.clock.now(),
        hold_ends,
    )
    assert payable["frozen_until"] is None and payable["payable_fen"] > 0  # withdrawals go on
    assert payable["frozen_products"] == [
        {"product_id": s["product_id"], "title": "A级向日葵 12枝", "until": hold_ends}
    ]

    app.clock.advance(timedelta(days=20))  # both due: 15 days past receipt, proceeds settled
    assert settle_pass(app) == 1
    assert settled_products(app) == {other}  # the violating product's commission waits
    app.clock.advance(timedelta(days=9))
    assert settle_pass(app) == 0  # a day of the hold is left
    app.clock.advance(timedelta(days=1))  # the hold's 30 days are over
    assert settle_pass(app) == 1
    assert settled_products(app) == {s["product_id"], other}
    creator_money.run_step(app.uow, app.rulebook, app.clock)  # the held money comes back too
    assert actions(app, held.penalty_id)["commission_held"][0] == "released"


def test_an_upheld_appeal_ends_the_products_freeze_at_once(app, world, penalised):
    s = penalised  # nothing in the account: the hold holds no money, settling still stops
    ids = two_products_due(app, world, s)
    other = next(p for p in ids if p != s["product_id"])
    decide(app, s["reviewer"], violation(s, "V-1"))
    held = decide(app, s["reviewer"], violation(s, "V-2"))
    assert actions(app, held.penalty_id)["commission_held"][:2] == ("moot", 0)
    appeal_id = appeal(app, s["actor"], held.penalty_id)
    app.clock.advance(timedelta(days=20))
    assert settle_pass(app) == 1
    assert settled_products(app) == {other}
    upheld_at = app.clock.now()
    with app.uow.begin() as c:
        creator_appeals.answer_appeal(c, s["reviewer"], appeal_id, uphold=True, note="核实无误", at=upheld_at)
    with app.uow.read() as c:
        freeze = c.execute(select(creator_freezes)).one()
        payable = queries.payable(c, app.rulebook, s["creator_id"], now=upheld_at)
    assert (freeze.product_id, freeze.ends_at) == (s["product_id"], upheld_at)
    assert payable["frozen_products"] == []
    assert actions(app, held.penalty_id)["commission_held"][0] == "reversed"
    assert settle_pass(app) == 1  # the next pass, ten days before the hold would have ended
    assert settled_products(app) == {s["product_id"], other}


def test_a_whole_account_freeze_still_stops_every_product(app, world, penalised):
    s = penalised
    two_products_due(app, world, s)
    with app.uow.begin() as c:
        safety.freeze_commissions(
            c,
            s["reviewer"],
            app.rulebook,
            creator_id=s["creator_id"],
            days=30,
            reason="核查中",
            at=app.clock.now(),
        )
    app.clock.advance(timedelta(days=20))
    assert settle_pass(app) == 0
    with app.uow.read() as c:
        payable = queries.payable(c, app.rulebook, s["creator_id"], now=app.clock.now())
    assert payable["frozen_until"] is not None and payable["frozen_products"] == []
    with pytest.raises(NotFound, match="no product 999999"):
        with app.uow.begin() as c:
            safety.freeze_commissions(
                c, s["reviewer"], app.rulebook, creator_id=s["creator_id"], product_id=999_999,
                days=30, reason="核查中", at=app.clock.now(),
            )  # fmt: skip
