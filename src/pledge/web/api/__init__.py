"""REST API under /api/v1. Handlers stay thin: parse, authorise, call one service in one
transaction, shape the answer."""

from pledge.web.api import (
    affiliate,
    aftersales,
    apps,
    audiences,
    auth,
    blindboxes,
    bulk,
    buyers,
    catalog,
    chat,
    compensation,
    creator_penalties,
    creators,
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
    search,
    settlement,
    shops,
    staff,
    videos,
    warehouse,
    webhooks,
    wishes,
)
from pledge.web.api.routing import PREFIX

__all__ = ["PREFIX", "ROUTERS"]

# Included one by one into the app under PREFIX (web/app.py): a router nested in a router costs
# FastAPI a second scan of the routes on every request (docs/benchmarks.md).
ROUTERS = tuple(
    module.router
    for module in (
        auth,
        buyers,
        catalog,
        bulk,  # before orders: /orders/changes and /orders/ship are not /orders/{order_id}
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
        creator_penalties,  # before creators: /creators/me/penalties
        wishes,
        creators,
        affiliate,
        reach,
        apps,
        search,
        audiences,
        webhooks,
    )
)
