"""Demo shop pages: the florist's two short videos (the committed sunflower sample and its
poster), photos for a few products (small JPEGs drawn here with Pillow), buyers who follow her,
and, when her live room exists, their notices of its session."""

from __future__ import annotations

import io
from datetime import datetime
from importlib import resources

from PIL import Image, ImageDraw

from pledge.accounts.services import Actor
from pledge.bootstrap import App
from pledge.catalog import images
from pledge.catalog import queries as catalog_queries
from pledge.followers.services import follow
from pledge.live import queries as live_queries
from pledge.notifications.model import Kind
from pledge.notifications.services import notify
from pledge.promises.model import Promise
from pledge.uploads.services import save_image
from pledge.videos import services as videos

MEDIA = resources.files("pledge") / "demo" / "media"
FLOWER_SHOP = 0  # index in the seeded shops
VIDEOS = (("三分钟学会插一束向日葵", "same-day", 2), ("斗南花市清晨探店", "48h", 3))
PHOTO_COLOURS = ((250, 200, 40), (235, 120, 150), (120, 180, 90), (245, 160, 60))


def _photo(colour: tuple[int, int, int], index: int) -> bytes:
    """A small square JPEG: a flower-coloured disc on a light ground."""
    image = Image.new("RGB", (240, 240), (250, 247, 240))
    draw = ImageDraw.Draw(image)
    draw.ellipse((40 + index * 4, 40, 200 - index * 4, 200), fill=colour)
    draw.ellipse((100, 100, 140, 140), fill=(110, 70, 30))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _photos(app: App, owner: Actor, product_ids: list[int], at: datetime) -> None:
    with app.uow.begin() as conn:
        for n, product_id in enumerate(product_ids[:4]):
            for i in range(2 if n == 0 else 1):
                data = _photo(PHOTO_COLOURS[(n + i) % len(PHOTO_COLOURS)], i)
                upload_id = save_image(conn, app.files, owner, data=data, filename="photo.jpg", at=at)
                images.add_image(conn, owner, product_id=product_id, upload_id=upload_id)


def _videos(app: App, owner: Actor, shop_id: int, product_ids: list[int], at: datetime) -> None:
    mp4, poster = (MEDIA / "sunflower.mp4").read_bytes(), (MEDIA / "poster.jpg").read_bytes()
    with app.uow.begin() as conn:
        for title, promise, linked in VIDEOS:
            video = videos.NewVideo(shop_id, title, mp4, poster, product_ids[:linked], Promise.parse(promise))
            videos.publish_video(conn, owner, app.files, video, at=at)


def _followers(app: App, shop_id: int, buyers: list[Actor], at: datetime) -> None:
    with app.uow.begin() as conn:
        for buyer in buyers[::2]:
            follow(conn, buyer, shop_id=shop_id, at=at)
        shop = catalog_queries.get_shop(conn, shop_id)
        for room in live_queries.rooms(conn, shop_id=shop_id):
            if room.session is None:
                continue
            notify(
                conn,
                [b.user_id for b in buyers[::2]],
                kind=Kind.LIVE_STARTED,
                params={"shop": shop["name"], "title": room.session.title, "room_id": room.id},
                link=f"/live/{room.id}",
                cause=f"demo-live:{room.session.id}",
                at=at,
            )


def seed_shop_pages(app: App, shops: list[dict], buyers: list[Actor], now: datetime) -> None:
    shop = shops[FLOWER_SHOP]
    owner, shop_id = shop["owner"], shop["shop_id"]
    with app.uow.read() as conn:
        product_ids = [p["id"] for p in catalog_queries.list_products(conn, shop_id=shop_id)]
    _photos(app, owner, product_ids, now)
    _videos(app, owner, shop_id, product_ids, now)
    _followers(app, shop_id, buyers, now)
