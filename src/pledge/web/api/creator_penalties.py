"""Creator penalties (issue 14): trust & safety records a creator's violation under a creator
ladder clause and reads a creator's record; a creator reads their own."""

from typing import Annotated, Literal

from pydantic import BaseModel

from pledge.governance import creator_appeals, creator_records
from pledge.governance import creator_penalties as cp
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.creator_penalties import CreatorPenaltyDecidedOut, CreatorPenaltyOut
from pledge.web.api.schemas.governance import AppealOut
from pledge.web.deps import ApiActor, AppDep
from pledge.web.live_actions import publish_cut
from pledge.web.types import Code, Id, Note, PathId, Reason, TextRule

router = ApiModuleRouter(tags=["governance"])


class ViolationIn(BaseModel):
    clause: Code
    ref: Annotated[str, TextRule(cp.REF_MAX)]
    scene: Literal["live", "video"]
    subject_id: Id
    product_id: Id
    harm: Literal["none", "light", "heavy", "severe"] = "none"
    reason: Reason
    evidence: Note = ""


@router.post(
    "/governance/creators/{creator_id}/penalties",
    status_code=201,
    summary="Reviewers: record a creator's violation; its tier's actions apply at once",
    responses={201: {"model": CreatorPenaltyDecidedOut}},
)
def post_creator_penalty(creator_id: PathId, body: ViolationIn, app: AppDep, actor: ApiActor) -> dict:
    violation = cp.Violation(
        creator_id, body.clause, body.ref, body.scene, body.subject_id, body.product_id,
        body.reason, body.evidence, body.harm,
    )  # fmt: skip
    with app.uow.begin() as conn:
        decided = cp.record_violation(conn, actor, violation, book=app.rulebook, at=app.clock.now())
    if decided.cut_session is not None:
        publish_cut(app, decided.cut_session)
    return {"id": decided.penalty_id, "tier": decided.tier, "cut_session": decided.cut_session}


@router.get(
    "/governance/creators/{creator_id}/penalties",
    summary="Reviewers: a creator's penalties with their actions",
    responses={200: {"model": list[CreatorPenaltyOut]}},
)
def get_creator_penalties(creator_id: PathId, app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.read() as conn:
        return creator_records.for_reviewer(conn, actor, creator_id, app.rulebook)


@router.get(
    "/creators/me/penalties",
    summary="A creator's own penalties: the reason, the clause and each action's end",
    responses={200: {"model": list[CreatorPenaltyOut]}},
)
def get_my_penalties(app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.read() as conn:
        return creator_records.for_creator(conn, actor, app.rulebook)


class CreatorAppealIn(BaseModel):
    reason: Reason


class CreatorAnswerIn(BaseModel):
    uphold: bool
    note: Reason


@router.post(
    "/creators/me/penalties/{penalty_id}/appeal",
    status_code=201,
    summary="A creator appeals their own penalty (within 14 days)",
    responses={201: {"model": AppealOut}},
)
def post_creator_appeal(penalty_id: PathId, body: CreatorAppealIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        appeal_id = creator_appeals.file_appeal(
            conn, actor, penalty_id, reason=body.reason, book=app.rulebook, at=app.clock.now()
        )
    return {"id": appeal_id, "status": "filed"}


@router.post(
    "/governance/creator-appeals/{appeal_id}/answer",
    summary="Reviewers: uphold (the penalty is reversed) or reject a creator's appeal",
    responses={200: {"model": AppealOut}},
)
def post_creator_answer(appeal_id: PathId, body: CreatorAnswerIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        status = creator_appeals.answer_appeal(
            conn, actor, appeal_id, uphold=body.uphold, note=body.note, at=app.clock.now()
        )
    return {"id": appeal_id, "status": status.value}
