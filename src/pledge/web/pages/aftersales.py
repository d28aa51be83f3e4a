"""After-sales pages (售后): the buyer files a case from an order (lines and units, reason,
photos or "I cannot upload photos") and follows it on its own page with the timeline, the
running deadline and the refund with its clause; the shop works its queue sorted by deadline;
platform operators decide escalated cases (平台介入), optionally paid by a subsidy fund."""

from __future__ import annotations

import re
from datetime import datetime

from fastapi import Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from pledge.accounts.services import Permission
from pledge.aftersales import coverage, policy, queries, quotes
from pledge.aftersales import services as aftersales
from pledge.aftersales.model import DAMAGE_REASONS, RETURN_REASONS, CaseType
from pledge.catalog.tables import products
from pledge.compensation import queries as compensation_queries
from pledge.fulfilment.carriers import CARRIERS
from pledge.kernel import jsonutil
from pledge.kernel.errors import DomainError, InvalidInput, NotFound
from pledge.kernel.money import format_yuan, parse_yuan
from pledge.orders import services as orders
from pledge.rulebooks.loader import Rulebook
from pledge.web.deps import Caller, CheckedForm, CheckedFormData, FormFields, PageCaller, check_csrf, pledge
from pledge.web.forms import form_text, local_path, whole_number
from pledge.web.pages.merchant import first_shop
from pledge.web.pages.routing import PageRouter
from pledge.web.photos import read_photo, store_photo
from pledge.web.render import form_error, redirect, render, templates
from pledge.web.types import CaseNote, Note, OptionalCode, PathId, PledgeStatement

router = PageRouter()
MAX_PHOTOS = 9


# ---------------------------------------------------------------- explanations for pages


def _clause(book: Rulebook, clause_id: str | None):
    return next((c for c in book.clauses if c.id == clause_id), None) if clause_id else None


def case_explanation(case: dict, lang: str, book: Rulebook) -> str:
    """The refund and the clause behind it. Stored explanations are English; the Chinese page
    says the same from the case's recorded inputs and the clause text."""
    if lang != "zh_CN":
        return case["explanation"]
    clause = _clause(book, case.get("clause_id"))
    inputs = case.get("inputs") or {}
    if isinstance(inputs, str):  # rows straight from the table (the order page) carry it as JSON text
        inputs = jsonutil.loads(inputs) or {}
    amount = format_yuan(case["refund_fen"])
    cite = f"条款 {clause.id}（{clause.text}）[{clause.source}]" if clause else ""
    if case["case_type"] == CaseType.DAMAGE_CLAIM and inputs.get("units"):
        text = _damage_explanation_zh(book, inputs, cite, amount)
    elif case["case_type"] == CaseType.EXCHANGE:
        text = f"换货，不退款。{cite}" if cite else "换货，不退款；由商家审核。"
    elif cite:
        text = f"{cite}：退款{amount}元"
    else:
        text = f"退款{amount}元，由商家审核决定（平台规则未规定此情形的赔付比例）"
    if "limited to the" in case["explanation"]:
        text += "；以该订单尚未退款的金额为限"
    return text


def _damage_explanation_zh(book: Rulebook, inputs: dict, cite: str, amount: str) -> str:
    counted = f"{inputs['damaged']}/{inputs['units']}件受损"
    paid = format_yuan(inputs["paid_fen"])
    if inputs.get("basis") == policy.SHOP_PLEDGE:
        table = _clause(book, inputs.get("table_clause"))
        how = (
            "店铺承诺每件损坏按件赔付"
            if inputs.get("per_unit")
            else f"店铺承诺沿用坏了包退比例表（{table.id}：{table.text}）"
            if table
            else "按店铺承诺赔付"
        )
        return (
            f"{counted} → 坏了包退官方保障不适用于此订单，由店铺自己的承诺赔付（{cite}）：{how}；"
            f"这些商品实付{paid}元，退款{amount}元"
        )
    text = f"{counted} → {cite}：这些商品实付{paid}元，退款{amount}元"
    return text + "（店铺承诺：每件损坏都按件赔付）" if inputs.get("per_unit") else text


_SYSTEM_WHY = [
    (
        re.compile(r"no pickup scan (\d+) h after the tracking number was uploaded \(([^)]+)\)"),
        "上传运单号后{0}小时仍无揽收记录，退款申请自动同意（条款 {1}）",
    ),
    (
        re.compile(r"the shop did not review by (\S+) \(([^)]+)\)"),
        "商家未在期限内审核，系统自动同意（条款 {1}）",
    ),
    (re.compile(r"not escalated in time \(([^)]+)\)"), "被拒后未在期限内申请平台介入，自动关闭（条款 {0}）"),
    (re.compile(r"the return was not sent in time \(([^)]+)\)"), "未在期限内寄回退货，自动关闭（条款 {0}）"),
    (re.compile(r"instant refund"), "极速退款：未发货订单自动同意"),
    (re.compile(r"nothing left to refund on this order"), "该订单已没有可退的金额"),
    (re.compile(r"approved by the shop"), "商家同意"),
]


def event_why(event: dict, lang: str) -> str:
    why = str((event.get("detail") or {}).get("why") or "")
    if lang == "zh_CN":
        for pattern, text in _SYSTEM_WHY:
            found = pattern.search(why)
            if found:
                return text.format(*found.groups())
    return why


templates.env.globals["case_explanation"] = case_explanation
templates.env.globals["case_event_why"] = event_why


# ---------------------------------------------------------------- helpers


def _new_case_context(conn, actor, order_id: int, book: Rulebook, now: datetime) -> dict:
    row = orders.get_order_for(conn, actor, order_id)
    if row.buyer_id != actor.user_id:
        raise NotFound(f"no order {order_id}")  # only the buyer files cases; shops answer them
    order = compensation_queries.order_view(conn, order_id)
    existing = queries.cases_for_order(conn, order_id)
    goods = {g.order_line_id: g for g in queries.order_line_goods(conn, order_id)}
    claimed = queries.claimed_units(conn, order_id)
    lines = [
        dict(
            line,
            perishable=goods[line["id"]].perishable,
            custom_made=goods[line["id"]].custom_made,
            free=line["quantity"] - claimed.get(line["id"], 0),
        )
        for line in order["lines"]
    ]
    pledge_row = queries.pledge_of(conn, order["shop_id"])
    terms = aftersales.shop_pledge(conn, order["shop_id"])
    options = quotes.damage_options(
        conn,
        book,
        paid_at=row.paid_at or now,
        pledge=terms,
        lines=[(g.order_line_id, g.product_id) for g in goods.values()],
    )
    offered = [r for r in DAMAGE_REASONS if any(r in reasons for reasons, _ in options.values())]
    no_damage = next((why for reasons, why in options.values() if why), "") if not offered else ""
    flagged = {f for line in lines for f in ("perishable", "custom_made") if line[f]}
    return {
        "order": order,
        "lines": lines,
        "cases": existing,
        "pledge": pledge_row,
        "damage_reasons": offered,
        "no_damage_cover": no_damage,
        "windows": _windows(book, order, terms, flagged, offered, now),
        "case_types": [t.value for t in CaseType if t != CaseType.DAMAGE_CLAIM or offered],
    }


def _windows(
    book: Rulebook, order: dict, terms: policy.ShopPledge, flags: set[str], reasons: list[str], now: datetime
) -> list[dict]:
    """The deadlines this order's after-sales run to, as the rulebook and the shop's pledge set
    them, for the damage reasons a claim on it could be paid for."""
    signed = order.get("delivered_at")
    if signed is None:
        return []
    found = []
    for reason in reasons:
        w = policy.damage_window(book, reason=reason, signed_at=signed, now=now, pledge=terms)
        found.append(
            {
                "key": "reason." + reason,
                "kind": "damage",
                "deadline": w.deadline,
                "open": w.eligible,
                "clause": w.clause,
            }
        )
    r = policy.no_reason_return(book, flags=flags, signed_at=signed, now=now, pledge=terms)
    found.append(
        {
            "key": "7-day no-reason return",
            "kind": "return",
            "deadline": r.deadline,
            "open": r.eligible,
            "clause": r.clause,
            "reason": r.reason,
        }
    )
    return found


def _case_page_context(conn, actor, case_id: int) -> dict:
    case = queries.case_detail(conn, actor, case_id)
    roles = {
        "buyer": case["buyer_id"] == actor.user_id,
        "merchant": case["shop_id"] in actor.shops,
        "operator": actor.platform_role == "operator",
    }
    funds = queries.subsidy_fund_list(conn)
    return {
        "case": case,
        "roles": roles,
        "funds": funds,
        "fund_names": {f["code"]: f["name"] for f in funds},
        "carriers": CARRIERS,
    }


# ---------------------------------------------------------------- buyer


@router.get("/cases")
def my_cases(request: Request, caller: PageCaller):
    with pledge(request).uow.read() as conn:
        rows = queries.buyer_cases(conn, caller.actor)
    return render(request, "cases.html", cases=rows)


@router.get("/orders/{order_id}/cases/new")
def new_case(
    order_id: PathId, request: Request, caller: PageCaller, case_type: str = CaseType.DAMAGE_CLAIM.value
):
    app = pledge(request)
    with app.uow.read() as conn:
        context = _new_case_context(conn, caller.actor, order_id, app.rulebook, app.clock.now())
    if case_type not in context["case_types"]:
        case_type = CaseType.REFUND_ONLY.value
    return render(
        request,
        "case_new.html",
        values={"case_type": case_type},
        error=None,
        return_reasons=RETURN_REASONS,
        **context,
    )


@router.post("/orders/{order_id}/cases")
async def file_case(order_id: PathId, request: Request, caller: PageCaller):
    await check_csrf(request, caller)
    form = await request.form()  # the same parsed form, with every file and repeated field
    app = pledge(request)
    actor = caller.actor
    values = {k: v for k, v in form.items() if isinstance(v, str)}

    def context() -> dict:
        with app.uow.read() as conn:
            return _new_case_context(conn, actor, order_id, app.rulebook, app.clock.now())

    found = await run_in_threadpool(context)  # another's order is refused here, before anything else
    try:
        photos = [f for f in form.getlist("photos") if isinstance(f, UploadFile) and f.filename]
        if len(photos) > MAX_PHOTOS:
            raise InvalidInput(f"at most {MAX_PHOTOS} photos per case")
        data = [(await read_photo(f), f.filename or "") for f in photos]
        chosen = []
        for key, raw in values.items():
            if key.startswith("units_") and str(raw).strip() not in ("", "0"):
                chosen.append((whole_number(key[6:], "line", 0), whole_number(raw, "units", 0)))

        def file() -> int:
            with app.uow.begin() as conn:
                upload_ids = [store_photo(app, actor, d, name, conn) for d, name in data]
                cmd = aftersales.NewCase(
                    order_id,
                    str(values.get("case_type", "")),
                    str(values.get("reason", "")),
                    chosen,
                    form_text(values, "note", Note),
                    upload_ids,
                    values.get("cannot_upload") in ("on", "1", "true"),
                )
                return aftersales.file_case(conn, actor, cmd, book=app.rulebook, at=app.clock.now())

        case_id = await run_in_threadpool(file)
    except DomainError as exc:
        return render(
            request,
            "case_new.html",
            status=exc.status,
            values=values,
            error=form_error(request, exc.status, exc.detail),
            return_reasons=RETURN_REASONS,
            **found,
        )
    return redirect(f"/cases/{case_id}")


@router.get("/cases/{case_id}")
def case_page(case_id: PathId, request: Request, caller: PageCaller):
    with pledge(request).uow.read() as conn:
        context = _case_page_context(conn, caller.actor, case_id)
    return render(request, "case.html", **context)


def _case_action(request: Request, case_id: int, caller: Caller, form: FormFields, action) -> object:
    app = pledge(request)
    with app.uow.begin() as conn:
        action(conn, app, caller.actor, form)
    return redirect(local_path(form.get("back"), f"/cases/{case_id}"))


@router.post("/cases/{case_id}/cancel")
def cancel(case_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    return _case_action(
        request,
        case_id,
        caller,
        form,
        lambda conn, app, actor, form: aftersales.cancel_case(conn, actor, case_id, at=app.clock.now()),
    )


@router.post("/cases/{case_id}/escalate")
def escalate(case_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    return _case_action(
        request,
        case_id,
        caller,
        form,
        lambda conn, app, actor, form: aftersales.escalate(
            conn, actor, case_id, note=form_text(form, "note", CaseNote), at=app.clock.now()
        ),
    )


@router.post("/cases/{case_id}/return-shipment")
def return_shipment(case_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    return _case_action(
        request,
        case_id,
        caller,
        form,
        lambda conn, app, actor, form: aftersales.ship_return(
            conn,
            actor,
            case_id,
            carrier=str(form.get("carrier", "")),
            tracking_no=str(form.get("tracking_no", "")),
            book=app.rulebook,
            at=app.clock.now(),
            postage_fen=_postage(form.get("postage")),
        ),
    )


def _postage(raw) -> int | None:
    """The postage field in yuan (e.g. 12.00), or None when left empty."""
    text = str(raw or "").strip()
    return parse_yuan(text) if text else None


# ---------------------------------------------------------------- merchant


@router.get("/merchant/cases")
def merchant_cases_home(request: Request):
    return first_shop(request, "cases")


@router.get("/merchant/shops/{shop_id}/cases")
def merchant_cases(shop_id: PathId, request: Request, caller: PageCaller, filter: str = "open"):
    actor = caller.actor
    app = pledge(request)
    with app.uow.read() as conn:
        rows = queries.shop_queue(conn, actor, shop_id, open_only=filter != "all")
        pledge_row = queries.pledge_of(conn, shop_id)
        insured = queries.shop_shipping_insurance(conn, shop_id, app.clock.now())
        goods = [
            dict(r._mapping)
            for r in conn.execute(
                select(products.c.id, products.c.title)
                .where(products.c.shop_id == shop_id)
                .order_by(products.c.id)
            )
        ]
    tiers = [c for c in app.rulebook.in_force("shipping_insurance", app.clock.now())]
    return render(
        request,
        "merchant_cases.html",
        shop_id=shop_id,
        cases=rows,
        filter=filter,
        pledge=pledge_row,
        can_edit=shop_id in actor.shops,
        can_pledge=actor.may(shop_id, Permission.PLEDGES),  # pledges and shipping insurance: the owner's
        damage_reason_choices=DAMAGE_REASONS,
        goods=goods,
        insured=insured,
        insurance_tiers=tiers,
    )


@router.post("/merchant/products/{product_id}/shipping-insurance")
def set_shipping_insurance(product_id: int, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    tier = str(form.get("tier") or "").strip() or None
    with app.uow.begin() as conn:
        coverage.set_shipping_insurance(
            conn, caller.actor, product_id, tier=tier, book=app.rulebook, at=app.clock.now()
        )
        shop_id = conn.execute(select(products.c.shop_id).where(products.c.id == product_id)).scalar_one()
    return redirect(f"/merchant/shops/{shop_id}/cases#shipping-insurance")


@router.post("/merchant/cases/{case_id}/review")
def review(case_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    return _case_action(
        request,
        case_id,
        caller,
        form,
        lambda conn, app, actor, form: aftersales.review_case(
            conn,
            actor,
            case_id,
            approve=form.get("decision") == "approve",
            note=form_text(form, "note", CaseNote),
            book=app.rulebook,
            at=app.clock.now(),
        ),
    )


@router.post("/merchant/cases/{case_id}/return-received")
def return_received(case_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    return _case_action(
        request,
        case_id,
        caller,
        form,
        lambda conn, app, actor, form: aftersales.receive_return(conn, actor, case_id, at=app.clock.now()),
    )


@router.post("/merchant/shops/{shop_id}/pledge")
def set_pledge(shop_id: PathId, request: Request, caller: PageCaller, form: CheckedFormData):
    app = pledge(request)
    terms = policy.ShopPledge(
        form.get("per_unit_damage") == "on",
        form.get("no_evidence_for_declared") == "on",
        whole_number(form.get("damage_window_extra_hours"), "extra damage hours", 0),
        whole_number(form.get("return_window_extra_hours"), "extra return hours", 0),
        form.get("damage_share_table") == "on",
        frozenset(str(r) for r in form.getlist("damage_reasons")),
    )
    with app.uow.begin() as conn:
        aftersales.set_shop_pledge(
            conn,
            caller.actor,
            shop_id,
            terms,
            form_text(form, "statement", PledgeStatement),
            at=app.clock.now(),
        )
    return redirect(f"/merchant/shops/{shop_id}/cases")


# ---------------------------------------------------------------- platform


@router.get("/operator/disputes")
def disputes(request: Request, caller: PageCaller):
    actor = caller.actor
    with pledge(request).uow.read() as conn:
        rows = queries.dispute_queue(conn, actor)
        funds = queries.subsidy_fund_list(conn)
    return render(request, "operator_disputes.html", cases=rows, funds=funds, can_decide=actor.is_operator)


@router.post("/operator/cases/{case_id}/decision")
def decide(case_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    return _case_action(
        request,
        case_id,
        caller,
        form,
        lambda conn, app, actor, form: aftersales.decide_escalation(
            conn,
            actor,
            case_id,
            approve=form.get("decision") == "approve",
            note=form_text(form, "note", CaseNote),
            book=app.rulebook,
            at=app.clock.now(),
            fund_code=form_text(form, "fund_code", OptionalCode) or None,
        ),
    )
