"""Flash deal pages: the deal as buyers see it in the live room, and the shop's deal desk."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request

from pledge.addresses.services import address_book
from pledge.catalog import queries as catalog_queries
from pledge.flash import services as flash
from pledge.kernel.clock import parse_iso
from pledge.web import live_actions
from pledge.web.deps import CheckedForm, PageCaller, optional_caller, pledge
from pledge.web.forms import form_text, required_number, whole_number, yuan_field
from pledge.web.pages.routing import PageRouter
from pledge.web.render import redirect, render
from pledge.web.types import OptionalTitle, PathId

router = PageRouter()
MAX_DEAL_MINUTES = 60 * 24 * 366


@router.get("/flash/{deal_id}")
def deal_page(deal_id: PathId, request: Request):
    caller = optional_caller(request)
    with pledge(request).uow.read() as conn:
        deal = flash.deal_view(conn, deal_id)
        book = address_book(conn, caller.actor.user_id) if caller is not None else []
    return render(request, "flash_deal.html", deal=deal, addresses=book)


@router.post("/flash-orders")
def buy(request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        placed = flash.buy(
            conn,
            caller.actor,
            required_number(form.get("deal_id"), "deal_id"),
            quantity=whole_number(form.get("quantity"), "quantity", 1),
            at=app.clock.now(),
            pay_window=app.pay_window,
            guards=app.sale_guards,
            address_id=whole_number(form.get("address_id"), "address_id"),
        )
    return redirect(app.payments.checkout_url(placed.payment_ref, placed.total_fen))


@router.get("/merchant/shops/{shop_id}/flash")
def deal_desk(shop_id: PathId, request: Request, caller: PageCaller):
    actor = caller.actor
    with pledge(request).uow.read() as conn:
        deals = flash.shop_deals(conn, actor, shop_id)
        sku_catalog = catalog_queries.shop_catalog(conn, actor, shop_id)
    return render(request, "flash_merchant.html", shop_id=shop_id, deals=deals, sku_catalog=sku_catalog)


@router.post("/merchant/shops/{shop_id}/flash")
def open_deal(shop_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    now = app.clock.now()
    starts = str(form.get("starts_at", "")).strip()
    starts_at = parse_iso(starts, "Asia/Shanghai") if starts else now
    minutes = whole_number(form.get("minutes"), "minutes", 30, low=1, high=MAX_DEAL_MINUTES)
    deal = flash.NewDeal(
        shop_id,
        required_number(form.get("sku_id"), "sku_id"),
        yuan_field(form.get("price"), "price"),
        required_number(form.get("quantity"), "quantity"),
        whole_number(form.get("per_buyer_limit"), "per_buyer_limit", 1),
        starts_at,
        starts_at + timedelta(minutes=minutes),
        form_text(form, "title", OptionalTitle),
    )
    with app.uow.begin() as conn:
        deal_id = flash.create_deal(conn, caller.actor, deal, at=now)
        opened = flash.deal_view(conn, deal_id)
    live_actions.announce_deal(app, opened)
    return redirect(f"/flash/{deal_id}")
