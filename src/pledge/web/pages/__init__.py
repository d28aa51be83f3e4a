"""Server-rendered pages (Jinja2 + HTMX), zh-CN by default with an English switch."""
from fastapi import APIRouter

from pledge.web.pages import account, aftersales, chat, merchant, operator, shopping

router = APIRouter(include_in_schema=False)
for module in (account, shopping, merchant, operator, aftersales, chat):
    router.include_router(module.router)
