"""Settlement API: a shop's balance (pending vs available), statements (JSON, CSV, PDF), programs
and savings, applications and payouts; for finance staff: programs with their history,
approvals, deposits, bank returns and the reconciliation report."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, StrictBool

from pledge.accounts.services import Actor
from pledge.kernel.clock import parse_iso
from pledge.kernel.errors import InvalidInput
from pledge.settlement import deposits, fees, payouts, queries, reports, statements
from pledge.settlement import programs as program_cases
from pledge.settlement.model import ApplicationStatus, PayoutStatus
from pledge.settlement.payouts import provider_for
from pledge.web.deps import api_actor, pledge
from pledge.web.types import (
    Code,
    Count,
    Days,
    FenAmount,
    Id,
    IsoTime,
    Month,
    Name,
    Note,
    OptionalName,
    PathId,
    RateBp,
    Reason,
    TierNumber,
    Word,
    text,
)

router = APIRouter(tags=["settlement"])
MAX_CATEGORIES = 100
MAX_TIERS = 20
FORMATS = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


def month_or_current(app, month: str | None) -> str:
    return month or fees.month_of(app.clock.now(), app.rulebook.timezone)


def statement_response(app, data: dict, fmt: str):
    """The statement as JSON (a dict), or as a CSV / PDF download."""
    if fmt == "json":
        return data
    if fmt not in FORMATS:
        raise InvalidInput(f"format is json, csv or pdf, not {fmt!r}")
    body = (
        statements.to_csv(data, app.rulebook.timezone)
        if fmt == "csv"
        else statements.to_pdf(data, app.rulebook.timezone)
    )
    name = f"statement-{data['shop_id']}-{data['month']}.{fmt}"
    return Response(
        body, media_type=FORMATS[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get(
    "/shops/{shop_id}/balance",
    summary="Pending, available, frozen and payable proceeds (each freeze with its "
    "clause and release time), the deposit against what is owed, payouts",
)
def balance(shop_id: PathId, request: Request, actor: Actor = Depends(api_actor)) -> dict:
    app = pledge(request)
    with app.uow.read() as conn:
        return queries.balance(conn, actor, app.rulebook, shop_id, now=app.clock.now())


@router.get(
    "/shops/{shop_id}/statement",
    summary="The month's statement: every line with its clause; totals checked "
    "against the ledger. format=json|csv|pdf",
)
def statement(
    shop_id: PathId,
    request: Request,
    month: Month | None = None,
    format: Word = "json",
    actor: Actor = Depends(api_actor),
):
    app = pledge(request)
    with app.uow.read() as conn:
        data = reports.statement(conn, actor, app.rulebook, shop_id, month_or_current(app, month))
    return statement_response(app, data, format)


@router.get(
    "/shops/{shop_id}/programs", summary="Fee programs open to the shop, its applications and its savings"
)
def shop_programs(shop_id: PathId, request: Request, actor: Actor = Depends(api_actor)) -> dict:
    app = pledge(request)
    with app.uow.read() as conn:
        return queries.shop_programs(conn, actor, shop_id, now=app.clock.now())


class ApplicationIn(BaseModel):
    program_id: Id
    note: Note = ""


@router.post("/shops/{shop_id}/program-applications", status_code=201, summary="Apply to a program")
def apply(shop_id: PathId, body: ApplicationIn, request: Request, actor: Actor = Depends(api_actor)) -> dict:
    app = pledge(request)
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


@router.post("/shops/{shop_id}/payouts", status_code=201, summary="Pay out part of the available balance")
def request_payout(
    shop_id: PathId, body: PayoutIn, request: Request, actor: Actor = Depends(api_actor)
) -> dict:
    app = pledge(request)
    with app.uow.begin() as conn:
        payout_id = payouts.request_payout(
            conn, actor, app.rulebook, shop_id, amount_fen=body.amount_fen, at=app.clock.now()
        )
    return {
        "id": payout_id,
        "shop_id": shop_id,
        "amount_fen": body.amount_fen,
        "status": PayoutStatus.PENDING.value,
    }


class DepositIn(BaseModel):
    amount_fen: FenAmount
    reference: text(80)  # settlement.deposits.reference is VARCHAR(80)


@router.post("/shops/{shop_id}/deposits", status_code=201, summary="Finance: record a deposit transfer")
def top_up(shop_id: PathId, body: DepositIn, request: Request, actor: Actor = Depends(api_actor)) -> dict:
    app = pledge(request)
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
)
def set_terms(shop_id: PathId, body: TermsIn, request: Request, actor: Actor = Depends(api_actor)) -> dict:
    app = pledge(request)
    with app.uow.begin() as conn:
        return deposits.set_zero_entry(
            conn, actor, shop_id, zero_entry=body.zero_entry, at=app.clock.now(), book=app.rulebook
        )


Tier = Annotated[list[TierNumber], Field(min_length=2, max_length=2)]  # [turnover from, in fen; share in bp]
Categories = Annotated[list[Name], Field(max_length=MAX_CATEGORIES)]
Tiers = Annotated[list[Tier], Field(max_length=MAX_TIERS)]


class ProgramIn(BaseModel):
    code: text(60)  # settlement.programs.code is VARCHAR(60)
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


def _when(app, text: str | None) -> datetime | None:
    return parse_iso(text, app.rulebook.timezone) if text else None


@router.get("/settlement/programs", summary="Finance: every program")
def programs(request: Request, actor: Actor = Depends(api_actor)) -> list[dict]:
    with pledge(request).uow.read() as conn:
        return queries.finance_overview(conn, actor)["programs"]


@router.post("/settlement/programs", status_code=201, summary="Finance: launch a program (waiver or rebate)")
def create_program(body: ProgramIn, request: Request, actor: Actor = Depends(api_actor)) -> dict:
    app = pledge(request)
    spec = program_cases.ProgramSpec(
        code=body.code,
        kind=body.kind,
        name=body.name,
        name_en=body.name_en,
        starts_at=_when(app, body.starts_at),
        ends_at=_when(app, body.ends_at),
        rate_bp=body.rate_bp,
        categories=tuple(body.categories),
        shop_id=body.shop_id,
        channel=body.channel,
        requires_application=body.requires_application,
        tiers=tuple(tuple(t) for t in body.tiers),
        task_orders=body.task_orders,
        days=body.days,
    )
    with app.uow.begin() as conn:
        program_id = program_cases.create_program(conn, actor, spec, at=app.clock.now(), note=body.note)
        return queries.program_detail(conn, actor, program_id)


@router.get("/settlement/programs/{program_id}", summary="Finance: a program with its configuration history")
def program(program_id: PathId, request: Request, actor: Actor = Depends(api_actor)) -> dict:
    with pledge(request).uow.read() as conn:
        return queries.program_detail(conn, actor, program_id)


class ProgramChange(BaseModel):
    """Only the fields sent change. Those a program always has may be left out but not sent as
    null; null clears the ones it may lack (rate, channel, end, task, days)."""

    note: Note
    name: Name = Field(None)
    name_en: OptionalName = Field(None)
    rate_bp: RateBp | None = None
    categories: Categories = Field(None)
    channel: Code | None = None
    starts_at: IsoTime = Field(None)
    ends_at: IsoTime | None = None
    requires_application: bool = Field(None)
    tiers: Tiers = Field(None)
    task_orders: Count | None = None
    days: Days | None = None


@router.patch(
    "/settlement/programs/{program_id}", summary="Finance: change a program (a new version with history)"
)
def change_program(
    program_id: PathId, body: ProgramChange, request: Request, actor: Actor = Depends(api_actor)
) -> dict:
    app = pledge(request)
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if k != "note"}
    for key in ("starts_at", "ends_at"):
        if key in changes:
            changes[key] = _when(app, changes[key])
    with app.uow.begin() as conn:
        program_cases.update_program(conn, actor, program_id, at=app.clock.now(), note=body.note, **changes)
        return queries.program_detail(conn, actor, program_id)


@router.get("/settlement/applications", summary="Finance: applications to programs, pending first")
def applications(request: Request, actor: Actor = Depends(api_actor)) -> list[dict]:
    with pledge(request).uow.read() as conn:
        return queries.pending_applications(conn, actor)


class DecisionIn(BaseModel):
    approve: bool


@router.post(
    "/settlement/applications/{application_id}/decision", summary="Finance: approve or reject an application"
)
def decide(
    application_id: PathId, body: DecisionIn, request: Request, actor: Actor = Depends(api_actor)
) -> dict:
    app = pledge(request)
    with app.uow.begin() as conn:
        status = program_cases.decide_application(
            conn, actor, application_id, approve=body.approve, at=app.clock.now()
        )
    return {"id": application_id, "status": status}


@router.get("/settlement/payouts", summary="Finance: recent payouts of every shop")
def all_payouts(request: Request, actor: Actor = Depends(api_actor)) -> list[dict]:
    with pledge(request).uow.read() as conn:
        return queries.finance_overview(conn, actor)["payouts"]


class ReturnIn(BaseModel):
    reason: Reason


@router.post("/settlement/payouts/{payout_id}/return", summary="Finance: the bank returned a payout")
def bank_return(
    payout_id: PathId, body: ReturnIn, request: Request, actor: Actor = Depends(api_actor)
) -> dict:
    app = pledge(request)
    with app.uow.begin() as conn:
        payouts.return_payout(conn, actor, payout_id, reason=body.reason, at=app.clock.now())
    return {"id": payout_id, "status": PayoutStatus.RETURNED.value}


@router.get(
    "/settlement/reconciliation", summary="Finance: ledger vs payment provider vs payouts for a month"
)
def reconciliation(request: Request, month: Month | None = None, actor: Actor = Depends(api_actor)) -> dict:
    app = pledge(request)
    with app.uow.read() as conn:
        return reports.reconciliation(
            conn, actor, app.rulebook, month_or_current(app, month), provider_for(app)
        )
