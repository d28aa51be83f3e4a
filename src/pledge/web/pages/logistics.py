"""The merchant's logistics page (sanctions with reason and clause, logistics-rule
compensations), the sanction notice on the buyer's order page, and the plain-words
compensation texts of the order page and the wallet (lateship.notices)."""

from fastapi import Request
from jinja2 import pass_context

from pledge.compensation import queries as compensation_queries
from pledge.compensation.wording import when
from pledge.lateship.notices import order_notices, paid_notice
from pledge.logistics.policy import RULE_NAMES
from pledge.logistics.sanctions import active_for_shop, shop_sanctions
from pledge.web.deps import PageCaller, pledge
from pledge.web.pages.merchant import first_shop
from pledge.web.pages.routing import PageRouter
from pledge.web.render import render, templates
from pledge.web.types import PathId

router = PageRouter()


def shop_restrictions(request: Request, shop_id: int) -> list[dict]:
    """For the order page: the shop's sanctions in force now (a buyer sees why it cannot order)."""
    app = pledge(request)
    with app.uow.read() as conn:
        return active_for_shop(conn, shop_id, at=app.clock.now())


@pass_context
def compensation_notices(context, order: dict) -> dict:
    """For the order page: what was paid, why, and what more may come."""
    return order_notices(order, context["rulebook"], context["now"], context["lang"])


@pass_context
def coupon_notice(context, coupon: dict) -> dict | None:
    """For the wallet: the compensation behind a coupon, in plain words (None for another coupon)."""
    comp = coupon.get("compensation")
    return paid_notice(comp, context["rulebook"], context["lang"]) if comp else None


@pass_context
def platform_time(context, at) -> str:
    """A time in the platform's zone, in words: '2026年9月4日 10:00（北京时间）'."""
    return "" if at is None else when(at, context["rulebook"].timezone, context["lang"])


templates.env.globals.update(
    shop_restrictions=shop_restrictions,
    compensation_notices=compensation_notices,
    coupon_notice=coupon_notice,
    platform_time=platform_time,
)


@router.get("/merchant/logistics")
def merchant_logistics_home(request: Request):
    return first_shop(request, "logistics")


@router.get("/merchant/shops/{shop_id}/logistics")
def merchant_logistics(shop_id: PathId, request: Request, caller: PageCaller):
    actor = caller.actor
    app = pledge(request)
    with app.uow.read() as conn:
        data = shop_sanctions(conn, actor, shop_id, now=app.clock.now())
        paid = compensation_queries.shop_compensations(conn, actor, shop_id)
    logistics = [c for c in paid["items"] if c["kind"] in RULE_NAMES]
    return render(
        request,
        "logistics_merchant.html",
        shop_id=shop_id,
        sanctions=data,
        compensations=logistics,
        total_fen=sum(c["amount_fen"] for c in logistics),
    )
