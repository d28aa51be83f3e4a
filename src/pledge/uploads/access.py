"""Who may read an upload. An upload is private to whoever sent it and to platform staff (who
decide disputes); a package that attaches uploads to something shared (an after-sales case's
evidence) names the other parties through the `SharedWith` port, so this package needs nothing
from above it. Everyone else is told the upload does not exist, so another shop's photos are
not even confirmed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import PLATFORM_ROLES, Actor
from pledge.kernel.errors import NotFound
from pledge.uploads.tables import uploads


@dataclass(frozen=True)
class Party:
    """Someone an upload is shared with: a shop (any of its members) and a buyer."""

    shop_id: int
    buyer_id: int


class SharedWith(Protocol):
    def __call__(self, conn: Connection, upload_id: int) -> Iterable[Party]:
        """The parties an upload was shared with (for instance as a case's evidence)."""
        ...


def check_readable(conn: Connection, actor: Actor, upload_id: int, *, shared_with: SharedWith) -> None:
    """Raise NotFound unless the actor sent the upload, is platform staff, or belongs to a
    party it was shared with."""
    row = conn.execute(select(uploads.c.owner_id).where(uploads.c.id == upload_id)).first()
    if row is None:
        raise NotFound(f"no upload {upload_id}")
    if row.owner_id == actor.user_id or actor.platform_role in PLATFORM_ROLES:
        return
    for party in shared_with(conn, upload_id):
        if party.shop_id in actor.shops or party.buyer_id == actor.user_id:
            return
    raise NotFound(f"no upload {upload_id}")
