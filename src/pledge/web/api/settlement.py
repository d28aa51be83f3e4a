"""Settlement API: a shop's balance (pending vs available), statements (JSON, CSV, PDF), programs
and savings, applications and payouts; for finance staff: programs with their history,
approvals, deposits, bank returns and the reconciliation report."""

from __future__ import annotations

from dataclasses import fields
from typing import Annotated, Any

from pydantic import BaseModel, Field, StrictBool

from pledge.creators.payouts import reconciliation_rows as creator_payout_rows
from pledge.settlement import deposits, payouts, queries, reports
from pledge.settlement import programs as program_cases
from pledge.settlement.model import ApplicationStatus, PayoutStatus
from pledge.settlement.payouts import provider_for
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.settlement import (
    ApplicationOut,
    ApplyOut,
    BalanceOut,
    PayoutOut,
    ProgramOut,
    ProgramSummaryOut,
    ReconciliationOut,
    RequestPayoutOut,
    SetTermsOut,
    ShopProgramsOut,
    StatementOut,
    StatusChangeOut,
    TopUpOut,
)
from pledge.web.deps import ApiActor, AppDep
from pledge.web.downloads import month_or_current, platform_time, statement_response
from pledge.web.types import (
    Code,
    Count,
    Days,
    DepositReference,
    FenAmount,
    Id,
    IsoTime,
    Month,
    Name,
    Note,
    OptionalName,
    PageSize,
    PathId,
    ProgramCode,
    RateBp,
    Reason,
    TierNumber,
    Word,
)

router = ApiModuleRouter(tags=["settlement"])
MAX_CATEGORIES = 100
MAX_TIERS = 20


@router.get(
    "/shops/{shop_id}/balance",
    summary="Pending, available, frozen and payable proceeds (each freeze with its "
    "clause and release time), the deposit against what is owed, payouts",
    responses={200: {"model": BalanceOut}},
)
def balance(shop_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.read() as conn:
        return queries.balance(conn, actor, app.rulebook, shop_id, now=app.clock.now())


@router.get(
    "/shops/{shop_id}/statement",
    summary="The month's statement: every line with its clause; totals checked "
    "against the ledger. format=json|csv|pdf. With page (and page_size, kind), the JSON holds "
    "that page of the lines and lines_page says where it is; the totals and the downloads "
    "always cover the whole month",
    responses={
        200: {
            "model": StatementOut,
            "content": {"text/csv": {}, "application/pdf": {}},
            "description": "JSON, or a CSV or PDF download (format=csv|pdf)",
        }
    },
)
def statement(
    shop_id: PathId,
    app: AppDep,
    actor: ApiActor,
    month: Month | None = None,
    format: Word = "json",
    page: PathId | None = None,
    page_size: PageSize = reports.PAGE_LINES,
    kind: Word | None = None,
):
    with app.uow.read() as conn:
        data = reports.statement(conn, actor, app.rulebook, shop_id, month_or_current(app, month))
    if format == "json" and (page is not None or kind is not None):
        shown = reports.lines_page(data["lines"], page=page or 1, kind=kind, page_size=page_size)
        lines_page = {f.name: getattr(shown, f.name) for f in fields(shown) if f.name != "lines"}
        return dict(data, lines=shown.lines, lines_page=lines_page)
    return statement_response(app, data, format)


@router.get(
    "/shops/{shop_id}/programs",
    summary="Fee programs open to the shop, its applications and its savings",
    responses={200: {"model": ShopProgramsOut}},
)
def shop_programs(shop_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.read() as conn:
        return queries.shop_programs(conn, actor, shop_id, now=app.clock.now())


class ApplicationIn(BaseModel):
    program_id: Id
    note: Note = ""


@router.post(
    "/shops/{shop_id}/program-applications",
    status_code=201,
    summary="Apply to a program",
    responses={201: {"model": ApplyOut}},
)
def apply(shop_id: PathId, body: ApplicationIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        application_id = program_cases.apply_to_program(
            conn, actor, shop_id, body.program_id, at=app.clock.now(), note=body.note
        )
    return {
        "id": application_id,
        "program_id": body.program_id,
        "shop_id": shop_id,
        "status": ApplicationStatus.PENDING.value,
    }


class PayoutIn(BaseModel):
    amount_fen: FenAmount


@router.post(
    "/shops/{shop_id}/payouts",
    status_code=201,
    summary="Pay out part of the available balance",
    responses={201: {"model": RequestPayoutOut}},
)
def request_payout(shop_id: PathId, body: PayoutIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        payout_id = payouts.request_payout(
            conn,
            actor,
            app.rulebook,
            shop_id,
            amount_fen=body.amount_fen,
            at=app.clock.now(),
            guards=app.payout_guards,
        )
    return {
        "id": payout_id,
        "shop_id": shop_id,
        "amount_fen": body.amount_fen,
        "status": PayoutStatus.PENDING.value,
    }


class DepositIn(BaseModel):
    amount_fen: FenAmount
    reference: DepositReference


@router.post(
    "/shops/{shop_id}/deposits",
    status_code=201,
    summary="Finance: record a deposit transfer",
    responses={201: {"model": TopUpOut}},
)
def top_up(shop_id: PathId, body: DepositIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        deposit_id = deposits.top_up_deposit(
            conn,
            actor,
            shop_id,
            amount_fen=body.amount_fen,
            reference=body.reference,
            at=app.clock.now(),
            book=app.rulebook,
        )
    return {"id": deposit_id, "shop_id": shop_id, "amount_fen": body.amount_fen}


class TermsIn(BaseModel):
    zero_entry: StrictBool  # "yes" or 1 is refused, not guessed


@router.put(
    "/shops/{shop_id}/settlement-terms",
    summary="Finance: whether the shop is on 0元入驻 (no base deposit, 21-day settlement)",
    responses={200: {"model": SetTermsOut}},
)
def set_terms(shop_id: PathId, body: TermsIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        return deposits.set_zero_entry(
            conn, actor, shop_id, zero_entry=body.zero_entry, at=app.clock.now(), book=app.rulebook
        )


Tier = Annotated[list[TierNumber], Field(min_length=2, max_length=2)]  # [turnover from, in fen; share in bp]
Categories = Annotated[list[Name], Field(max_length=MAX_CATEGORIES)]
Tiers = Annotated[list[Tier], Field(max_length=MAX_TIERS)]


class ProgramIn(BaseModel):
    code: ProgramCode
    kind: Code
    name: Name
    name_en: OptionalName = ""
    starts_at: IsoTime
    ends_at: IsoTime | None = None
    rate_bp: RateBp | None = None
    categories: Categories = []
    shop_id: Id | None = None
    channel: Code | None = None
    requires_application: bool = False
    tiers: Tiers = []
    task_orders: Count | None = None
    days: Days | None = None
    note: Note = ""


@router.get(
    "/settlement/programs",
    summary="Finance: every program",
    responses={200: {"model": list[ProgramSummaryOut]}},
)
def programs(app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.read() as conn:
        return queries.finance_overview(conn, actor)["programs"]


@router.post(
    "/settlement/programs",
    status_code=201,
    summary="Finance: launch a program (waiver or rebate)",
    responses={201: {"model": ProgramOut}},
)
def create_program(body: ProgramIn, app: AppDep, actor: ApiActor) -> dict:
    spec = program_cases.ProgramSpec(
        code=body.code,
        kind=body.kind,
        name=body.name,
        name_en=body.name_en,
        starts_at=platform_time(app, body.starts_at),
        ends_at=platform_time(app, body.ends_at),
        rate_bp=body.rate_bp,
        categories=tuple(body.categories),
        shop_id=body.shop_id,
        channel=body.channel,
        requires_application=body.requires_application,
        tiers=tuple((t[0], t[1]) for t in body.tiers),
        task_orders=body.task_orders,
        days=body.days,
    )
    with app.uow.begin() as conn:
        program_id = program_cases.create_program(conn, actor, spec, at=app.clock.now(), note=body.note)
        return queries.program_detail(conn, actor, program_id)


@router.get(
    "/settlement/programs/{program_id}",
    summary="Finance: a program with its configuration history",
    responses={200: {"model": ProgramOut}},
)
def program(program_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.read() as conn:
        return queries.program_detail(conn, actor, program_id)


def left_out() -> Any:
    """The value of a field that was not sent (it may not be sent as null either)."""
    return None


class ProgramChange(BaseModel):
    """Only the fields sent change. Those a program always has may be left out but not sent as
    null; null clears the ones it may lack (rate, channel, end, task, days)."""

    note: Note
    name: Name = Field(default_factory=left_out)
    name_en: OptionalName = Field(default_factory=left_out)
    rate_bp: RateBp | None = None
    categories: Categories = Field(default_factory=left_out)
    channel: Code | None = None
    starts_at: IsoTime = Field(default_factory=left_out)
    ends_at: IsoTime | None = None
    requires_application: bool = Field(default_factory=left_out)
    tiers: Tiers = Field(default_factory=left_out)
    task_orders: Count | None = None
    days: Days | None = None


@router.patch(
    "/settlement/programs/{program_id}",
    summary="Finance: change a program (a new version with history)",
    responses={200: {"model": ProgramOut}},
)
def change_program(program_id: PathId, body: ProgramChange, app: AppDep, actor: ApiActor) -> dict:
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if k != "note"}
    for key in ("starts_at", "ends_at"):
        if key in changes:
            changes[key] = platform_time(app, changes[key])
    with app.uow.begin() as conn:
        program_cases.update_program(conn, actor, program_id, at=app.clock.now(), note=body.note, **changes)
        return queries.program_detail(conn, actor, program_id)


@router.get(
    "/settlement/applications",
    summary="Finance: applications to programs, pending first",
    responses={200: {"model": list[ApplicationOut]}},
)
def applications(app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.read() as conn:
        return queries.pending_applications(conn, actor)


class DecisionIn(BaseModel):
    approve: bool


@router.post(
    "/settlement/applications/{application_id}/decision",
    summary="Finance: approve or reject an application",
    responses={200: {"model": StatusChangeOut}},
)
def decide(application_id: PathId, body: DecisionIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        status = program_cases.decide_application(
            conn, actor, application_id, approve=body.approve, at=app.clock.now()
        )
    return {"id": application_id, "status": status}


@router.get(
    "/settlement/payouts",
    summary="Finance: recent payouts of every shop",
    responses={200: {"model": list[PayoutOut]}},
)
def all_payouts(app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.read() as conn:
        return queries.finance_overview(conn, actor)["payouts"]


class ReturnIn(BaseModel):
    reason: Reason


@router.post(
    "/settlement/payouts/{payout_id}/return",
    summary="Finance: the bank returned a payout",
    responses={200: {"model": StatusChangeOut}},
)
def bank_return(payout_id: PathId, body: ReturnIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        payouts.return_payout(conn, actor, payout_id, reason=body.reason, at=app.clock.now())
    return {"id": payout_id, "status": PayoutStatus.RETURNED.value}


@router.get(
    "/settlement/reconciliation",
    summary="Finance: ledger vs payment provider vs payouts for a month",
    responses={200: {"model": ReconciliationOut}},
)
def reconciliation(app: AppDep, actor: ApiActor, month: Month | None = None) -> dict:
    with app.uow.read() as conn:
        return reports.reconciliation(
            conn,
            actor,
            app.rulebook,
            month_or_current(app, month),
            provider_for(app),
            more_rows=(creator_payout_rows,),
        )
