"""Tenancy cases of creator penalties: recording a creator's violation and reading a creator's
record are trust & safety's (a merchant is refused whatever the id, even its own owner's creator
account: ok=403; an operator succeeds). The side's owner is also a creator, live in a room of
their own with a product of the side's shop."""

from __future__ import annotations

from itertools import count

from sqlalchemy import select

from pledge.creators import rooms
from pledge.creators import services as creators
from pledge.creators.tables import creators as creator_rows
from pledge.governance import creator_appeals
from pledge.governance.tables import creator_penalties
from pledge.kernel.db import inserted_id
from tests.e2e.tenancy import Case, Ids

HLS = "/media/live/sunflower/index.m3u8"
REFS = count(1)


def _violation(ids: Ids, csrf: str) -> dict:
    return {
        "json": {
            "clause": "creator.false-advertising",
            "ref": f"tenancy-{next(REFS)}",
            "scene": "live",
            "subject_id": ids.extra["penalty_session_id"],
            "product_id": ids.product_id,
            "reason": "口播“三天见效”与商品详情不符",
        }
    }


def _form(ids: Ids, csrf: str) -> dict:
    return {"data": {"csrf_token": csrf, **{k: str(v) for k, v in _violation(ids, csrf)["json"].items()}}}


ROUTES: dict[tuple[str, str], Case] = {
    ("POST", "/api/v1/governance/creators/{creator_id}/penalties"): Case(
        "denied", _violation, ok=403, operator_ok=201, params=(("creator_id", "penalty_creator_id"),)
    ),
    ("GET", "/api/v1/governance/creators/{creator_id}/penalties"): Case(
        "denied", ok=403, operator_ok=200, params=(("creator_id", "penalty_creator_id"),)
    ),
    ("POST", "/api/v1/creators/me/penalties/{penalty_id}/appeal"): Case(
        "denied",
        lambda ids, csrf: {"json": {"reason": "回放可证明口播属实"}},
        ok=201,
        params=(("penalty_id", "creator_penalty_id"),),
    ),
    ("POST", "/api/v1/governance/creator-appeals/{appeal_id}/answer"): Case(
        "denied",
        lambda ids, csrf: {"json": {"uphold": False, "note": "证据不足"}},
        ok=403,
        operator_ok=200,
        params=(("appeal_id", "creator_appeal_id"),),
    ),
    # pages
    ("POST", "/creator/penalties/{penalty_id}/appeal"): Case(
        "denied",
        lambda ids, csrf: {"data": {"csrf_token": csrf, "reason": "回放可证明口播属实"}},
        ok=303,
        params=(("penalty_id", "creator_penalty_id"),),
    ),
    ("GET", "/operator/creators/{creator_id}/penalties"): Case(
        "denied", ok=403, params=(("creator_id", "penalty_creator_id"),)
    ),
    ("POST", "/operator/creators/{creator_id}/penalties"): Case(
        "denied", _form, ok=403, params=(("creator_id", "penalty_creator_id"),)
    ),
    ("POST", "/operator/creator-appeals/{appeal_id}/answer"): Case(
        "denied",
        lambda ids, csrf: {"data": {"csrf_token": csrf, "uphold": "0", "note": "证据不足"}},
        ok=403,
        params=(("appeal_id", "creator_appeal_id"),),
    ),
}


def prepare(world, owner, buyer, ids: Ids) -> None:
    """The owner's creator account and a live session in their own room (once per set of ids)."""
    if "penalty_session_id" in ids.extra:
        return
    app = world.app
    with app.uow.begin() as c:
        found = c.execute(select(creator_rows.c.id).where(creator_rows.c.user_id == owner.user_id)).scalar()
        if found is None:
            new = creators.NewCreator(f"creator_{owner.user_id}", "店主达人", 5_000)
            found = creators.register_creator(c, owner, new, at=world.now)
        room_id = rooms.open_room(c, owner, app.rulebook, title="达人带货间", at=world.now)
        session_id = rooms.go_live(c, owner, room_id=room_id, playback_url=HLS, at=world.now)
        penalty_ids = [_video_penalty(c, found, ids, f"tenancy-p{next(REFS)}", world.now) for _ in range(2)]
        appeal = creator_appeals.file_appeal(
            c, owner, penalty_ids[1], reason="有证据", book=app.rulebook, at=world.now
        )
    ids.extra["penalty_creator_id"] = found
    ids.extra["penalty_session_id"] = session_id
    ids.extra["creator_penalty_id"] = penalty_ids[0]
    ids.extra["creator_appeal_id"] = appeal


def _video_penalty(c, creator_id: int, ids: Ids, ref: str, at) -> int:
    """A recorded video violation with no actions (written directly: a live violation through the
    service would count towards the operator's positive control and raise its tier)."""
    return inserted_id(
        c,
        creator_penalties.insert().values(
            creator_id=creator_id, clause="creator.false-advertising", ref=ref, scene="video",
            subject_id=1, product_id=ids.product_id, sessions=0, in_session=0, videos=1, harm="none",
            tier=1, reason="口播与详情不符", evidence="", status="in_force",
            decided_by=ids_user(c, creator_id), decided_at=at,
        ),
    )  # fmt: skip


def ids_user(c, creator_id: int) -> int:
    return c.execute(select(creator_rows.c.user_id).where(creator_rows.c.id == creator_id)).scalar_one()
