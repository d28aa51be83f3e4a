"""The shop page (店铺页) with its follow button, the inbox (消息通知), and the merchant's page for
a product's photos (add, remove, reorder; the first is the card photo)."""

from __future__ import annotations

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from pledge.audiences.services import is_opted_out
from pledge.catalog import images
from pledge.catalog import queries as catalog_queries
from pledge.followers import services as followers
from pledge.kernel.errors import InvalidInput
from pledge.notifications import queries as notices
from pledge.notifications.services import mark_read
from pledge.reach.recording import EventKind, Subject
from pledge.web.deps import CheckedForm, PageCaller, optional_caller, pledge, verify_csrf
from pledge.web.forms import required_number, whole_number
from pledge.web.i18n import translator
from pledge.web.notices import notice_text
from pledge.web.pages.routing import PageRouter
from pledge.web.photos import read_photo, store_photo
from pledge.web.render import language, redirect, render
from pledge.web.storefront import shop_data
from pledge.web.types import PathId
from pledge.web.visitors import record_for

router = PageRouter()


@router.get("/shops/{shop_id}")
def shop_page(shop_id: PathId, request: Request, past_page: PathId = 1):
    app, caller = pledge(request), optional_caller(request)
    with app.uow.read() as conn:
        shop = shop_data(app, conn, shop_id, caller.actor.user_id if caller else None, past_page=past_page)
        opted_out = caller is not None and is_opted_out(conn, caller.actor.user_id, shop_id)
    return render(request, "shop.html", shop=shop, opted_out=opted_out)


@router.post("/shops/{shop_id}/follow")
def follow(shop_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        if form.get("follow") == "0":
            followers.unfollow(conn, caller.actor, shop_id=shop_id)
        else:
            followers.follow(conn, caller.actor, shop_id=shop_id, at=app.clock.now())
    if form.get("follow") != "0":
        record_for(app, caller.actor.user_id, EventKind.FOLLOW, [(Subject.SHOP, shop_id)])
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
def read(request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        mark_read(conn, caller.actor, at=app.clock.now(), up_to=whole_number(form.get("up_to"), "up_to"))
    return redirect("/notifications")


def _photos_url(product_id: int) -> str:
    return f"/merchant/products/{product_id}/photos"


@router.get("/merchant/products/{product_id}/photos")
def photos_page(product_id: PathId, request: Request, caller: PageCaller):
    with pledge(request).uow.read() as conn:
        uploads = images.managed_images(conn, caller.actor, product_id)
        product = catalog_queries.get_product(conn, product_id)
    photos = [
        {"position": n, "url": f"{images.image_url(product_id, n)}?v={upload_id}"}
        for n, upload_id in enumerate(uploads, 1)
    ]
    return render(
        request, "product_photos.html", product=product, photos=photos, max_photos=images.MAX_IMAGES
    )


@router.post("/merchant/products/{product_id}/photos")
async def add_photo(product_id: PathId, request: Request, caller: PageCaller):
    form = await request.form(max_files=1, max_fields=4)
    verify_csrf(form, caller)
    file = form.get("file")
    if isinstance(file, str) or file is None:
        raise InvalidInput("choose a photo to add")
    data = await read_photo(file)
    app, name = pledge(request), file.filename or ""

    def add() -> None:  # in the thread pool, as a plain def handler's work is
        with app.uow.begin() as conn:
            upload_id = store_photo(app, caller.actor, data, name, conn)
            images.add_image(conn, caller.actor, product_id=product_id, upload_id=upload_id)

    await run_in_threadpool(add)
    return redirect(_photos_url(product_id))


@router.post("/merchant/products/{product_id}/photos/{position}/remove")
def remove_photo(
    product_id: PathId, position: PathId, request: Request, caller: PageCaller, _form: CheckedForm
):
    with pledge(request).uow.begin() as conn:
        images.remove_image(conn, caller.actor, product_id=product_id, position=position)
    return redirect(_photos_url(product_id))


@router.post("/merchant/products/{product_id}/photos/{position}/move")
def move_photo(product_id: PathId, position: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    to = required_number(form.get("to"), "to", low=1, high=images.MAX_IMAGES)
    with pledge(request).uow.begin() as conn:
        images.move_image(conn, caller.actor, product_id=product_id, position=position, to=to)
    return redirect(_photos_url(product_id))
