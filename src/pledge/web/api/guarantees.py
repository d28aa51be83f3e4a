from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from pledge.accounts.services import Actor
from pledge.guarantees import queries
from pledge.guarantees.services import exempt_from_late_ship
from pledge.web.deps import api_actor, pledge
from pledge.web.present import rulebook_view
from pledge.web.types import PathId, Reason

router = APIRouter(tags=["guarantees"])


@router.get("/wallet", summary="The buyer's coupons, each with the explanation of why it was issued")
def wallet(request: Request, actor: Actor = Depends(api_actor)) -> dict:
    with pledge(request).uow.read() as conn:
        return queries.wallet(conn, actor.user_id)


@router.get("/shops/{shop_id}/compensations", summary="Compensations the shop has paid, with clause and inputs")
def compensations(shop_id: PathId, request: Request, actor: Actor = Depends(api_actor)) -> dict:
    with pledge(request).uow.read() as conn:
        return queries.shop_compensations(conn, actor, shop_id)


@router.get("/rulebook", summary="The rulebook this platform runs, clause by clause with sources")
def rulebook(request: Request) -> dict:
    return rulebook_view(pledge(request).rulebook)


class ExemptionIn(BaseModel):
    reason: Reason


@router.post("/orders/{order_id}/late-ship-exemption", summary="Operator: exclude an order from the late-ship pledge")
def exempt(order_id: PathId, body: ExemptionIn, request: Request, actor: Actor = Depends(api_actor)) -> dict:
    app = pledge(request)
    with app.uow.begin() as conn:
        exempt_from_late_ship(conn, actor, order_id=order_id, reason=body.reason, at=app.clock.now())
    return {"order_id": order_id, "exempt": True, "reason": body.reason}
