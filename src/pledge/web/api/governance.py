"""Trust & safety: users report a listing, live session or comment; reviewers read the queue and
decide each item once; operators and reviewers impose penalties by rulebook and cut live streams;
a shop reads its penalties and appeals them; anyone reads the transparency report."""

from datetime import date
from typing import Literal

from pydantic import BaseModel

from pledge.governance import appeals, penalties, queries, report
from pledge.governance import services as governance
from pledge.governance.model import Decision, Subject
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.governance import (
    AppealOut,
    CutOut,
    DecisionOut,
    PenaltyOut,
    QueueItemOut,
    ReportedOut,
    ShopPenaltyOut,
    TransparencyOut,
)
from pledge.web.deps import ApiActor, AppDep
from pledge.web.live_actions import publish_cut, publish_decision
from pledge.web.types import Code, Id, Note, PathId, Reason, RequiredNote

router = ApiModuleRouter(prefix="/governance", tags=["governance"])


class ReportIn(BaseModel):
    subject: Subject
    subject_id: Id
    reason: RequiredNote


class DecisionIn(BaseModel):
    decision: Literal["allow", "remove"]
    note: RequiredNote
    clause: Code | None = None


class PenaltyIn(BaseModel):
    shop_id: Id
    clause: Code
    reason: Reason
    evidence: Note = ""
    product_id: Id | None = None
    item_id: Id | None = None


class CutIn(BaseModel):
    reason: Reason
    clause: Code


class AppealIn(BaseModel):
    reason: Reason


class AnswerIn(BaseModel):
    uphold: bool
    note: Reason


@router.post(
    "/reports",
    status_code=201,
    summary="Report a listing, live session or comment",
    responses={201: {"model": ReportedOut}},
)
def post_report(body: ReportIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        item_id = governance.report(
            conn, actor, governance.Reported(body.subject, body.subject_id, body.reason), at=app.clock.now()
        )
    return {"id": item_id}


@router.get(
    "/queue",
    summary="Reviewers: open items, riskiest then oldest",
    responses={200: {"model": list[QueueItemOut]}},
)
def get_queue(app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.read() as conn:
        return queries.queue(conn, actor)


@router.get(
    "/items/{item_id}",
    summary="Reviewers: one item with its evidence",
    responses={200: {"model": QueueItemOut}},
)
def get_item(item_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.read() as conn:
        return queries.item(conn, actor, item_id)


@router.post(
    "/items/{item_id}/decision",
    summary="Reviewers: allow or remove, once",
    responses={200: {"model": DecisionOut}},
)
def post_decision(item_id: PathId, body: DecisionIn, app: AppDep, actor: ApiActor) -> dict:
    decision = Decision.ALLOW if body.decision == "allow" else Decision.REMOVE
    with app.uow.begin() as conn:
        answer = governance.decide(
            conn,
            actor,
            item_id,
            decision,
            note=body.note,
            book=app.rulebook,
            at=app.clock.now(),
            clause=body.clause,
            listener=app.listener,
        )
    publish_decision(app, answer)
    return answer


@router.post(
    "/penalties",
    status_code=201,
    summary="Reviewers: impose the next case of a ladder clause",
    responses={201: {"model": PenaltyOut}},
)
def post_penalty(body: PenaltyIn, app: AppDep, actor: ApiActor) -> dict:
    order = penalties.PenaltyOrder(
        body.shop_id, body.clause, body.reason, body.evidence, body.product_id, body.item_id
    )
    with app.uow.begin() as conn:
        return {"id": penalties.impose(conn, actor, order, book=app.rulebook, at=app.clock.now())}


@router.post(
    "/sessions/{session_id}/cut",
    summary="Operators and reviewers: cut a live session (断播)",
    responses={200: {"model": CutOut}},
)
def post_cut(session_id: PathId, body: CutIn, app: AppDep, actor: ApiActor) -> dict:
    penalty_id = publish_cut(app, session_id, actor=actor, reason=body.reason, clause=body.clause)
    return {"penalty_id": penalty_id, "session_id": session_id, "status": "cut"}


@router.get(
    "/shops/{shop_id}/penalties",
    summary="A shop's penalties with their actions and appeals",
    responses={200: {"model": list[ShopPenaltyOut]}},
)
def get_shop_penalties(shop_id: PathId, app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.read() as conn:
        return queries.shop_penalties(conn, actor, shop_id, app.rulebook)


@router.post(
    "/penalties/{penalty_id}/appeal",
    status_code=201,
    summary="The shop appeals a penalty (within 7 days)",
    responses={201: {"model": AppealOut}},
)
def post_appeal(penalty_id: PathId, body: AppealIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        appeal_id = appeals.file_appeal(
            conn, actor, penalty_id, reason=body.reason, book=app.rulebook, at=app.clock.now()
        )
    return {"id": appeal_id, "status": "filed"}


@router.post(
    "/appeals/{appeal_id}/answer",
    summary="Reviewers: uphold or reject an appeal",
    responses={200: {"model": AppealOut}},
)
def post_answer(appeal_id: PathId, body: AnswerIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        status = appeals.answer_appeal(
            conn, actor, appeal_id, uphold=body.uphold, note=body.note, at=app.clock.now()
        )
    return {"id": appeal_id, "status": status.value}


@router.get(
    "/transparency",
    summary="The transparency report for a period (public)",
    responses={200: {"model": TransparencyOut}},
)
def get_transparency(start: date, end: date, app: AppDep) -> dict:
    with app.uow.read() as conn:
        return report.governance_report(conn, start, end, app.rulebook.timezone).as_json()
