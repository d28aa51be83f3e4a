"""Tenancy cases of shop pages, videos and product photos: the shop page, a video, its file and
poster and a product's photos are public; following a shop and liking or playing a video are
open to anyone; uploading a video or a product photo is the shop's members' only."""

from __future__ import annotations

from importlib import resources

from sqlalchemy import select

from pledge.catalog import images
from pledge.promises.model import Promise
from pledge.uploads.services import save_image
from pledge.videos import services as videos
from pledge.videos.tables import videos as videos_table
from tests.e2e.tenancy import Case, Ids
from tests.e2e.test_aftersales_api import PNG

MEDIA = resources.files("pledge") / "demo" / "media"


def _photo(ids: Ids, _csrf: str) -> dict:
    return {"files": {"file": ("card.png", PNG, "image/png")}}


def _video(ids: Ids, _csrf: str) -> dict:
    return {
        "data": {"title": "越权上传", "product_ids": str(ids.product_id), "promise": "48h"},
        "files": {
            "video": ("v.mp4", (MEDIA / "sunflower.mp4").read_bytes(), "video/mp4"),
            "poster": ("p.jpg", (MEDIA / "poster.jpg").read_bytes(), "image/jpeg"),
        },
    }


ROUTES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/shops/{shop_id}"): Case("public"),
    ("POST", "/api/v1/shops/{shop_id}/follow"): Case("open"),
    ("DELETE", "/api/v1/shops/{shop_id}/follow"): Case("own"),
    ("POST", "/api/v1/shops/{shop_id}/videos"): Case("denied", _video, ok=201),
    ("POST", "/api/v1/products/{product_id}/images"): Case("denied", _photo, ok=201),
    ("GET", "/api/v1/products/{product_id}/images/{position}"): Case("public"),
    ("DELETE", "/api/v1/products/{product_id}/images/{position}"): Case("denied", ok=204),
    ("POST", "/api/v1/products/{product_id}/images/{position}/move"): Case(
        "denied", lambda ids, csrf: {"json": {"to": 1}}
    ),
    ("GET", "/merchant/products/{product_id}/photos"): Case("denied"),
    ("POST", "/merchant/products/{product_id}/photos"): Case(
        "denied", lambda ids, csrf: {"data": {"csrf_token": csrf}, **_photo(ids, csrf)}, ok=303
    ),
    ("POST", "/merchant/products/{product_id}/photos/{position}/remove"): Case(
        "denied", lambda ids, csrf: {"data": {"csrf_token": csrf}}, ok=303
    ),
    ("POST", "/merchant/products/{product_id}/photos/{position}/move"): Case(
        "denied", lambda ids, csrf: {"data": {"csrf_token": csrf, "to": "1"}}, ok=303
    ),
    ("GET", "/api/v1/videos/{video_id}"): Case("public"),
    ("GET", "/api/v1/videos/{video_id}/file"): Case("public"),
    ("GET", "/api/v1/videos/{video_id}/poster"): Case("public"),
    ("POST", "/api/v1/videos/{video_id}/plays"): Case("open"),
    ("POST", "/api/v1/videos/{video_id}/likes"): Case("open"),
    ("DELETE", "/api/v1/videos/{video_id}/likes"): Case("open"),
    ("GET", "/shops/{shop_id}"): Case("public"),
    ("POST", "/shops/{shop_id}/follow"): Case(
        "open", lambda ids, csrf: {"data": {"csrf_token": csrf, "follow": "1"}}, ok=303
    ),
    ("GET", "/videos/{video_id}"): Case("public"),
}


def prepare(world, owner, buyer, ids: Ids) -> None:
    """The shop's video and its product's card photo, made once per shop and reused."""
    app = world.app
    with app.uow.begin() as c:
        video_id = c.execute(select(videos_table.c.id).where(videos_table.c.shop_id == ids.shop_id)).scalar()
        if video_id is None:
            video_id = videos.publish_video(
                c,
                owner,
                app.files,
                videos.NewVideo(
                    ids.shop_id,
                    "向日葵怎么插",
                    (MEDIA / "sunflower.mp4").read_bytes(),
                    (MEDIA / "poster.jpg").read_bytes(),
                    [ids.product_id],
                    Promise.parse("48h"),
                ),
                at=world.now,
            )
        if not images.image_uploads(c, ids.product_id):
            upload_id = save_image(c, app.files, owner, data=PNG, filename="card.png", at=world.now)
            images.add_image(c, owner, product_id=ids.product_id, upload_id=upload_id)
    ids.extra.update(video_id=video_id, position=1)
