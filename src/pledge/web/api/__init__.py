"""REST API under /api/v1. Handlers stay thin: parse, authorise, call one service in one
transaction, shape the answer."""

from fastapi import APIRouter

from pledge.web.api import (
    aftersales,
    auth,
    blindboxes,
    buyers,
    catalog,
    chat,
    compensation,
    demo,
    experience,
    flash,
    governance,
    inventory,
    live,
    logistics,
    minors,
    notifications,
    orders,
    payments,
    reach,
    reviews,
    settlement,
    shops,
    staff,
    videos,
    warehouse,
    wishes,
)

router = APIRouter(prefix="/api/v1")
for module in (
    auth,
    buyers,
    catalog,
    orders,
    payments,
    compensation,
    aftersales,
    chat,
    demo,
    experience,
    reviews,
    logistics,
    settlement,
    inventory,
    warehouse,
    flash,
    live,
    shops,
    videos,
    notifications,
    staff,
    blindboxes,
    minors,
    governance,
    wishes,
    reach,
):
    router.include_router(module.router)
