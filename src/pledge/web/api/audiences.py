"""Shop audiences (人群): the merchant defines audiences and targets them with a shop coupon or a
"we are live" notice; a buyer may opt out of a shop's campaigns."""

from dataclasses import asdict
from typing import Annotated

from pydantic import BaseModel, Field

from pledge.audiences import queries
from pledge.audiences import services as audiences
from pledge.audiences.model import Rule
from pledge.kernel import limits
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.audiences import AudienceOut, CampaignOut, OptOutOut
from pledge.web.deps import ApiActor, AppDep
from pledge.web.types import Id, IntRange, PathId, PriceFen, ShippingFen

router = ApiModuleRouter(tags=["audiences"])


class RuleIn(BaseModel):
    kind: Annotated[str, Field(strict=True, max_length=20)]  # viewed clicked carted ordered followers wishers
    days: Annotated[int, IntRange(0, limits.MAX_DAYS)] | None = None  # the clause bounds it tighter
    demand_id: Id | None = None


class AudienceIn(BaseModel):
    name: Annotated[str, Field(strict=True, max_length=audiences.NAME_MAX)]
    rules: Annotated[list[RuleIn], Field(max_length=50)]


class CampaignIn(BaseModel):
    kind: Annotated[str, Field(strict=True, max_length=10)]  # coupon | live
    amount_fen: PriceFen | None = None
    min_spend_fen: ShippingFen = 0  # 0: no minimum spend
    valid_days: Annotated[int, IntRange(0, limits.MAX_DAYS)] | None = None


def _audience(view: queries.AudienceView) -> dict:
    return asdict(view) | {"rules": [asdict(r) | {"kind": str(r.kind)} for r in view.rules]}


@router.post(
    "/shops/{shop_id}/audiences",
    status_code=201,
    summary="Merchant: define an audience, the union of its rules (clause audiences.rules)",
    responses={201: {"model": AudienceOut}},
)
def create_audience(shop_id: PathId, body: AudienceIn, app: AppDep, actor: ApiActor) -> dict:
    rules = [Rule(r.kind, r.days, r.demand_id) for r in body.rules]  # type: ignore[arg-type]  # checked by the service
    now = app.clock.now()
    with app.uow.begin() as conn:
        audience_id = audiences.create_audience(
            conn, actor, shop_id=shop_id, name=body.name, rules=rules, book=app.rulebook, at=now
        )
        return _audience(queries.view(conn, audiences.audience_of(conn, actor, audience_id), now))


@router.get(
    "/shops/{shop_id}/audiences",
    summary="Merchant: the shop's audiences with their sizes now",
    responses={200: {"model": list[AudienceOut]}},
)
def list_audiences(shop_id: PathId, app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.read() as conn:
        return [_audience(v) for v in queries.audiences_of(conn, actor, shop_id, at=app.clock.now())]


@router.post(
    "/audiences/{audience_id}/campaigns",
    status_code=201,
    summary="Merchant: draft a campaign for an audience: a shop coupon or a live notice",
    responses={201: {"model": CampaignOut}},
)
def create_campaign(audience_id: PathId, body: CampaignIn, app: AppDep, actor: ApiActor) -> dict:
    now = app.clock.now()
    with app.uow.begin() as conn:
        campaign_id = audiences.create_campaign(
            conn, actor, audience_id=audience_id, book=app.rulebook, at=now, **body.model_dump()
        )
        return asdict(queries.campaign_report(conn, actor, campaign_id, now=now))


@router.post(
    "/campaigns/{campaign_id}/send",
    summary="Merchant: send a draft campaign to its audience, once (opt-outs and the notice limit respected)",
    responses={200: {"model": CampaignOut}},
)
def send_campaign(campaign_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    now = app.clock.now()
    with app.uow.begin() as conn:
        audiences.send_campaign(conn, actor, campaign_id=campaign_id, book=app.rulebook, at=now)
        return asdict(queries.campaign_report(conn, actor, campaign_id, now=now))


@router.get(
    "/campaigns/{campaign_id}",
    summary="Merchant: a campaign's report: buyers reached, orders and GMV it brought",
    responses={200: {"model": CampaignOut}},
)
def campaign_report(campaign_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.read() as conn:
        return asdict(queries.campaign_report(conn, actor, campaign_id, now=app.clock.now()))


@router.get(
    "/shops/{shop_id}/campaigns",
    summary="Merchant: the shop's campaigns with their reports, newest first",
    responses={200: {"model": list[CampaignOut]}},
)
def list_campaigns(shop_id: PathId, app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.read() as conn:
        return [asdict(r) for r in queries.campaigns_of(conn, actor, shop_id, now=app.clock.now())]


@router.put(
    "/shops/{shop_id}/audience-opt-out",
    summary="Buyer: the shop's campaigns (coupons, live notices) no longer reach me",
    responses={200: {"model": OptOutOut}},
)
def opt_out(shop_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        return {
            "shop_id": shop_id,
            "opted_out": audiences.opt_out(conn, actor, shop_id=shop_id, at=app.clock.now()),
        }


@router.delete(
    "/shops/{shop_id}/audience-opt-out",
    summary="Buyer: the shop's campaigns may reach me again",
    responses={200: {"model": OptOutOut}},
)
def opt_in(shop_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        return {"shop_id": shop_id, "opted_out": audiences.opt_in(conn, actor, shop_id=shop_id)}
