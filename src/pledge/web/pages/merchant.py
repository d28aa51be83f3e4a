"""The merchant's pages: the home dashboard (工作台), orders with due-soon / overdue filters and
countdowns, shipping, and the compensations the shop has paid."""

from fastapi import Request

from pledge.compensation import queries as compensation_queries
from pledge.dashboard.queries import shop_dashboard
from pledge.fulfilment.carriers import CARRIERS
from pledge.fulfilment.services import WaybillInUse, ship_order
from pledge.kernel.errors import Forbidden
from pledge.orders import queries as order_queries
from pledge.web.deps import Caller, CheckedForm, PageCaller, page_caller, pledge
from pledge.web.forms import local_path
from pledge.web.pages.routing import PageRouter
from pledge.web.render import error_page, redirect, render
from pledge.web.types import PathId

router = PageRouter(prefix="/merchant")
WAYBILL_IN_USE = (
    "This tracking number is already on another parcel that is on its way. Each parcel ships under its "
    "own waybill: check the number on the label. Nothing was shipped."
)


def first_shop(request: Request, section: str):
    """/merchant/<section> without a shop id: the caller's first shop."""
    caller = page_caller(request)
    if not caller.actor.shops:
        raise Forbidden("this account is not a member of any shop")
    return redirect(f"/merchant/shops/{min(caller.actor.shops)}/{section}")


@router.get("")
def merchant_home(request: Request, caller: PageCaller):
    """The first shop's dashboard, right here (a member of several shops switches below)."""
    if not caller.actor.shops:
        raise Forbidden("this account is not a member of any shop")
    return _dashboard(request, caller, min(caller.actor.shops))


@router.get("/shops/{shop_id}/home")
def shop_home(shop_id: PathId, request: Request, caller: PageCaller):
    return _dashboard(request, caller, shop_id)


def _dashboard(request: Request, caller: Caller, shop_id: int):
    app = pledge(request)
    with app.uow.read() as conn:
        data = shop_dashboard(
            conn, caller.actor, shop_id, now=app.clock.now(), timezone=app.rulebook.timezone
        )
    return render(
        request, "merchant_home.html", shop_id=shop_id, board=data, shops=sorted(caller.actor.shops)
    )


# Sections reached from the merchant menu without a shop id: the caller's first shop.
@router.get("/orders")
def orders_home(request: Request):
    return first_shop(request, "orders")


@router.get("/chats")
def chats_home(request: Request):
    return first_shop(request, "chats")


@router.get("/products")
def products_home(request: Request):
    return first_shop(request, "products")


@router.get("/staff")
def staff_home(request: Request):
    return first_shop(request, "staff")


@router.get("/shops/{shop_id}/orders")
def shop_orders(shop_id: PathId, request: Request, caller: PageCaller, filter: str = "to_ship"):
    actor = caller.actor
    app = pledge(request)
    now = app.clock.now()
    with app.uow.read() as conn:
        rows = order_queries.shop_orders(conn, actor, shop_id, now=now, which=filter)
        counts = order_queries.shop_order_counts(conn, actor, shop_id, now=now)
    template = "_merchant_orders_table.html" if request.headers.get("hx-request") else "merchant_orders.html"
    return render(
        request,
        template,
        shop_id=shop_id,
        orders=rows,
        filter=filter,
        counts=counts,
        filters=order_queries.FILTERS,
        carriers=CARRIERS,
    )


@router.post("/orders/{order_id}/ship")
def ship(order_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    try:
        with app.uow.begin() as conn:
            ship_order(
                conn,
                caller.actor,
                order_id=order_id,
                carrier=str(form.get("carrier", "")),
                tracking_no=str(form.get("tracking_no", "")),
                at=app.clock.now(),
            )
    except WaybillInUse:  # error_page says it in the reader's language (the catalog holds it)
        return error_page(request, 409, "Waybill already in use", WAYBILL_IN_USE)
    return redirect(local_path(form.get("back"), "/merchant"))


@router.get("/shops/{shop_id}/compensations")
def compensations(shop_id: PathId, request: Request, caller: PageCaller):
    actor = caller.actor
    with pledge(request).uow.read() as conn:
        data = compensation_queries.shop_compensations(conn, actor, shop_id)
    return render(request, "merchant_compensations.html", shop_id=shop_id, data=data)
