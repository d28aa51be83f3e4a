"""Merchant experience score (商家体验分): the score under any rule version with its breakdown,
the orders behind an indicator, the version diff, the 30-day trend, the gates (campaign
sign-up, ad spend) with the clause that decides, and the operator's ranking."""

from pydantic import BaseModel, StrictBool

from pledge.experience import queries as experience_queries
from pledge.experience import services as experience
from pledge.kernel.clock import parse_iso
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.experience import (
    CompareOut,
    GateOut,
    HistoryOut,
    IncidentOut,
    IndicatorOut,
    ProfileOut,
    RankingOut,
    ScoreOut,
)
from pledge.web.deps import ApiActor, AppDep
from pledge.web.types import Code, FenQuery, IsoTime, Note, PathId, Word

router = ApiModuleRouter(tags=["experience"])


class IncidentIn(BaseModel):
    kind: Code
    occurred_at: IsoTime  # ISO 8601 with offset
    note: Note = ""


@router.get(
    "/shops/{shop_id}/experience",
    summary="The shop's score today under a version (default: the one in force)",
    responses={200: {"model": ScoreOut}},
)
def score(shop_id: PathId, app: AppDep, actor: ApiActor, version: Word | None = None) -> dict:
    with app.uow.read() as conn:
        return experience.shop_score(
            conn, actor, shop_id, book=app.rulebook, now=app.clock.now(), version=version
        ).as_dict()


@router.get(
    "/shops/{shop_id}/experience/indicators/{code}",
    summary="The orders behind one indicator, worst first, and what would raise it",
    responses={200: {"model": IndicatorOut}},
)
def indicator(shop_id: PathId, code: Word, app: AppDep, actor: ApiActor, version: Word | None = None) -> dict:
    with app.uow.read() as conn:
        return experience_queries.indicator_orders(
            conn, actor, shop_id, code, book=app.rulebook, now=app.clock.now(), version=version
        )


@router.get(
    "/shops/{shop_id}/experience/compare",
    summary="The same 30 days under two versions (default: in force vs latest): per indicator what changes "
    "and the orders that cause it",
    responses={200: {"model": CompareOut}},
)
def compare(
    shop_id: PathId, app: AppDep, actor: ApiActor, base: Word | None = None, target: Word | None = None
) -> dict:
    with app.uow.read() as conn:
        return experience_queries.compare_versions(
            conn, actor, shop_id, book=app.rulebook, now=app.clock.now(), base=base, target=target
        )


@router.get(
    "/shops/{shop_id}/experience/history",
    summary="Daily snapshots of the last 30 days",
    responses={200: {"model": list[HistoryOut]}},
)
def history(shop_id: PathId, app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.read() as conn:
        return experience.history(conn, actor, shop_id, book=app.rulebook, now=app.clock.now())


@router.get(
    "/shops/{shop_id}/experience/gates/{use}",
    summary="May the shop sign up for campaigns (campaign_signup) "
    "/ spend amount_fen on ads today (ad_spend)?",
    responses={200: {"model": GateOut}},
)
def gate(
    shop_id: PathId, use: Word, app: AppDep, actor: ApiActor, amount_fen: FenQuery | None = None
) -> dict:
    with app.uow.read() as conn:
        return experience.gate(
            conn, actor, shop_id, use, book=app.rulebook, now=app.clock.now(), amount_fen=amount_fen
        )


@router.post(
    "/shops/{shop_id}/experience/incidents",
    status_code=201,
    summary="Platform staff: record a behaviour incident (差行为) that the deduction clauses count",
    responses={201: {"model": IncidentOut}},
)
def incident(shop_id: PathId, body: IncidentIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        incident_id = experience.record_incident(
            conn,
            actor,
            shop_id,
            kind=body.kind,
            occurred_at=parse_iso(body.occurred_at),
            note=body.note,
            at=app.clock.now(),
        )
    return {"id": incident_id, "shop_id": shop_id, "kind": body.kind}


class ProfileIn(BaseModel):
    industry: Code  # the experience-score industry (体验分考核行业), e.g. 生活鲜花
    flagship: StrictBool = False


@router.put(
    "/shops/{shop_id}/experience/profile",
    summary="Operators: the shop's experience-score industry and store type (weights depend on both)",
    responses={200: {"model": ProfileOut}},
)
def profile(shop_id: PathId, body: ProfileIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        experience.set_profile(
            conn, actor, shop_id, industry=body.industry, flagship=body.flagship, at=app.clock.now()
        )
    return {"shop_id": shop_id, "industry": body.industry.strip(), "flagship": body.flagship}


@router.get(
    "/experience/ranking",
    summary="Platform staff: shops by their latest daily score",
    responses={200: {"model": list[RankingOut]}},
)
def ranking(app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.read() as conn:
        return experience.ranking(conn, actor, book=app.rulebook, now=app.clock.now())
