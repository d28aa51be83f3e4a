from pydantic import AwareDatetime, BaseModel

from pledge.compensation import queries
from pledge.lateship.services import exempt_from_late_ship, report_carrier_slip
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.compensation import (
    CarrierSlipOut,
    CompensationsOut,
    ExemptOut,
    RulebookOut,
    WalletOut,
)
from pledge.web.deps import ApiActor, AppDep
from pledge.web.present import rulebook_view
from pledge.web.types import PathId, Reason

router = ApiModuleRouter(tags=["compensation"])


@router.get(
    "/wallet",
    summary="The buyer's coupons, each with the explanation of why it was issued",
    responses={200: {"model": WalletOut}},
)
def wallet(app: AppDep, actor: ApiActor) -> dict:
    with app.uow.read() as conn:
        return queries.wallet(conn, actor.user_id)


@router.get(
    "/shops/{shop_id}/compensations",
    summary="Compensations the shop has paid, with clause and inputs",
    responses={200: {"model": CompensationsOut}},
)
def compensations(shop_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.read() as conn:
        return queries.shop_compensations(conn, actor, shop_id)


@router.get(
    "/rulebook",
    summary="The rulebook this platform runs, clause by clause with sources",
    responses={200: {"model": RulebookOut}},
)
def rulebook(app: AppDep) -> dict:
    return rulebook_view(app.rulebook)


class ExemptionIn(BaseModel):
    reason: Reason


@router.post(
    "/orders/{order_id}/late-ship-exemption",
    summary="Operator: exclude an order from the late-ship pledge",
    responses={200: {"model": ExemptOut}},
)
def exempt(order_id: PathId, body: ExemptionIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        exempt_from_late_ship(conn, actor, order_id=order_id, reason=body.reason, at=app.clock.now())
    return {"order_id": order_id, "exempt": True, "reason": body.reason}


class SlipIn(BaseModel):
    slip_at: AwareDatetime


@router.post(
    "/orders/{order_id}/carrier-slip",
    summary="Merchant: the carrier slip's time of a parcel sent without tracking data; if later than the "
    "ship click, it counts as shipped (douyin:101706 2.2)",
    responses={200: {"model": CarrierSlipOut}},
)
def carrier_slip(order_id: PathId, body: SlipIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        report_carrier_slip(conn, actor, order_id=order_id, slip_at=body.slip_at, at=app.clock.now())
    return {"order_id": order_id, "slip_at": body.slip_at.isoformat()}
