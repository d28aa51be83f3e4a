"""Review pages: the buyer's review form for a delivered order (one review per line, editable
once), and the reviews fragment the product page loads."""

from fastapi import APIRouter, Request

from pledge.reviews import services as reviews
from pledge.web.deps import PageCaller, check_csrf, pledge
from pledge.web.forms import whole_number
from pledge.web.render import redirect, render
from pledge.web.types import PathId

router = APIRouter()


@router.get("/orders/{order_id}/review")
def review_form(order_id: PathId, request: Request, caller: PageCaller):
    app = pledge(request)
    with app.uow.read() as conn:
        order = reviews.order_for_review(conn, caller.actor, order_id)
    return render(
        request, "review_form.html", order=order, window=reviews.window(app.rulebook, app.clock.now())
    )


@router.post("/orders/{order_id}/review")
async def save_reviews(order_id: PathId, request: Request, caller: PageCaller):
    """Every line with stars filled in is posted (or edited, if it has a review) in one go."""
    form = await check_csrf(request, caller)
    app = pledge(request)
    with app.uow.begin() as conn:
        order = reviews.order_for_review(conn, caller.actor, order_id)
        for line in order["lines"]:
            stars = whole_number(form.get(f"stars_{line['id']}"), f"stars_{line['id']}")
            if stars is None:
                continue
            reviews.save_for_line(
                conn,
                caller.actor,
                line["id"],
                reviews.ReviewIn(stars, str(form.get(f"body_{line['id']}", ""))),
                book=app.rulebook,
                at=app.clock.now(),
            )
    return redirect(f"/orders/{order_id}/review")


@router.get("/products/{product_id}/reviews")
def product_reviews(product_id: PathId, request: Request):
    with pledge(request).uow.read() as conn:
        found = reviews.product_reviews(conn, product_id)
    return render(request, "review_list.html", found=found)
