"""The merchant's logistics page (sanctions with reason and clause, logistics-rule
compensations) and the sanction notice on the buyer's order page."""
from fastapi import APIRouter, Request

from pledge.guarantees import queries as guarantee_queries
from pledge.logistics.policy import RULE_NAMES
from pledge.logistics.sanctions import active_for_shop, shop_sanctions
from pledge.web.deps import page_caller, pledge
from pledge.web.pages.merchant import first_shop
from pledge.web.pages.render import render, templates
from pledge.web.types import PathId

router = APIRouter()


def shop_restrictions(request: Request, shop_id: int) -> list[dict]:
    """For the order page: the shop's sanctions in force now (a buyer sees why it cannot order)."""
    app = pledge(request)
    with app.uow.read() as conn:
        return active_for_shop(conn, shop_id, at=app.clock.now())


templates.env.globals["shop_restrictions"] = shop_restrictions


@router.get("/merchant/logistics")
def merchant_logistics_home(request: Request):
    return first_shop(request, "logistics")


@router.get("/merchant/shops/{shop_id}/logistics")
def merchant_logistics(shop_id: PathId, request: Request):
    actor = page_caller(request).actor
    app = pledge(request)
    with app.uow.read() as conn:
        data = shop_sanctions(conn, actor, shop_id, now=app.clock.now())
        paid = guarantee_queries.shop_compensations(conn, actor, shop_id)
    logistics = [c for c in paid["items"] if c["kind"] in RULE_NAMES]
    return render(request, "logistics_merchant.html", shop_id=shop_id, sanctions=data, compensations=logistics,
                  total_fen=sum(c["amount_fen"] for c in logistics))
