"""Server-rendered pages (Jinja2 + HTMX), zh-CN by default with an English switch."""

from fastapi import APIRouter

from pledge.web.pages import (
    account,
    aftersales,
    buyers,
    chat,
    experience,
    feed,
    flash,
    governance,
    inventory,
    live,
    logistics,
    merchant,
    minors,
    operator,
    products,
    replays,
    reviews,
    settlement,
    shopping,
    shops,
    staff,
    videos,
    warehouse,
    wishes,
)

router = APIRouter(include_in_schema=False)
for module in (
    account,
    buyers,
    shopping,
    merchant,
    operator,
    aftersales,
    chat,
    experience,
    reviews,
    logistics,
    settlement,
    inventory,
    warehouse,
    flash,
    live,
    replays,
    shops,
    videos,
    staff,
    products,
    minors,
    governance,
    wishes,
    feed,
):
    router.include_router(module.router)
