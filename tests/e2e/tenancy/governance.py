"""Tenancy cases of trust & safety: the queue, its items, decisions, penalties, stream cuts and
appeal answers are platform staff's (a merchant is refused whatever the id: ok=403, an operator
succeeds); a shop's penalties are read and appealed by that shop only."""

from __future__ import annotations

from sqlalchemy import select

from pledge.governance import appeals, penalties
from pledge.governance import services as governance
from pledge.governance.model import PenaltyStatus, Subject
from pledge.governance.tables import governance_penalties
from pledge.live import services as live
from pledge.promises.model import Promise
from tests.e2e.tenancy import Case, Ids

HLS = "/media/live/sunflower/index.m3u8"
MINORS = "governance.minors-in-live"  # its first rung is a warning: the side's listing stays on sale


def _form(ids: Ids, csrf: str, **fields: str) -> dict:
    return {"data": {"csrf_token": csrf, **fields}}


DECIDE = {"decision": "allow", "note": "未发现违规", "clause": "moderation.absolute-terms"}
REPORTED_LISTING = (("subject", "=listing"), ("subject_id", "product_id"))
CUT = {"reason": "直播间诱导未成年人打赏", "clause": "moderation.prohibited.sexual"}

ROUTES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/governance/items/{item_id}"): Case("denied", ok=403, operator_ok=200),
    ("POST", "/api/v1/governance/items/{item_id}/decision"): Case(
        "denied", lambda ids, csrf: {"json": DECIDE}, ok=403, operator_ok=200
    ),
    ("POST", "/api/v1/governance/sessions/{session_id}/cut"): Case(
        "denied",
        lambda ids, csrf: {"json": CUT},
        ok=403,
        operator_ok=200,
        params=(("session_id", "live_session_id"),),
    ),
    ("GET", "/api/v1/governance/shops/{shop_id}/penalties"): Case("denied", operator_ok=200),
    ("POST", "/api/v1/governance/penalties/{penalty_id}/appeal"): Case(
        "denied", lambda ids, csrf: {"json": {"reason": "主播已核实年龄"}}, ok=201
    ),
    ("POST", "/api/v1/governance/appeals/{appeal_id}/answer"): Case(
        "denied", lambda ids, csrf: {"json": {"uphold": True, "note": "核实无误"}}, ok=403, operator_ok=200
    ),
    # pages
    ("GET", "/operator/queue/{item_id}"): Case("denied", ok=403),
    ("POST", "/operator/queue/{item_id}"): Case(
        "denied", lambda ids, csrf: _form(ids, csrf, decision="remove", note="核实违规"), ok=403
    ),
    ("POST", "/operator/queue/{item_id}/penalty"): Case(
        "denied", lambda ids, csrf: _form(ids, csrf, clause=MINORS, reason="诱导未成年人打赏"), ok=403
    ),
    ("POST", "/operator/live/{session_id}/cut"): Case(
        "denied",
        lambda ids, csrf: _form(ids, csrf, **CUT),
        ok=403,
        params=(("session_id", "live_session_id"),),
    ),
    ("POST", "/operator/appeals/{appeal_id}"): Case(
        "denied", lambda ids, csrf: _form(ids, csrf, uphold="yes", note="核实无误"), ok=403
    ),
    ("GET", "/merchant/shops/{shop_id}/penalties"): Case("denied"),
    ("POST", "/operator/calendar/{day}/remove"): Case(
        "denied", lambda ids, csrf: _form(ids, csrf), ok=403, params=(("day", "=2026-10-01"),)
    ),
    # anyone signed in reports anyone's listing: it adds the caller's own report only
    ("GET", "/report/{subject}/{subject_id}"): Case("open", params=REPORTED_LISTING),
    ("POST", "/report/{subject}/{subject_id}"): Case(
        "open", lambda ids, csrf: _form(ids, csrf, reason="标题虚假宣传", back="/"), params=REPORTED_LISTING
    ),
    ("POST", "/merchant/penalties/{penalty_id}/appeal"): Case(
        "denied", lambda ids, csrf: _form(ids, csrf, reason="主播已核实年龄"), ok=303
    ),
}


def _restart_ladder(conn, shop_id: int, at) -> None:
    """Earlier seeds' warnings on the same shop are reversed (their ids are used no more), so the
    side never reaches the minors ladder's third case: a live ban would refuse its live routes."""
    p = governance_penalties.c
    earlier = conn.execute(
        select(p.id).where(p.shop_id == shop_id, p.clause == MINORS, p.status == PenaltyStatus.IN_FORCE.value)
    ).scalars()
    for penalty_id in list(earlier):
        penalties.reverse(conn, penalty_id, at=at)


def prepare(world, owner, buyer, ids: Ids) -> None:
    """A buyer's report on the side's listing (a queue item), a live session, and two penalties
    under the minors ladder (warnings): one to appeal, one already appealed (to answer)."""
    app = world.app
    now = app.clock.now()
    reviewer = world.user("审核员", platform_role="reviewer")
    with app.uow.begin() as c:
        ids.extra["item_id"] = governance.report(
            c, buyer, governance.Reported(Subject.LISTING, ids.product_id, "标题虚假宣传"), at=now
        )
        room_id = live.create_room(
            c, owner, shop_id=ids.shop_id, title="治理直播间", promise=Promise.parse("48h"), at=now
        )
        ids.extra["live_session_id"] = live.go_live(c, owner, room_id=room_id, playback_url=HLS, at=now)
        _restart_ladder(c, ids.shop_id, now)
        order = penalties.PenaltyOrder(ids.shop_id, MINORS, "直播间未成年人出镜", "")
        ids.extra["penalty_id"] = penalties.impose(c, reviewer, order, book=app.rulebook, at=now)
        appealed = penalties.impose(c, reviewer, order, book=app.rulebook, at=now)
        ids.extra["appeal_id"] = appeals.file_appeal(
            c, owner, appealed, reason="已整改", book=app.rulebook, at=now
        )
