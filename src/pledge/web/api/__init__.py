"""REST API under /api/v1. Handlers stay thin: parse, authorise, call one service in one
transaction, shape the answer."""

from fastapi import APIRouter

from pledge.web.api import (
    aftersales,
    auth,
    catalog,
    chat,
    demo,
    experience,
    flash,
    guarantees,
    inventory,
    logistics,
    orders,
    payments,
    reviews,
    settlement,
    warehouse,
)

router = APIRouter(prefix="/api/v1")
for module in (
    auth,
    catalog,
    orders,
    payments,
    guarantees,
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
):
    router.include_router(module.router)
