"""The shop page (店铺页) for the API and the pages alike: the shop, its experience score badge,
followers, products (card photo first), videos (内容货架) and live sessions, composed from each
package's own queries in one read."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy.engine import Connection

from pledge.bootstrap import App
from pledge.catalog import images
from pledge.catalog import queries as catalog_queries
from pledge.experience.queries import shown_score
from pledge.followers.services import following
from pledge.live import queries as live_queries
from pledge.live.model import SessionStatus
from pledge.videos.queries import shop_videos
from pledge.web.videos import video_data

UPCOMING = (SessionStatus.LIVE, SessionStatus.SCHEDULED)
PAST = (SessionStatus.ENDED, SessionStatus.CUT)


def _sessions(found: list[live_queries.ShopSession]) -> list[dict]:
    return [
        dict(asdict(f.session), room_id=f.room_id, room_title=f.room_title, status=f.session.status.value)
        for f in found
    ]


def shop_data(app: App, conn: Connection, shop_id: int, user_id: int | None, *, past_page: int = 1) -> dict:
    """The shop page; every upcoming session, and past sessions a page at a time."""
    shop = catalog_queries.get_shop(conn, shop_id)
    products = catalog_queries.list_products(conn, shop_id=shop_id)
    with_photo = images.card_photos(conn, [p["id"] for p in products])
    upcoming, _ = live_queries.shop_sessions(conn, shop_id, UPCOMING, page=1)
    past, past_more = live_queries.shop_sessions(conn, shop_id, PAST, page=past_page)
    return dict(
        shop,
        experience_score=shown_score(conn, shop_id),
        **{k: v for k, v in asdict(following(conn, user_id, shop_id)).items() if k != "shop_id"},
        products=[
            {
                "id": p["id"],
                "title": p["title"],
                "from_price_fen": p["from_price_fen"],
                "image_url": images.image_url(p["id"]) if p["id"] in with_photo else None,
            }
            for p in products
        ],
        videos=[video_data(app, v) for v in shop_videos(conn, shop_id)],
        upcoming_sessions=_sessions(upcoming),
        past_sessions=_sessions(past),
        past_page=past_page,
        past_more=past_more,
    )
