"""REST API under /api/v1. Handlers stay thin: parse, authorise, call one service in one
transaction, shape the answer."""
from fastapi import APIRouter

from pledge.web.api import aftersales, auth, catalog, chat, demo, guarantees, orders, payments

router = APIRouter(prefix="/api/v1")
for module in (auth, catalog, orders, payments, guarantees, aftersales, chat, demo):
    router.include_router(module.router)
