"""The shop page (店铺页) with its follow button, and the inbox (消息通知)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from pledge.followers import services as followers
from pledge.notifications import queries as notices
from pledge.notifications.services import mark_read
from pledge.web.deps import PageCaller, check_csrf, optional_caller, pledge
from pledge.web.forms import whole_number
from pledge.web.i18n import translator
from pledge.web.notices import notice_text
from pledge.web.render import language, redirect, render
from pledge.web.storefront import shop_data
from pledge.web.types import PathId

router = APIRouter()


@router.get("/shops/{shop_id}")
def shop_page(shop_id: PathId, request: Request, past_page: PathId = 1):
    app, caller = pledge(request), optional_caller(request)
    with app.uow.read() as conn:
        shop = shop_data(app, conn, shop_id, caller.actor.user_id if caller else None, past_page=past_page)
    return render(request, "shop.html", shop=shop)


@router.post("/shops/{shop_id}/follow")
async def follow(shop_id: PathId, request: Request, caller: PageCaller):
    form = await check_csrf(request, caller)
    app = pledge(request)
    with app.uow.begin() as conn:
        if form.get("follow") == "0":
            followers.unfollow(conn, caller.actor, shop_id=shop_id)
        else:
            followers.follow(conn, caller.actor, shop_id=shop_id, at=app.clock.now())
    return redirect(f"/shops/{shop_id}")


@router.get("/notifications")
def inbox(request: Request, caller: PageCaller, before: PathId | None = None):
    lang = language(request)
    gettext = translator(lang)
    with pledge(request).uow.read() as conn:
        found = notices.inbox(conn, caller.actor.user_id, before=before)
    rows = [{"notice": n, "text": notice_text(n, gettext, lang)} for n in found]
    return render(request, "notifications.html", rows=rows, more=len(found) == 20)


@router.get("/notifications/badge")
def badge(request: Request):
    """The unread count in the nav (loaded by HTMX after the page, so pages cost no query)."""
    caller = optional_caller(request)
    unread = 0
    if caller is not None:
        with pledge(request).uow.read() as conn:
            unread = notices.unread_count(conn, caller.actor.user_id)
    return render(request, "_notice_badge.html", unread=unread)


@router.post("/notifications/read")
async def read(request: Request, caller: PageCaller):
    form = await check_csrf(request, caller)
    app = pledge(request)
    with app.uow.begin() as conn:
        mark_read(conn, caller.actor, at=app.clock.now(), up_to=whole_number(form.get("up_to"), "up_to"))
    return redirect("/notifications")
