"""The affiliate marketplace as creators browse it, and sample requests (寄样): a creator asks
(or buys a paid sample), the product's shop approves or declines and ships, the creator confirms
receipt, promotes the product or sends the sample back (docs/creators.md)."""

from typing import Annotated, Literal

from annotated_types import Interval
from pydantic import BaseModel

from pledge.creators import sample_duties, samples, views
from pledge.creators.marketplace import MAX_PAGE, Filters, Sort, marketplace
from pledge.creators.model import SampleKind
from pledge.creators.sample_plans import MAX_TARGET_ORDERS, SamplePlan, plan_row, set_sample_plan
from pledge.creators.services import creator_of
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.creators import (
    MarketPageOut,
    SampleOut,
    SamplePlanOut,
    SamplesOut,
    ShopAffiliateOut,
)
from pledge.web.deps import ApiActor, AppDep
from pledge.web.types import Count, FenAmount, Id, PathId, TextRule, TrackingNo

router = ApiModuleRouter(tags=["creators"])
Bp = Annotated[int, Interval(ge=0, le=10_000)]


class SampleIn(BaseModel):
    product_id: Id
    note: Annotated[str, TextRule(samples.NOTE_MAX, required=False)] = ""


class DecisionIn(BaseModel):
    approve: bool


class ShipmentIn(BaseModel):
    tracking_no: TrackingNo


@router.get(
    "/creators/me/marketplace",
    summary="Creator: the affiliate marketplace (精选联盟), filtered, sorted and paged",
    responses={200: {"model": MarketPageOut}},
)
def browse(
    app: AppDep,
    actor: ApiActor,
    min_rate_bp: Bp | None = None,
    category_id: PathId | None = None,
    min_score_tenths: Annotated[int, Interval(ge=0, le=50)] | None = None,
    max_late_ship_bp: Bp | None = None,
    sort: Sort = Sort.RATE,
    page: Annotated[int, Interval(ge=1, le=MAX_PAGE)] = 1,
) -> dict:
    f = Filters(min_rate_bp, category_id, min_score_tenths, max_late_ship_bp, sort, page)
    with app.uow.read() as conn:
        return marketplace(conn, creator_of(conn, actor).id, app.rulebook, f, now=app.clock.now())


@router.post(
    "/creators/me/samples",
    status_code=201,
    summary="Creator: ask a shop for a free sample (寄样) of a marketplace product",
    responses={201: {"model": SampleOut}},
)
def request_sample(body: SampleIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        new = samples.NewSample(body.product_id, body.note)
        sample_id = samples.request_sample(conn, actor, app.rulebook, new, at=app.clock.now())
        return views.sample_view(conn, app.rulebook, sample_id)


@router.get(
    "/creators/me/samples", summary="Creator: my sample requests", responses={200: {"model": SamplesOut}}
)
def my_samples(app: AppDep, actor: ApiActor) -> dict:
    with app.uow.read() as conn:
        return {"samples": views.creator_samples(conn, creator_of(conn, actor).id, app.rulebook)}


@router.post(
    "/creators/me/samples/{sample_id}/cancel",
    summary="Creator: withdraw a sample request not shipped yet",
    responses={200: {"model": SampleOut}},
)
def cancel_sample(sample_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        samples.cancel_sample(conn, actor, sample_id=sample_id, at=app.clock.now())
        return views.sample_view(conn, app.rulebook, sample_id)


@router.post(
    "/creators/me/samples/{sample_id}/receipt",
    summary="Creator: confirm a sample arrived",
    responses={200: {"model": SampleOut}},
)
def confirm_receipt(sample_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        samples.receive_sample(conn, actor, sample_id=sample_id, at=app.clock.now())
        return views.sample_view(conn, app.rulebook, sample_id)


@router.get(
    "/shops/{shop_id}/affiliate",
    summary="Merchant: the shop's affiliate rates, the creators selling its products, sample requests",
    responses={200: {"model": ShopAffiliateOut}},
)
def shop_affiliate(shop_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.read() as conn:
        return views.shop_affiliate(conn, actor, app.rulebook, shop_id, now=app.clock.now())


@router.post(
    "/samples/{sample_id}/decision",
    summary="Merchant: approve or decline a sample request (within 72 h)",
    responses={200: {"model": SampleOut}},
)
def decide(sample_id: PathId, body: DecisionIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        samples.decide_sample(
            conn, actor, app.rulebook, sample_id=sample_id, approve=body.approve, at=app.clock.now()
        )
        return views.sample_view(conn, app.rulebook, sample_id)


@router.post(
    "/samples/{sample_id}/shipment",
    summary="Merchant: ship an approved sample under its tracking number (within 48 h)",
    responses={200: {"model": SampleOut}},
)
def ship(sample_id: PathId, body: ShipmentIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        samples.ship_sample(
            conn, actor, app.rulebook, sample_id=sample_id, tracking_no=body.tracking_no, at=app.clock.now()
        )
        return views.sample_view(conn, app.rulebook, sample_id)


class PlanIn(BaseModel):
    mode: Literal["paid", "review_free"]
    price_fen: FenAmount | None = None  # paid (买样返款): what the creator pays up front
    target_orders: Annotated[int, Interval(ge=1, le=MAX_TARGET_ORDERS)] | None = None  # paid: X
    min_followers: Count | None = None  # review-free (免审): followers approved at once


class PurchaseIn(BaseModel):
    product_id: Id


class PromotionIn(BaseModel):
    video_id: Id | None = None
    session_id: Id | None = None


@router.put(
    "/products/{product_id}/sample-plan",
    summary="Merchant: set a product's sample plan (paid 买样返款 or review-free 免审)",
    responses={200: {"model": SamplePlanOut}},
)
def set_plan(product_id: PathId, body: PlanIn, app: AppDep, actor: ApiActor) -> dict:
    plan = SamplePlan(SampleKind(body.mode), body.price_fen, body.target_orders, body.min_followers)
    with app.uow.begin() as conn:
        set_sample_plan(conn, actor, product_id=product_id, plan=plan, at=app.clock.now())
        row = plan_row(conn, product_id)
    return {k: getattr(row, k) for k in ("product_id", "mode", "price_fen", "target_orders", "min_followers")}


@router.post(
    "/creators/me/samples/purchase",
    status_code=201,
    summary="Creator: buy a paid sample (买样返款); refunded once the promotion target is met",
    responses={201: {"model": SampleOut}},
)
def buy(body: PurchaseIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        sample_id = samples.buy_sample(
            conn, actor, app.rulebook, product_id=body.product_id, at=app.clock.now()
        )
        return views.sample_view(conn, app.rulebook, sample_id)


@router.post(
    "/creators/me/samples/{sample_id}/promotion",
    summary="Creator: the video or live session that promoted a free sample (its duty is met)",
    responses={200: {"model": SampleOut}},
)
def promoted(sample_id: PathId, body: PromotionIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        sample_duties.report_promotion(
            conn,
            actor,
            app.rulebook,
            sample_id=sample_id,
            video_id=body.video_id,
            session_id=body.session_id,
            at=app.clock.now(),
        )
        return views.sample_view(conn, app.rulebook, sample_id)


@router.post(
    "/creators/me/samples/{sample_id}/return",
    summary="Creator: send a received sample back under a waybill (中止交付 / 退货退款)",
    responses={200: {"model": SampleOut}},
)
def send_back(sample_id: PathId, body: ShipmentIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        sample_duties.return_sample(
            conn, actor, app.rulebook, sample_id=sample_id, tracking_no=body.tracking_no, at=app.clock.now()
        )
        return views.sample_view(conn, app.rulebook, sample_id)


@router.post(
    "/samples/{sample_id}/return-receipt",
    summary="Merchant: the returned sample arrived (a paid one is refunded)",
    responses={200: {"model": SampleOut}},
)
def return_received(sample_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        sample_duties.confirm_return(conn, actor, sample_id=sample_id, at=app.clock.now())
        return views.sample_view(conn, app.rulebook, sample_id)
