"""Review pages: the buyer's review form for a delivered order (one review per line, editable
once), and the reviews fragment the product page loads."""

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from pledge.reviews import services as reviews
from pledge.web.deps import PageCaller, check_csrf, pledge
from pledge.web.forms import whole_number
from pledge.web.pages.routing import PageRouter
from pledge.web.photos import read_photo, store_photo
from pledge.web.render import redirect, render
from pledge.web.types import PathId

router = PageRouter()


@router.get("/orders/{order_id}/review")
def review_form(order_id: PathId, request: Request, caller: PageCaller, saved: bool = False):
    """The form; `saved` after a save shows the confirmation."""
    app = pledge(request)
    with app.uow.read() as conn:
        order = reviews.order_for_review(conn, caller.actor, order_id)
    return render(
        request,
        "review_form.html",
        order=order,
        window=reviews.window(app.rulebook, app.clock.now()),
        saved=saved,
    )


async def _line_photos(form, line_id: int) -> list[tuple[bytes, str]]:
    """The photos chosen for one line (input photos_<line id>), read up to the size limit."""
    files = [f for f in form.getlist(f"photos_{line_id}") if isinstance(f, UploadFile) and f.filename]
    return [(await read_photo(f), f.filename or "") for f in files]


@router.post("/orders/{order_id}/review")
async def save_reviews(order_id: PathId, request: Request, caller: PageCaller):
    """Every line with stars filled in is posted (or edited, if it has a review) in one go, with
    the photos chosen for it (an edit without new photos keeps the ones it had); then back to
    the form with a confirmation."""
    await check_csrf(request, caller)
    form = await request.form()  # the same parsed form, with its files
    app = pledge(request)

    def lines_of_the_order() -> list[dict]:  # database work runs in the thread pool
        with app.uow.read() as conn:
            return reviews.order_for_review(conn, caller.actor, order_id)["lines"]

    lines = await run_in_threadpool(lines_of_the_order)
    chosen = {line["id"]: await _line_photos(form, line["id"]) for line in lines}

    def save() -> int:
        saved = 0
        with app.uow.begin() as conn:
            for line in lines:
                stars = whole_number(form.get(f"stars_{line['id']}"), f"stars_{line['id']}")
                if stars is None:
                    continue
                new = [store_photo(app, caller.actor, data, name, conn) for data, name in chosen[line["id"]]]
                body = form.get(f"body_{line['id']}", "")
                reviews.save_for_line(
                    conn,
                    caller.actor,
                    line["id"],
                    reviews.ReviewIn(stars, str(body), new or line["photos"]),
                    book=app.rulebook,
                    at=app.clock.now(),
                    screen=app.comment_screen,
                    listener=app.listener,
                )
                saved += 1
        return saved

    saved = await run_in_threadpool(save)
    return redirect(f"/orders/{order_id}/review" + ("?saved=1" if saved else ""))


@router.get("/products/{product_id}/reviews")
def product_reviews(product_id: PathId, request: Request):
    with pledge(request).uow.read() as conn:
        found = reviews.product_reviews(conn, product_id)
    return render(request, "review_list.html", found=found)
