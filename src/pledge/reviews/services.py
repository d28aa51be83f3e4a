"""Product reviews (商品评价): the buyer of a delivered order rates each line 1-5 stars with text
and optional photos; one review per line, editable `max_edits` times within `edit_days` of
posting, only within `days` of sign-off (clause review.window, a Pledge default). The reviews
feed the score's product rating (商品综合评分, douyin:103956) and the product page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from pledge.accounts.services import Actor
from pledge.kernel.db import inserted_id
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.kernel.heard import NOBODY, Heard, Listener, Said
from pledge.kernel.screening import ADMIT_ALL, ContentScreen, Held, Kept, Outcome
from pledge.orders.model import OrderStatus
from pledge.orders.tables import order_lines, orders
from pledge.reviews.tables import review_photos, reviews
from pledge.rulebooks.loader import Clause, Rulebook
from pledge.uploads.services import owned_uploads

MAX_BODY = 1000
REVIEWABLE = (OrderStatus.DELIVERED.value,)


@dataclass(frozen=True)
class ReviewIn:
    stars: int
    body: str = ""
    upload_ids: list[int] = field(default_factory=list)


def window(book: Rulebook, at: datetime) -> Clause:
    return book.one("review_window", at)


def _check(cmd: ReviewIn, clause: Clause) -> str:
    if isinstance(cmd.stars, bool) or not isinstance(cmd.stars, int) or not 1 <= cmd.stars <= 5:
        raise InvalidInput("stars must be a whole number from 1 to 5")
    body = (cmd.body or "").strip()
    if len(body) > MAX_BODY:
        raise InvalidInput(f"a review has at most {MAX_BODY} characters")
    if len(cmd.upload_ids) > clause.get("max_photos"):
        raise InvalidInput(f"at most {clause.get('max_photos')} photos ({clause.id})")
    return body


def _line_for_buyer(conn: Connection, actor: Actor, order_line_id: int):
    row = conn.execute(
        select(
            order_lines.c.id,
            order_lines.c.product_id,
            orders.c.id.label("order_id"),
            orders.c.shop_id,
            orders.c.buyer_id,
            orders.c.status,
            orders.c.delivered_at,
        )
        .join(orders, orders.c.id == order_lines.c.order_id)
        .where(order_lines.c.id == order_line_id)
    ).first()
    if row is None or row.buyer_id != actor.user_id:  # another buyer's line is not revealed
        raise NotFound(f"you have no order line {order_line_id}")
    return row


def _screened(screen: ContentScreen, body: str) -> Outcome:
    """The content checks' outcome for a review's text: blocked text raises (nothing stored);
    REVIEW keeps the review from everyone but its author until a reviewer decides."""
    return screen.admit([("review", body)]) if body else Outcome.ALLOW


def post_review(
    conn: Connection,
    actor: Actor,
    order_line_id: int,
    cmd: ReviewIn,
    *,
    book: Rulebook,
    at: datetime,
    screen: ContentScreen = ADMIT_ALL,
    listener: Listener = NOBODY,
) -> int:
    """A buyer's review of a delivered line, within the window; its text, when the checks show it
    to everyone, is told to the listener."""
    clause = window(book, at)
    body = _check(cmd, clause)
    line = _line_for_buyer(conn, actor, order_line_id)
    if line.status not in REVIEWABLE or line.delivered_at is None:
        raise Conflict(f"order {line.order_id} has not been delivered yet; reviews open after sign-off")
    closes = line.delivered_at + timedelta(days=clause.get("days"))
    if at > closes:
        raise Conflict(
            f"reviews for order {line.order_id} closed at {closes.isoformat()} "
            f"({clause.get('days')} days after sign-off, {clause.id})"
        )
    photos = owned_uploads(conn, actor, list(dict.fromkeys(cmd.upload_ids)))
    outcome = _screened(screen, body)
    try:
        with conn.begin_nested():
            review_id = inserted_id(
                conn,
                reviews.insert().values(
                    order_id=line.order_id,
                    order_line_id=line.id,
                    product_id=line.product_id,
                    shop_id=line.shop_id,
                    buyer_id=actor.user_id,
                    stars=cmd.stars,
                    body=body,
                    created_at=at,
                    edits=0,
                    moderation=outcome.value,
                ),
            )
    except IntegrityError:
        raise Conflict(f"order line {order_line_id} has a review already; edit it instead") from None
    if photos:
        conn.execute(
            review_photos.insert(),
            [{"review_id": review_id, "shop_id": line.shop_id, "upload_id": u} for u in photos],
        )
    if outcome is Outcome.REVIEW:
        screen.hold(conn, Held(Kept.REVIEW, review_id, body, line.shop_id, actor.user_id), at=at)
    if body and outcome is Outcome.ALLOW:
        said = Heard(Said.REVIEW, review_id, line.shop_id, actor.user_id, body, at, order_id=line.order_id)
        listener.heard(conn, said)
    return review_id


def edit_review(
    conn: Connection,
    actor: Actor,
    review_id: int,
    cmd: ReviewIn,
    *,
    book: Rulebook,
    at: datetime,
    screen: ContentScreen = ADMIT_ALL,
) -> None:
    clause = window(book, at)
    body = _check(cmd, clause)
    row = conn.execute(select(reviews).where(reviews.c.id == review_id)).first()
    if row is None or row.buyer_id != actor.user_id:
        raise NotFound(f"you have no review {review_id}")
    if row.edits >= clause.get("max_edits"):
        raise Conflict(
            f"review {review_id} was edited already; a review may be edited "
            f"{clause.get('max_edits')} time(s) ({clause.id})"
        )
    closes = row.created_at + timedelta(days=clause.get("edit_days"))
    if at > closes:
        raise Conflict(
            f"review {review_id} can no longer be edited: the edit window closed at "
            f"{closes.isoformat()} ({clause.id})"
        )
    photos = owned_uploads(conn, actor, list(dict.fromkeys(cmd.upload_ids)))
    outcome = _screened(screen, body)
    done = conn.execute(
        reviews.update()
        .where(reviews.c.id == review_id, reviews.c.edits == row.edits)
        .values(stars=cmd.stars, body=body, edited_at=at, edits=row.edits + 1, moderation=outcome.value)
    ).rowcount
    if done != 1:
        raise Conflict(f"review {review_id} changed while it was being edited; reload and try again")
    conn.execute(review_photos.delete().where(review_photos.c.review_id == review_id))
    if photos:
        conn.execute(
            review_photos.insert(),
            [{"review_id": review_id, "shop_id": row.shop_id, "upload_id": u} for u in photos],
        )
    if outcome is Outcome.REVIEW:
        screen.hold(conn, Held(Kept.REVIEW, review_id, body, row.shop_id, actor.user_id), at=at)


def save_for_line(
    conn: Connection,
    actor: Actor,
    order_line_id: int,
    cmd: ReviewIn,
    *,
    book: Rulebook,
    at: datetime,
    screen: ContentScreen = ADMIT_ALL,
    listener: Listener = NOBODY,
) -> int:
    """The review form: post the line's review, or edit it when there is one."""
    existing = conn.execute(
        select(reviews.c.id).where(
            reviews.c.order_line_id == order_line_id, reviews.c.buyer_id == actor.user_id
        )
    ).scalar()
    if existing is None:
        return post_review(
            conn, actor, order_line_id, cmd, book=book, at=at, screen=screen, listener=listener
        )
    edit_review(conn, actor, existing, cmd, book=book, at=at, screen=screen)
    return existing


def set_moderation(conn: Connection, review_id: int, outcome: Outcome, *, at: datetime) -> None:
    """A reviewer's decision on a held or reported review (trust & safety): ALLOW shows it to
    everyone and counts it in the product's reviews; anything else hides it from all but its author."""
    if (
        conn.execute(
            reviews.update()
            .where(reviews.c.id == review_id)
            .values(moderation=outcome.value, moderated_at=at)
        ).rowcount
        != 1
    ):
        raise NotFound(f"no review {review_id}")


def order_for_review(conn: Connection, actor: Actor, order_id: int) -> dict:
    """The buyer's order with its lines and their reviews (the review form)."""
    order = conn.execute(select(orders).where(orders.c.id == order_id)).first()
    if order is None or order.buyer_id != actor.user_id:
        raise NotFound(f"you have no order {order_id}")
    r = reviews.c
    lines = conn.execute(
        select(
            order_lines.c.id,
            order_lines.c.title,
            order_lines.c.quantity,
            order_lines.c.product_id,
            r.id.label("review_id"),
            r.stars,
            r.body,
            r.edits,
            r.created_at,
            r.moderation,
        )
        .outerjoin(reviews, reviews.c.order_line_id == order_lines.c.id)
        .where(order_lines.c.order_id == order_id)
        .order_by(order_lines.c.id)
    ).all()
    photos: dict[int, list[int]] = {}
    found = [row.review_id for row in lines if row.review_id is not None]
    for review_id, upload_id in conn.execute(
        select(review_photos.c.review_id, review_photos.c.upload_id)
        .where(review_photos.c.review_id.in_(found))
        .order_by(review_photos.c.upload_id)
    ):
        photos.setdefault(review_id, []).append(upload_id)
    return {
        "id": order.id,
        "status": order.status,
        "delivered_at": order.delivered_at,
        "shop_id": order.shop_id,
        "lines": [dict(row._mapping, photos=photos.get(row.review_id, [])) for row in lines],
    }


def product_reviews(conn: Connection, product_id: int, *, limit: int = 20) -> dict:
    """Public: a product's reviews, newest first, with the average and count; a review the
    content checks hold for a reviewer is left out (its author still sees it on the order)."""
    r = reviews.c
    shown = (r.product_id == product_id, r.moderation == Outcome.ALLOW.value)
    avg, count = conn.execute(select(func.avg(r.stars), func.count()).where(*shown)).one()
    rows = conn.execute(
        select(
            r.id,
            r.stars,
            r.body,
            r.created_at,
            r.edited_at,
            select(func.count()).where(review_photos.c.review_id == r.id).scalar_subquery().label("photos"),
        )
        .where(*shown)
        .order_by(r.created_at.desc(), r.id.desc())
        .limit(limit)
    ).all()
    return {
        "product_id": product_id,
        "count": int(count),
        "average": None if avg is None else round(float(avg), 2),
        "reviews": [dict(row._mapping) for row in rows],
    }
