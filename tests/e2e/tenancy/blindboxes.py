"""Tenancy cases of blind boxes: an order's draw records are read by its buyer, its shop and
platform staff only; shop B's orders stay NotFound to merchant A."""

from __future__ import annotations

from tests.e2e.tenancy import Case, Ids

ROUTES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/orders/{order_id}/blind-box-draws"): Case("denied"),
}


def prepare(world, owner, buyer, ids: Ids) -> None:
    """The side's paid order (Ids.order_id) is enough: its draws are read, possibly none."""
