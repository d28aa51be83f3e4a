"""Appeals (douyin:101706: filed within 7 natural days of the notice, answered within 5 working
days, the penalty stands meanwhile): a merchant appeals its own shop's penalty only, within the
window, once; an upheld appeal reverses the penalty and its effects (relist, refund under its own
key); an appeal unanswered at its deadline is upheld by the worker (Pledge default)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pledge.catalog.tables import products, skus
from pledge.governance import appeals, penalties
from pledge.governance.policy import answer_due_at
from pledge.governance.tables import governance_appeals, governance_penalties
from pledge.kernel.errors import Conflict, Forbidden
from pledge.worker import run_once


@pytest.fixture
def penalised(app, world):
    shop_id, owner = world.shop("飞恋伞厂")
    sku = world.product(owner, shop_id, title="激光变色伞")
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    reviewer = world.user("审核员", platform_role="reviewer")
    order = penalties.PenaltyOrder(
        shop_id, "governance.false-advertising", "宣称“防紫外线100%”无检测报告", "", product_id
    )
    with app.uow.begin() as c:
        penalty_id = penalties.impose(c, reviewer, order, book=app.rulebook, at=app.clock.now())
    return {
        "shop_id": shop_id,
        "owner": owner,
        "product_id": product_id,
        "penalty_id": penalty_id,
        "reviewer": reviewer,
    }


def file(app, who, penalty_id, reason="已补充检测报告"):
    with app.uow.begin() as c:
        return appeals.file_appeal(c, who, penalty_id, reason=reason, book=app.rulebook, at=app.clock.now())


def listed(app, product_id) -> bool:
    with app.uow.read() as c:
        return bool(c.execute(select(products.c.active).where(products.c.id == product_id)).scalar_one())


def test_appeal_window_is_7_natural_days(app, world, clock, penalised):
    clock.advance(timedelta(days=7, seconds=1))
    with pytest.raises(Conflict, match="appeal window closed"):
        file(app, penalised["owner"], penalised["penalty_id"])
    with app.uow.read() as c:
        assert c.execute(select(governance_appeals.c.id)).first() is None


def test_someone_elses_penalty_cannot_be_appealed_and_appealing_twice_is_refused(app, world, penalised):
    _, stranger = world.shop("别家花店")
    with pytest.raises(Forbidden):
        file(app, stranger, penalised["penalty_id"])
    file(app, penalised["owner"], penalised["penalty_id"])
    with pytest.raises(Conflict, match="appealed already"):
        file(app, penalised["owner"], penalised["penalty_id"])


def test_an_upheld_appeal_reverses_the_penalty_and_relists(app, world, penalised):
    appeal_id = file(app, penalised["owner"], penalised["penalty_id"])
    assert not listed(app, penalised["product_id"])  # the penalty stands while the appeal waits
    with app.uow.begin() as c:
        appeals.answer_appeal(
            c, penalised["reviewer"], appeal_id, uphold=True, note="检测报告属实", at=app.clock.now()
        )
    assert listed(app, penalised["product_id"])
    with pytest.raises(Conflict, match="already answered"), app.uow.begin() as c:
        appeals.answer_appeal(
            c, penalised["reviewer"], appeal_id, uphold=False, note="改判", at=app.clock.now()
        )


def test_an_unanswered_appeal_is_upheld_at_its_deadline_by_the_worker(app, world, clock, penalised):
    appeal_id = file(app, penalised["owner"], penalised["penalty_id"])
    with app.uow.read() as c:
        due = c.execute(
            select(governance_appeals.c.due_at).where(governance_appeals.c.id == appeal_id)
        ).scalar_one()
    clock.advance(due - app.clock.now() - timedelta(seconds=1))
    assert run_once(app)["appeals_settled"] == 0
    clock.advance(timedelta(seconds=1))
    assert run_once(app)["appeals_settled"] == 1
    assert run_once(app)["appeals_settled"] == 0
    with app.uow.read() as c:
        status = c.execute(select(governance_penalties.c.status)).scalar_one()
        appeal = c.execute(select(governance_appeals)).first()
    assert (status, appeal.status, appeal.answered_by) == ("reversed", "upheld", None)
    assert listed(app, penalised["product_id"])


def test_five_working_days_skip_the_weekend_in_beijing_time(app):
    clause = app.rulebook.one("appeal_window", app.clock.now())
    friday_evening = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # Friday 20:00 in Beijing
    due = answer_due_at(clause, friday_evening, "Asia/Shanghai")
    assert due == datetime(2026, 12, 4, 16, 0, tzinfo=UTC)  # the end of Friday 4 December, Beijing
