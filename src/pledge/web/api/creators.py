"""Creators and the affiliate marketplace (精选联盟): a user becomes a creator and fills a showcase
with products merchants let them sell; merchants offer effective-dated commission rates; the
platform sets creators' grades and standing (docs/creators.md)."""

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from pledge.creators import payouts as creator_payouts
from pledge.creators import queries, safety
from pledge.creators import services as creators
from pledge.creators.statements import CREATOR_WORDS, creator_statement
from pledge.settlement.policy import month_bounds
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.creators import (
    CommissionSummaryOut,
    CreatorOrdersOut,
    CreatorOut,
    CreatorPayoutOut,
    CreatorStatementOut,
    GradeOut,
    RateOfferedOut,
    ShowcaseAddedOut,
    ShowcaseOut,
)
from pledge.web.deps import ApiActor, AppDep
from pledge.web.downloads import month_or_current, statement_response
from pledge.web.types import Count, FenAmount, Id, Moment, Month, Name, PathId, RateBp, Reason, Word

router = ApiModuleRouter(tags=["creators"])


class CreatorIn(BaseModel):
    handle: Annotated[str, Field(strict=True, max_length=30)]
    display_name: Name
    follower_count: Count
    category_ids: Annotated[list[Id], Field(max_length=20)] = []


class ShowcaseIn(BaseModel):
    product_id: Id


class RateIn(BaseModel):
    rate_bp: RateBp
    starts_at: Moment
    ends_at: Moment | None = None
    creator_id: Id | None = None  # a rate for this creator only (指定达人); none: every creator


class StatusIn(BaseModel):
    status: Literal["active", "limited", "removed"]


class GradeIn(BaseModel):
    period_start: date
    grade: Annotated[str, Field(strict=True, max_length=2)]


@router.post("/creators", status_code=201, summary="Become a creator", responses={201: {"model": CreatorOut}})
def register(body: CreatorIn, app: AppDep, actor: ApiActor) -> dict:
    new = creators.NewCreator(body.handle, body.display_name, body.follower_count, tuple(body.category_ids))
    with app.uow.begin() as conn:
        creator_id = creators.register_creator(conn, actor, new, at=app.clock.now())
        return queries.creator_profile(conn, creator_id)


@router.get(
    "/creators/me", summary="Creator: my profile and showcase", responses={200: {"model": CreatorOut}}
)
def me(app: AppDep, actor: ApiActor) -> dict:
    with app.uow.read() as conn:
        return queries.creator_profile(conn, creators.creator_of(conn, actor).id)


@router.post(
    "/creators/me/showcase",
    status_code=201,
    summary="Creator: add a marketplace product to my showcase (橱窗)",
    responses={201: {"model": ShowcaseAddedOut}},
)
def add_to_showcase(body: ShowcaseIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        rate = creators.add_to_showcase(
            conn, actor, app.rulebook, product_id=body.product_id, at=app.clock.now()
        )
    return {"product_id": body.product_id, "rate_bp": rate.rate_bp, "exclusive": rate.exclusive}


@router.delete(
    "/creators/me/showcase/{product_id}",
    summary="Creator: take a product out of my showcase",
    responses={200: {"model": ShowcaseOut}},
)
def remove_from_showcase(product_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        creators.remove_from_showcase(conn, actor, product_id=product_id)
        return {"showcase": creators.showcase(conn, creators.creator_of(conn, actor).id)}


@router.post(
    "/products/{product_id}/affiliate-rates",
    status_code=201,
    summary="Merchant: offer a commission rate for a product, effective-dated (periods never overlap)",
    responses={201: {"model": RateOfferedOut}},
)
def offer_rate(product_id: PathId, body: RateIn, app: AppDep, actor: ApiActor) -> dict:
    new = creators.NewRate(product_id, body.rate_bp, body.starts_at, body.ends_at, body.creator_id)
    with app.uow.begin() as conn:
        rate_id = creators.offer_rate(conn, actor, new, at=app.clock.now())
    return {
        "id": rate_id,
        "product_id": product_id,
        "rate_bp": body.rate_bp,
        "starts_at": body.starts_at,
        "ends_at": body.ends_at,
        "creator_id": body.creator_id,
    }


@router.put(
    "/creators/{creator_id}/status",
    summary="Operator: limit, restore or remove a creator (removal empties the showcase, stops "
    "their sessions and freezes their unpaid commissions for 180 days)",
    responses={200: {"model": CreatorOut}},
)
def set_status(creator_id: PathId, body: StatusIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        safety.change_standing(
            conn, actor, app.rulebook, creator_id=creator_id, status=body.status, at=app.clock.now()
        )
        return queries.creator_profile(conn, creator_id)


@router.put(
    "/creators/{creator_id}/grade",
    summary="Operator: publish a creator's grade for the period starting on the 9th",
    responses={200: {"model": GradeOut}},
)
def set_grade(creator_id: PathId, body: GradeIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        creators.set_grade(
            conn,
            actor,
            app.rulebook,
            creator_id=creator_id,
            period_start=body.period_start,
            grade=body.grade,
            at=app.clock.now(),
        )
    return {"creator_id": creator_id, "period_start": body.period_start, "grade": body.grade.strip().upper()}


@router.get(
    "/creators/me/orders",
    summary="Creator: the paid orders attributed to me, newest first, with their commissions and "
    "whether the shop shipped them late",
    responses={200: {"model": CreatorOrdersOut}},
)
def my_orders(app: AppDep, actor: ApiActor, month: Month | None = None) -> dict:
    with app.uow.read() as conn:
        creator_id = creators.creator_of(conn, actor).id
        since, until = month_bounds(month, app.rulebook.timezone) if month else (None, None)
        return {"orders": queries.creator_orders(conn, creator_id, since=since, until=until)}


@router.get(
    "/creators/me/commissions",
    summary="Creator: GMV and commissions (pending, settled, returned, service fees) of orders "
    "paid in a month, by product and by session, my balances and what is payable after the reserve",
    responses={200: {"model": CommissionSummaryOut}},
)
def my_commissions(app: AppDep, actor: ApiActor, month: Month | None = None) -> dict:
    with app.uow.read() as conn:
        creator_id = creators.creator_of(conn, actor).id
        since, until = month_bounds(month_or_current(app, month), app.rulebook.timezone)
        summary = queries.commission_summary(conn, creator_id, since=since, until=until)
        return {**summary, "payable": queries.payable(conn, app.rulebook, creator_id, now=app.clock.now())}


@router.get(
    "/creators/me/statement",
    summary="Creator: the month's statement, every line with its clause; totals checked against "
    "the ledger. format=json|csv|pdf",
    responses={
        200: {
            "model": CreatorStatementOut,
            "content": {"text/csv": {}, "application/pdf": {}},
            "description": "JSON, or a CSV or PDF download (format=csv|pdf)",
        }
    },
)
def my_statement(app: AppDep, actor: ApiActor, month: Month | None = None, format: Word = "json"):
    with app.uow.read() as conn:
        creator_id = creators.creator_of(conn, actor).id
        data = creator_statement(conn, app.rulebook, creator_id, month_or_current(app, month))
    return statement_response(app, data, format, words=CREATOR_WORDS, prefix="creator-statement")


class PayoutIn(BaseModel):
    amount_fen: FenAmount


@router.post(
    "/creators/me/payouts",
    status_code=201,
    summary="Creator: withdraw from what is payable (available less the 5 % reserve; nothing "
    "while a violation freeze is in force); the worker sends it through the payout adapter",
    responses={201: {"model": CreatorPayoutOut}},
)
def request_payout(body: PayoutIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        payout_id = creator_payouts.request_creator_payout(
            conn, actor, app.rulebook, amount_fen=body.amount_fen, at=app.clock.now()
        )
    return {"id": payout_id, "amount_fen": body.amount_fen, "status": "pending"}


class BankReturnIn(BaseModel):
    reason: Reason


@router.post(
    "/creators/payouts/{payout_id}/return",
    summary="Finance: the bank returned a creator's payout (the amount is available to them again)",
    responses={200: {"model": CreatorPayoutOut}},
)
def bank_return(payout_id: PathId, body: BankReturnIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        creator_payouts.return_creator_payout(conn, actor, payout_id, reason=body.reason, at=app.clock.now())
        return creator_payouts.payout_view(conn, payout_id)
