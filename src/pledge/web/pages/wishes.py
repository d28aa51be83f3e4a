"""Wish pool pages: the 许愿 box on the shop page (the shop's open wishes to +1, and a short form),
and the merchant's wish board (ranked demands with examples, sessions and a 14-day trend; merge,
split, rename, and turning a demand into one of the shop's products)."""

from fastapi import Request
from sqlalchemy import select

from pledge.catalog.services import NewSku
from pledge.catalog.tables import products
from pledge.web.deps import CheckedForm, PageCaller, optional_caller, pledge
from pledge.web.forms import required_number, whole_number, yuan_field
from pledge.web.pages.merchant import first_shop
from pledge.web.pages.routing import PageRouter
from pledge.web.render import redirect, render
from pledge.web.types import PathId
from pledge.wishes import queries
from pledge.wishes import services as wishes
from pledge.wishes.policy import WisherOffer, offer_bounds
from pledge.wishes.services import PRESALE
from pledge.wishes.tables import wish_demands

router = PageRouter()


@router.get("/shops/{shop_id}/wishes")
def wish_box(shop_id: PathId, request: Request):
    with pledge(request).uow.read() as conn:
        rows = queries.open_wishes(conn, shop_id)
    caller = optional_caller(request)
    member = bool(caller and shop_id in caller.actor.shops)
    return render(request, "_wish_box.html", shop_id=shop_id, rows=rows, member=member)


@router.post("/shops/{shop_id}/wishes")
def make_wish(shop_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    session_id = whole_number(form.get("session_id"), "session_id")
    with app.uow.begin() as conn:
        wishes.make_wish(
            conn,
            caller.actor,
            shop_id=shop_id,
            text=form.get("text"),
            session_id=session_id,
            at=app.clock.now(),
        )
    back = str(form.get("back") or "")
    return redirect(back if back.startswith("/live/") else f"/shops/{shop_id}?wished=1#wishes")


@router.post("/wishes/{demand_id}/plus-one")
def plus_one(demand_id: PathId, request: Request, caller: PageCaller, _form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        wishes.plus_one(conn, caller.actor, demand_id=demand_id, at=app.clock.now())
        shop_id = conn.execute(
            select(wish_demands.c.shop_id).where(wish_demands.c.id == demand_id)
        ).scalar_one()
    return redirect(f"/shops/{shop_id}?wished=1#wishes")


@router.get("/merchant/wishes")
def board_home(request: Request):
    """The merchant menu's 心愿看板: the caller's first shop's board."""
    return first_shop(request, "wishes")


@router.get("/merchant/shops/{shop_id}/wishes")
def board(shop_id: PathId, request: Request, caller: PageCaller):
    app = pledge(request)
    with app.uow.read() as conn:
        view = queries.board(conn, caller.actor, shop_id, now=app.clock.now())
        own = conn.execute(
            select(products.c.id, products.c.title, (products.c.promise_kind == PRESALE).label("presale"))
            .where(products.c.shop_id == shop_id)
            .order_by(products.c.id.desc())
        ).all()
    bounds = offer_bounds(app.rulebook, app.clock.now())
    return render(request, "merchant_wishes.html", board=view, products=own, shop_id=shop_id, bounds=bounds)


def _back(conn, caller, demand_id: int) -> str:
    return f"/merchant/shops/{wishes.merchant_demand(conn, caller.actor, demand_id).shop_id}/wishes"


@router.post("/merchant/wishes/{demand_id}/name")
def rename(demand_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        wishes.rename(conn, caller.actor, demand_id=demand_id, name=form.get("name"))
        return redirect(_back(conn, caller, demand_id))


@router.post("/merchant/wishes/{demand_id}/merge")
def merge(demand_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        from_id = required_number(form.get("from_id"), "from_id", low=1)
        wishes.merge(conn, caller.actor, into_id=demand_id, from_id=from_id)
        return redirect(_back(conn, caller, demand_id))


@router.post("/merchant/wish-entries/{wish_id}/split")
def split(wish_id: PathId, request: Request, caller: PageCaller, _form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        demand_id = wishes.split(conn, caller.actor, wish_id=wish_id, at=app.clock.now())
        return redirect(_back(conn, caller, demand_id))


def _offer(form) -> WisherOffer | None:
    """The fulfil form's wisher offer: a wisher price in yuan with its days, first access hours."""
    price = str(form.get("price_off") or "").strip()
    offer = WisherOffer(
        price_off_fen=yuan_field(price, "price_off") if price else None,
        valid_days=whole_number(form.get("valid_days"), "valid_days"),
        first_access_hours=whole_number(form.get("first_access_hours"), "first_access_hours"),
    )
    return None if offer == WisherOffer() else offer


def _new_sku(form) -> NewSku | None:
    name = str(form.get("sku_name") or "").strip()
    if not name:
        return None
    return NewSku(
        name,
        yuan_field(form.get("sku_price"), "sku_price"),
        required_number(form.get("sku_stock"), "sku_stock", low=0),
    )


@router.post("/merchant/wishes/{demand_id}/product")
def fulfil(demand_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    product_id = required_number(form.get("product_id"), "product_id", low=1)
    offer, sku = _offer(form), _new_sku(form)
    with app.uow.begin() as conn:
        if sku is None:
            wishes.fulfil(
                conn,
                caller.actor,
                demand_id=demand_id,
                product_id=product_id,
                at=app.clock.now(),
                offer=offer,
                book=app.rulebook,
            )
        else:
            wishes.new_sku(
                conn,
                caller.actor,
                demand_id=demand_id,
                product_id=product_id,
                sku=sku,
                at=app.clock.now(),
                screen=app.listing_screen,
                offer=offer,
                book=app.rulebook,
            )
        return redirect(_back(conn, caller, demand_id))
