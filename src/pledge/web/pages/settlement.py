"""Settlement pages. Merchants: balance (pending vs available), payouts, programs and savings,
monthly statements (HTML, CSV, PDF). Finance staff: programs with history, approvals, payouts
and bank returns, the reconciliation report."""

from __future__ import annotations

from fastapi import Request

from pledge.accounts.services import Permission
from pledge.creators.payouts import recent_payouts as recent_creator_payouts
from pledge.creators.payouts import reconciliation_rows as creator_payout_rows
from pledge.kernel.errors import Forbidden, InvalidInput
from pledge.kernel.money import parse_yuan
from pledge.settlement import deposits, fees, payouts, programs, queries, reports
from pledge.settlement.payouts import provider_for
from pledge.settlement.policy import previous_month
from pledge.web.deps import CheckedForm, PageCaller, pledge
from pledge.web.downloads import month_or_current, platform_time, statement_response
from pledge.web.forms import (
    form_text,
    optional_percent,
    parse_percent,
    required_number,
    whole_number,
)
from pledge.web.pages.routing import PageRouter
from pledge.web.render import language, redirect, render
from pledge.web.types import Code, Name, Note, OptionalName, PathId, ProgramCode, Reason, Word

router = PageRouter()
TIER_INVALID = "finance.tier.invalid"


@router.get("/merchant/settlement")
def merchant_settlement_home(request: Request, caller: PageCaller):
    if not caller.actor.shops:
        raise Forbidden("this account is not a member of any shop")
    return redirect(f"/merchant/shops/{min(caller.actor.shops)}/settlement")


@router.get("/merchant/shops/{shop_id}/settlement")
def shop_settlement(shop_id: PathId, request: Request, caller: PageCaller):
    actor = caller.actor
    app = pledge(request)
    now = app.clock.now()
    with app.uow.read() as conn:
        bal = queries.balance(conn, actor, app.rulebook, shop_id, now=now)
        progs = queries.shop_programs(conn, actor, shop_id, now=now)
    month = fees.month_of(now, app.rulebook.timezone)
    return render(
        request,
        "settlement_balance.html",
        shop_id=shop_id,
        balance=bal,
        programs=progs,
        months=[month, previous_month(month), previous_month(previous_month(month))],
        may_settle=actor.may(
            shop_id, Permission.SETTLEMENT
        ),  # payouts and applications; the services check too
    )


@router.get("/merchant/shops/{shop_id}/statement")
def shop_statement(
    shop_id: PathId,
    request: Request,
    caller: PageCaller,
    month: str | None = None,
    format: str = "html",
    page: PathId = 1,
    kind: Word | None = None,
):
    actor = caller.actor
    app = pledge(request)
    with app.uow.read() as conn:
        data = reports.statement(conn, actor, app.rulebook, shop_id, month_or_current(app, month))
    if format != "html":
        return statement_response(app, data, format, language(request))
    shown = reports.lines_page(data["lines"], page=page, kind=kind)
    return render(request, "settlement_statement.html", shop_id=shop_id, s=data, shown=shown)


@router.post("/merchant/shops/{shop_id}/settlement/apply")
def apply(shop_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        programs.apply_to_program(
            conn,
            caller.actor,
            shop_id,
            required_number(form.get("program_id"), "program_id"),
            at=app.clock.now(),
            note=form_text(form, "note", Note),
        )
    return redirect(f"/merchant/shops/{shop_id}/settlement")


@router.post("/merchant/shops/{shop_id}/settlement/payout")
def payout(shop_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        payouts.request_payout(
            conn,
            caller.actor,
            app.rulebook,
            shop_id,
            amount_fen=parse_yuan(str(form.get("amount", ""))),
            at=app.clock.now(),
            guards=app.payout_guards,
        )
    return redirect(f"/merchant/shops/{shop_id}/settlement")


@router.get("/finance/settlement")
def finance(request: Request, caller: PageCaller, month: str | None = None):
    actor = caller.actor
    app = pledge(request)
    with app.uow.read() as conn:
        overview = queries.finance_overview(conn, actor)
        recon = reports.reconciliation(
            conn,
            actor,
            app.rulebook,
            month_or_current(app, month),
            provider_for(app),
            more_rows=(creator_payout_rows,),
        )
        history = {
            p["id"]: queries.program_detail(conn, actor, p["id"])["history"] for p in overview["programs"]
        }
        creator_payouts = recent_creator_payouts(conn)
    return render(
        request,
        "settlement_finance.html",
        overview=overview,
        recon=recon,
        history=history,
        creator_payouts=creator_payouts,
    )


def _lines(text: object) -> tuple[str, ...]:
    return tuple(
        c.strip() for c in str(text or "").replace("，", ",").replace("\n", ",").split(",") if c.strip()
    )


def _tier(line: str) -> tuple[int, int]:
    """'turnover:share' as typed on the form, the turnover in yuan and the share in percent
    ('1000:5' is [100000 fen, 500 bp]); anything else is refused as the rulebook would."""
    parts = [p.strip().removeprefix("¥") for p in line.replace("：", ":").split(":")]
    try:
        turnover_fen = parse_yuan(parts[0])
    except InvalidInput:
        turnover_fen = None
    if len(parts) != 2 or turnover_fen is None:
        raise InvalidInput(
            f"a rebate tier is a turnover in yuan and a share in percent (like 1000:5), got {line!r}",
            msgid=TIER_INVALID,
            tier=line[:40],
        )
    return turnover_fen, parse_percent(parts[1], "tier")


@router.post("/finance/settlement/programs")
def create_program(request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)

    tiers = tuple(_tier(t) for t in _lines(form.get("tiers")))
    spec = programs.ProgramSpec(
        code=form_text(form, "code", ProgramCode),
        kind=form_text(form, "kind", Code),
        name=form_text(form, "name", Name),
        name_en=form_text(form, "name_en", OptionalName),
        starts_at=platform_time(app, str(form.get("starts_at", "")) or None) or app.clock.now(),
        ends_at=platform_time(app, str(form.get("ends_at", "")) or None),
        rate_bp=optional_percent(form.get("rate"), "rate"),
        categories=_lines(form.get("categories")),
        channel=str(form.get("channel", "")) or None,
        requires_application=form.get("requires_application") == "on",
        tiers=tiers,
        task_orders=whole_number(form.get("task_orders"), "task_orders"),
        days=whole_number(form.get("days"), "days"),
    )
    with app.uow.begin() as conn:
        programs.create_program(
            conn, caller.actor, spec, at=app.clock.now(), note=form_text(form, "note", Note)
        )
    return redirect("/finance/settlement")


@router.post("/finance/settlement/programs/{program_id}")
def change_program(program_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)

    changes: dict = {}
    if str(form.get("categories", "")).strip():
        changes["categories"] = _lines(form.get("categories"))
    if str(form.get("ends_at", "")).strip():
        changes["ends_at"] = platform_time(app, str(form.get("ends_at")))
    if str(form.get("rate", "")).strip():
        changes["rate_bp"] = parse_percent(form.get("rate"), "rate")
    with app.uow.begin() as conn:
        programs.update_program(
            conn, caller.actor, program_id, at=app.clock.now(), note=form_text(form, "note", Note), **changes
        )
    return redirect("/finance/settlement")


@router.post("/finance/settlement/applications/{application_id}")
def decide(application_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        programs.decide_application(
            conn, caller.actor, application_id, approve=form.get("decision") == "approve", at=app.clock.now()
        )
    return redirect("/finance/settlement")


@router.post("/finance/settlement/terms")
def shop_terms(request: Request, caller: PageCaller, form: CheckedForm):
    """Finance marks a shop 0元入驻 (or takes it off): no base deposit, 21-day settlement."""
    app = pledge(request)
    with app.uow.begin() as conn:
        deposits.set_zero_entry(
            conn,
            caller.actor,
            required_number(form.get("shop_id"), "shop_id"),
            zero_entry=form.get("zero_entry") == "yes",
            at=app.clock.now(),
            book=app.rulebook,
        )
    return redirect("/finance/settlement")


@router.post("/finance/settlement/payouts/{payout_id}/return")
def bank_return(payout_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        payouts.return_payout(
            conn, caller.actor, payout_id, reason=form_text(form, "reason", Reason), at=app.clock.now()
        )
    return redirect("/finance/settlement")
