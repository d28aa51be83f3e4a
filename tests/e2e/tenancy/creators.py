"""Tenancy cases of creators and the affiliate marketplace: only the product's shop offers rates
for it; a creator takes products out of their own showcase only (B's product id touches nothing
of B's); only platform operators set a creator's standing or grade (a merchant: 403 even for its
own owner's creator account)."""

from __future__ import annotations

from sqlalchemy import select

from pledge.creators import services as creators
from pledge.creators.tables import creators as creator_rows
from tests.e2e.tenancy import Case, Ids

RATE = {"json": {"rate_bp": 1500, "starts_at": "2026-09-01T00:00:00+08:00"}}

ROUTES: dict[tuple[str, str], Case] = {
    ("POST", "/api/v1/products/{product_id}/affiliate-rates"): Case("denied", lambda ids, csrf: RATE, ok=201),
    ("DELETE", "/api/v1/creators/me/showcase/{product_id}"): Case("own"),
    ("PUT", "/api/v1/creators/{creator_id}/status"): Case(
        "denied", lambda ids, csrf: {"json": {"status": "limited"}}, ok=403, operator_ok=200
    ),
    ("PUT", "/api/v1/creators/{creator_id}/grade"): Case(
        "denied",
        lambda ids, csrf: {"json": {"period_start": "2026-09-09", "grade": "B"}},
        ok=403,
        operator_ok=200,
    ),
}


def prepare(world, owner, buyer, ids: Ids) -> None:
    """The side's owner is also a creator (once: prepare runs again before positive controls)."""
    app = world.app
    with app.uow.begin() as c:
        found = c.execute(select(creator_rows.c.id).where(creator_rows.c.user_id == owner.user_id)).scalar()
        if found is None:
            new = creators.NewCreator(f"creator_{owner.user_id}", "店主达人", 5_000)
            found = creators.register_creator(c, owner, new, at=app.clock.now())
    ids.extra["creator_id"] = found
