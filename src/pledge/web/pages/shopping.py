"""The buyer's pages: browse, cart, checkout, pay, orders, wallet."""

from fastapi import Request
from sqlalchemy.engine import Row

from pledge.addresses.services import address_book
from pledge.aftersales import queries as aftersales_queries
from pledge.attribution.model import PRODUCT_CARD, Source
from pledge.attribution.tokens import verify
from pledge.blindboxes import queries as blind_box_queries
from pledge.bootstrap import App
from pledge.catalog import images
from pledge.catalog import queries as catalog_queries
from pledge.compensation import queries as compensation_queries
from pledge.kernel.errors import InvalidInput
from pledge.orders import queries as order_queries
from pledge.orders import services as orders
from pledge.orders.shipping import cart_shipping
from pledge.orders.sources import cart_source, line_prices
from pledge.payments.confirmation import buyer_payment, confirm_sandbox_payment
from pledge.reach.recording import EventKind, Subject
from pledge.web import live_actions
from pledge.web.deps import (
    Caller,
    CheckedForm,
    PageCaller,
    PostedForm,
    optional_caller,
    page_caller,
    pledge,
    verify_csrf,
)
from pledge.web.disclosure import blind_box_disclosure
from pledge.web.forms import required_number, whole_number
from pledge.web.pages.routing import PageRouter
from pledge.web.render import redirect, render
from pledge.web.types import PathId
from pledge.web.visitors import Who, record_for
from pledge.wishes import queries as wish_queries
from pledge.wishes.offers import is_wisher_price

router = PageRouter()


@router.get("/")
def home(request: Request):
    with pledge(request).uow.read() as conn:
        products = catalog_queries.list_products(conn)
        with_photo = images.card_photos(conn, [p["id"] for p in products])
    return render(request, "home.html", products=products, with_photo=with_photo, image_url=images.image_url)


def _page_source(app: App, token: str | None) -> tuple[str | None, Source]:
    """The source token a room or video page linked here with (`?source=`), and what it names;
    a token that does not verify (forged, expired) is dropped: the buyer buys from the page."""
    if not token:
        return None, PRODUCT_CARD
    try:
        return token, verify(app.source_secrets, token, now=app.clock.now())
    except InvalidInput:
        return None, PRODUCT_CARD


@router.get("/products/{product_id}")
def product_page(product_id: PathId, request: Request, source: str | None = None):
    token, bought_from = _page_source(pledge(request), source)
    with pledge(request).uow.read() as conn:
        product = catalog_queries.get_product(conn, product_id)
        shop_pledge = aftersales_queries.pledge_of(conn, product["shop_id"])
        insured = aftersales_queries.product_shipping_insurance(conn, product_id, pledge(request).clock.now())
        photos = [
            images.image_url(product_id, i) for i, _ in enumerate(images.image_uploads(conn, product_id), 1)
        ]
        series = blind_box_queries.series_of(conn, product_id)
        wished_by = wish_queries.made_for(conn, product_id)
        caller = optional_caller(request)
        wisher_offer = wish_queries.wisher_offer(
            conn, product_id, caller.actor.user_id if caller else None, now=pledge(request).clock.now()
        )
    app = pledge(request)
    viewer = Who(request)  # a view for the feed (reach): buffered, off the request path
    viewer.record(app, EventKind.VIEW, [(Subject.PRODUCT, product_id)])
    response = render(
        request,
        "product.html",
        product=product,
        blind_box=blind_box_disclosure(series, app.rulebook, app.clock.now()),
        shop_pledge=shop_pledge,
        shipping_insurance=insured,
        photos=photos,
        source_token=token,
        bought_from=bought_from,
        wished_by=wished_by,
        wisher_offer=wisher_offer,
    )
    return viewer.keep(request, response)


@router.post("/cart")
def add_to_cart(request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    token = str(form.get("source_token") or "") or None
    source = PRODUCT_CARD if token is None else verify(app.source_secrets, token, now=app.clock.now())
    line = orders.LineRequest(
        required_number(form.get("sku_id"), "sku_id"),
        whole_number(form.get("quantity"), "quantity", 1),
        source,
    )
    with app.uow.begin() as conn:
        product_id = orders.add_to_cart(conn, caller.actor, line, at=app.clock.now(), source_token=token)
    record_for(app, caller.actor.user_id, EventKind.CART, [(Subject.PRODUCT, product_id)])
    return redirect("/cart")


@router.get("/cart")
def cart(request: Request, caller: PageCaller):
    app = pledge(request)
    with app.uow.read() as conn:
        rows = order_queries.cart_view(conn, caller.actor.user_id)
        for row in rows:
            row["source"] = cart_source(app.source_secrets, row.pop("source_token"), now=app.clock.now())
        at_source = line_prices(
            conn, app.sources, [(r["sku_id"], r["source"]) for r in rows], at=app.clock.now()
        )
        for row in rows:
            if row["sku_id"] in at_source:
                row["unavailable"] = at_source[row["sku_id"]] is None
                row["total_fen"] = (at_source[row["sku_id"]] or row["price_fen"]) * row["quantity"]
        wallet = compensation_queries.wallet(conn, caller.actor.user_id)
        book = address_book(conn, caller.actor.user_id)
    shipping = cart_shipping(rows)
    items = sum(r["total_fen"] for r in rows)
    return render(
        request,
        "cart.html",
        rows=rows,
        total_fen=items,
        shipping=shipping,
        grand_total_fen=items + sum(fee for _shop, fee in shipping),
        coupons=wallet["available"],
        wisher_coupons={c["id"] for c in wallet["available"] if is_wisher_price(c["source"])},
        addresses=book,
    )


@router.post("/cart/remove")
def remove_line(request: Request, caller: PageCaller, form: CheckedForm):
    with pledge(request).uow.begin() as conn:
        orders.remove_from_cart(conn, caller.actor, required_number(form.get("sku_id"), "sku_id"))
    return redirect("/cart")


@router.post("/checkout")
def checkout(request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        placed = orders.checkout_cart(
            conn,
            caller.actor,
            at=app.clock.now(),
            pay_window=app.pay_window,
            guards=app.sale_guards,
            coupon_id=whole_number(form.get("coupon_id"), "coupon_id"),
            sources=app.sources,
            secrets=app.source_secrets,
            address_id=whole_number(form.get("address_id"), "address_id"),
        )
    live_actions.announce_orders(app, placed.sourced_order_ids)
    record_for(app, caller.actor.user_id, EventKind.ORDER, [(Subject.PRODUCT, p) for p in placed.product_ids])
    return redirect(app.payments.checkout_url(placed.payment_ref, placed.total_fen))


def _payment(request: Request, ref: str) -> tuple[Caller, Row]:
    caller = page_caller(request)
    with pledge(request).uow.read() as conn:
        return caller, buyer_payment(conn, caller.actor, ref)


@router.get("/pay/sandbox/{ref}")
def sandbox_pay_page(ref: str, request: Request):
    _caller, payment = _payment(request, ref)
    return render(request, "pay.html", payment=payment)


@router.post("/pay/sandbox/{ref}")
def sandbox_pay(ref: str, request: Request, form: PostedForm):
    caller, payment = _payment(request, ref)
    verify_csrf(form, caller)
    app = pledge(request)
    with app.uow.begin() as conn:
        result = confirm_sandbox_payment(
            conn,
            caller.actor,
            payment.checkout_id,
            provider=app.payments,
            book=app.rulebook,
            at=app.clock.now(),
        )
    return redirect(paid_landing(payment.checkout_id, result.order_ids))


def paid_landing(checkout_id: int, order_ids: list[int]) -> str:
    """Where a paid checkout lands: its one order, or the list of the orders paid together."""
    if len(order_ids) == 1:
        return f"/orders/{order_ids[0]}"
    return f"/orders?checkout={checkout_id}" if order_ids else "/orders"


@router.get("/orders")
def my_orders(request: Request, caller: PageCaller, checkout: PathId | None = None):
    with pledge(request).uow.read() as conn:
        rows = order_queries.buyer_orders(conn, caller.actor.user_id, checkout_id=checkout)
    return render(request, "orders.html", orders=rows, checkout=checkout)


def _order(request: Request, order_id: int) -> dict:
    caller = page_caller(request)
    with pledge(request).uow.read() as conn:
        orders.get_order_for(conn, caller.actor, order_id)
        order = compensation_queries.order_view(conn, order_id, caller.actor.user_id)
        order["cases"] = aftersales_queries.cases_for_order(conn, order_id)
        return order


@router.get("/orders/{order_id}")
def order_page(order_id: PathId, request: Request):
    return render(request, "order.html", order=_order(request, order_id))


@router.get("/orders/{order_id}/live")
def order_live(order_id: PathId, request: Request):
    """The part of the order page that HTMX refreshes, so new events appear without reload."""
    return render(request, "_order_live.html", order=_order(request, order_id))


@router.get("/wallet")
def wallet(request: Request, caller: PageCaller):
    with pledge(request).uow.read() as conn:
        data = compensation_queries.wallet(conn, caller.actor.user_id)
    return render(request, "wallet.html", wallet=data)
