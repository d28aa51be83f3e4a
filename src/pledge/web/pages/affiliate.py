"""The merchant's affiliate page (精选联盟): the shop's commission rates with a form to offer one
(effective-dated, for every creator or one chosen creator), the creators with the shop's products
in their showcase, and the sample requests (寄样) to approve, decline and ship."""

from __future__ import annotations

from fastapi import Request

from pledge.accounts.services import require_shop
from pledge.creators import sample_duties, samples, views
from pledge.creators import services as creators
from pledge.creators.model import CreatorStatus, DutyStatus, SampleKind, SampleStatus
from pledge.creators.sample_plans import SamplePlan, set_sample_plan, shop_plans
from pledge.kernel.clock import parse_iso
from pledge.kernel.errors import InvalidInput
from pledge.kernel.money import parse_yuan
from pledge.web.deps import CheckedForm, PageCaller, pledge
from pledge.web.forms import form_text, parse_percent, required_number
from pledge.web.pages.merchant import first_shop
from pledge.web.pages.routing import PageRouter
from pledge.web.render import redirect, render
from pledge.web.types import Code, IsoTime, OptionalName, PathId, TrackingNo

router = PageRouter()
BEIJING = "Asia/Shanghai"  # the form's times are platform time


@router.get("/merchant/affiliate")
def affiliate_home(request: Request):
    return first_shop(request, "affiliate")


@router.get("/merchant/shops/{shop_id}/affiliate")
def affiliate(shop_id: PathId, request: Request, caller: PageCaller):
    app = pledge(request)
    with app.uow.read() as conn:
        board = views.shop_affiliate(conn, caller.actor, app.rulebook, shop_id, now=app.clock.now())
        plans = shop_plans(conn, shop_id)
    return render(
        request,
        "merchant_affiliate.html",
        shop_id=shop_id,
        board=board,
        plans=plans,
        SampleStatus=SampleStatus,
        CreatorStatus=CreatorStatus,
        DutyStatus=DutyStatus,
        SampleKind=SampleKind,
    )


def _new_rate(conn, form) -> creators.NewRate:
    product_id = required_number(form.get("product_id"), "product_id", low=1)
    ends = form_text(form, "ends_at", IsoTime) if str(form.get("ends_at") or "").strip() else None
    handle = form_text(form, "creator", OptionalName)
    return creators.NewRate(
        product_id,
        parse_percent(form.get("rate"), "rate"),
        parse_iso(form_text(form, "starts_at", IsoTime), BEIJING),
        parse_iso(ends, BEIJING) if ends else None,
        views.creator_id_by_handle(conn, handle) if handle else None,
    )


@router.post("/merchant/shops/{shop_id}/affiliate-rates")
def offer_rate(shop_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    require_shop(caller.actor, shop_id)
    with app.uow.begin() as conn:
        new = _new_rate(conn, form)
        creators.offer_rate(conn, caller.actor, new, at=app.clock.now())
    return redirect(f"/merchant/shops/{shop_id}/affiliate#rates")


@router.post("/merchant/samples/{sample_id}/decision")
def decide(sample_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    approve = form_text(form, "decision", Code) == "approve"
    with app.uow.begin() as conn:
        samples.decide_sample(
            conn, caller.actor, app.rulebook, sample_id=sample_id, approve=approve, at=app.clock.now()
        )
        shop_id = views.sample_view(conn, app.rulebook, sample_id)["shop_id"]
    return redirect(f"/merchant/shops/{shop_id}/affiliate#samples")


@router.post("/merchant/samples/{sample_id}/shipment")
def ship(sample_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    number = form_text(form, "tracking_no", TrackingNo)
    with app.uow.begin() as conn:
        samples.ship_sample(
            conn, caller.actor, app.rulebook, sample_id=sample_id, tracking_no=number, at=app.clock.now()
        )
        shop_id = views.sample_view(conn, app.rulebook, sample_id)["shop_id"]
    return redirect(f"/merchant/shops/{shop_id}/affiliate#samples")


@router.post("/merchant/samples/{sample_id}/return-receipt")
def return_received(sample_id: PathId, request: Request, caller: PageCaller, _form: CheckedForm):
    """The returned sample arrived: the duty ends (a paid sample is refunded)."""
    app = pledge(request)
    with app.uow.begin() as conn:
        sample_duties.confirm_return(conn, caller.actor, sample_id=sample_id, at=app.clock.now())
        shop_id = views.sample_view(conn, app.rulebook, sample_id)["shop_id"]
    return redirect(f"/merchant/shops/{shop_id}/affiliate#samples")


def _plan(form) -> SamplePlan:
    mode = SampleKind(form_text(form, "mode", Code)) if form.get("mode") in {"paid", "review_free"} else None
    if mode == SampleKind.PAID:
        price = parse_yuan(form_text(form, "price", Code))
        return SamplePlan(mode, price, required_number(form.get("target_orders"), "target_orders", low=1))
    if mode == SampleKind.REVIEW_FREE:
        return SamplePlan(
            mode, min_followers=required_number(form.get("min_followers"), "min_followers", low=0)
        )
    raise InvalidInput("choose paid samples or review-free samples")


@router.post("/merchant/shops/{shop_id}/sample-plans")
def sample_plan(shop_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    """Set a product's sample plan: paid (买样返款) or review-free (免审)."""
    app = pledge(request)
    require_shop(caller.actor, shop_id)
    product_id = required_number(form.get("product_id"), "product_id", low=1)
    plan = _plan(form)
    with app.uow.begin() as conn:
        set_sample_plan(conn, caller.actor, product_id=product_id, plan=plan, at=app.clock.now())
    return redirect(f"/merchant/shops/{shop_id}/affiliate#sample-plans")
