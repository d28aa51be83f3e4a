"""What the reviews operations answer, as the OpenAPI document shows it (the handlers return
plain dicts from the queries; these models describe them for clients and for the fuzz test)."""

from datetime import datetime

from pydantic import BaseModel


class ReviewOut(BaseModel):
    id: int
    order_line_id: int | None = None
    stars: int


class ProductReviewsOutReviews(BaseModel):
    id: int
    stars: int
    body: str
    created_at: datetime
    edited_at: datetime | None
    photos: int


class ProductReviewsOut(BaseModel):
    product_id: int
    count: int
    average: float | None
    reviews: list[ProductReviewsOutReviews]
