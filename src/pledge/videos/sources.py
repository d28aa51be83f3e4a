"""What buying "from a short video" binds: the video's promise, for the products it links."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.attribution.model import Bound, Channel, Source
from pledge.catalog.tables import skus
from pledge.kernel.errors import Conflict, NotFound
from pledge.videos.model import VideoStatus
from pledge.videos.tables import video_products, videos


class VideoSources:
    def bind(self, conn: Connection, source: Source, sku_ids: Collection[int], *, at: datetime) -> Bound:
        video = conn.execute(
            select(videos.c.id, videos.c.content_id, videos.c.creator_id).where(
                videos.c.id == source.id, videos.c.status == VideoStatus.PUBLISHED
            )
        ).first()
        if video is None:
            raise NotFound(f"no video {source.id}")
        linked = set(
            conn.execute(
                select(skus.c.id)
                .join(video_products, video_products.c.product_id == skus.c.product_id)
                .where(video_products.c.video_id == video.id, skus.c.id.in_(list(sku_ids)))
            ).scalars()
        )
        missing = sorted(set(sku_ids) - linked)
        if missing:
            raise Conflict(f"SKU {missing[0]} is not sold in video {video.id}")
        return Bound(Channel.SHORT_VIDEO, video.content_id, {}, f"video:{video.id}", video.creator_id)
