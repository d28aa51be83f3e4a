"""Product reviews: the buyer rates a delivered order line (1-5 stars, text, photos uploaded
through /uploads), edits it once; anyone reads a product's reviews."""

from pydantic import BaseModel, Field

from pledge.reviews import services as reviews
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.reviews import ProductReviewsOut, ReviewOut
from pledge.web.deps import ApiActor, AppDep
from pledge.web.types import Id, Note, PathId, Stars

router = ApiModuleRouter(tags=["reviews"])


class ReviewIn(BaseModel):
    stars: Stars
    body: Note = ""
    upload_ids: list[Id] = Field(default_factory=list, max_length=9)


class NewReviewIn(ReviewIn):
    order_line_id: Id


@router.post(
    "/reviews",
    status_code=201,
    summary="Buyer: review a line of a delivered order",
    responses={201: {"model": ReviewOut}},
)
def post_review(body: NewReviewIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        review_id = reviews.post_review(
            conn,
            actor,
            body.order_line_id,
            reviews.ReviewIn(body.stars, body.body, body.upload_ids),
            book=app.rulebook,
            at=app.clock.now(),
            screen=app.comment_screen,
            listener=app.listener,
        )
    return {"id": review_id, "order_line_id": body.order_line_id, "stars": body.stars}


@router.put(
    "/reviews/{review_id}",
    summary="Buyer: edit one's review (once, within the edit window)",
    responses={200: {"model": ReviewOut}},
)
def edit_review(review_id: PathId, body: ReviewIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        reviews.edit_review(
            conn,
            actor,
            review_id,
            reviews.ReviewIn(body.stars, body.body, body.upload_ids),
            book=app.rulebook,
            at=app.clock.now(),
            screen=app.comment_screen,
        )
    return {"id": review_id, "stars": body.stars}


@router.get(
    "/products/{product_id}/reviews",
    summary="A product's reviews, newest first (public)",
    responses={200: {"model": ProductReviewsOut}},
)
def product_reviews(product_id: PathId, app: AppDep) -> dict:
    with app.uow.read() as conn:
        return reviews.product_reviews(conn, product_id)
