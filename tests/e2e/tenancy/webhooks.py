"""Tenancy cases of webhooks: only the shop's owner (or its app) registers, lists, disables,
deletes and rotates the shop's endpoints, reads their delivery log and replays a delivery;
another shop's endpoint or delivery id is a 404 that touches nothing."""

from __future__ import annotations

from sqlalchemy import select

from pledge.integrations import outbox, webhooks
from pledge.integrations.tables import webhook_deliveries
from tests.e2e.tenancy import Case, Ids

NEW_ENDPOINT = {"json": {"url": "https://93.184.216.34/hook", "events": ["order.paid"]}}

NEW_PAGE_ENDPOINT = {"url": "https://93.184.216.34/hook", "event:order.paid": "1"}


def _page(**fields) -> object:
    return lambda ids, csrf: {"data": {"csrf_token": csrf, **fields}}


ROUTES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/shops/{shop_id}/webhooks"): Case("denied"),
    ("POST", "/api/v1/shops/{shop_id}/webhooks"): Case("denied", lambda ids, csrf: NEW_ENDPOINT, ok=201),
    ("PUT", "/api/v1/webhooks/{endpoint_id}/enabled"): Case(
        "denied", lambda ids, csrf: {"json": {"enabled": False}}
    ),
    ("DELETE", "/api/v1/webhooks/{endpoint_id}"): Case("denied"),
    ("POST", "/api/v1/webhooks/{endpoint_id}/secret"): Case("denied", ok=201),
    ("GET", "/api/v1/webhooks/{endpoint_id}/deliveries"): Case("denied"),
    ("POST", "/api/v1/webhook-deliveries/{delivery_id}/replay"): Case("denied", ok=201),
    ("GET", "/merchant/shops/{shop_id}/webhooks"): Case("denied"),
    ("POST", "/merchant/shops/{shop_id}/webhooks"): Case("denied", _page(**NEW_PAGE_ENDPOINT)),
    ("POST", "/merchant/webhooks/{endpoint_id}/enabled"): Case("denied", _page(enabled="0"), ok=303),
    ("POST", "/merchant/webhooks/{endpoint_id}/secret"): Case("denied", _page()),
    ("POST", "/merchant/webhooks/{endpoint_id}/delete"): Case("denied", _page(), ok=303),
    ("GET", "/merchant/webhooks/{endpoint_id}"): Case("denied"),
    ("POST", "/merchant/webhook-deliveries/{delivery_id}/replay"): Case("denied", _page(), ok=303),
}


def prepare(world, owner, buyer, ids: Ids) -> None:
    """An endpoint of the side's shop with one delivery (fresh each time: a control deletes it)."""
    app = world.app
    now = app.clock.now()
    with app.uow.begin() as c:
        endpoint = webhooks.register_endpoint(
            c,
            owner,
            shop_id=ids.shop_id,
            url="http://127.0.0.1:9/hook",
            events=["order.paid"],
            at=now,
            allow_private=True,
        )
        payload = {"order_id": ids.order_id, "at": now, "detail": {}}
        event_id = outbox.publish(c, ids.shop_id, "order.paid", ids.order_id, payload, at=now)
        delivery_id = c.execute(
            select(webhook_deliveries.c.id).where(
                webhook_deliveries.c.endpoint_id == endpoint["id"], webhook_deliveries.c.event_id == event_id
            )
        ).scalar_one()
    ids.extra["endpoint_id"] = endpoint["id"]
    ids.extra["delivery_id"] = delivery_id
