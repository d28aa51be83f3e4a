"""Tenancy cases of creators' own short videos (达人短视频): only the creator whose video it is
takes it down; another's video id is 404 and touches nothing (the side's owner is also a creator
here, selling its own shop's product, as in creator_rooms)."""

from __future__ import annotations

from importlib import resources

from sqlalchemy import select

from pledge.catalog.tables import skus
from pledge.creators import videos
from tests.e2e.tenancy import Case, Ids
from tests.e2e.tenancy.creator_rooms import _creator, _room_sku

MEDIA = resources.files("pledge") / "demo" / "media"

ROUTES: dict[tuple[str, str], Case] = {
    ("POST", "/creator/videos/{video_id}/remove"): Case(
        "denied",
        lambda ids, csrf: {"data": {"csrf_token": csrf}},
        ok=303,
        params=(("video_id", "creator_video_id"),),
    ),
}


def prepare(world, owner, buyer, ids: Ids) -> None:
    """A published video of the owner's (as a creator) selling their showcase product; a fresh
    one each time, since the positive control takes it down."""
    app = world.app
    _creator(world, owner)
    ids.extra["room_sku_id"] = _room_sku(world, owner, ids)
    with app.uow.begin() as c:
        product_id = c.execute(
            select(skus.c.product_id).where(skus.c.id == ids.extra["room_sku_id"])
        ).scalar_one()
        new = videos.NewCreatorVideo(
            "达人短视频",
            (MEDIA / "sunflower.mp4").read_bytes(),
            (MEDIA / "poster.jpg").read_bytes(),
            [product_id],
        )
        ids.extra["creator_video_id"] = videos.publish(c, owner, app.rulebook, app.files, new, at=world.now)
