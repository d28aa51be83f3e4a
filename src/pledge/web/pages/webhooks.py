"""The shop's webhook pages (docs/webhooks.md): endpoints listed, added (the signing secret shown
once), disabled or enabled, deleted, their secret rotated; and an endpoint's delivery log with
each delivery's status, attempts and next try, and a replay button."""

from fastapi import Request

from pledge.integrations import webhooks
from pledge.integrations.events import EVENT_TYPES
from pledge.web.deps import CheckedForm, FormFields, PageCaller, pledge
from pledge.web.pages.merchant import first_shop
from pledge.web.pages.routing import PageRouter
from pledge.web.render import redirect, render
from pledge.web.types import PathId

router = PageRouter()


@router.get("/merchant/webhooks")
def webhooks_home(request: Request):
    """The merchant menu's 消息推送: the caller's first shop's endpoints."""
    return first_shop(request, "webhooks")


def _page(request: Request, caller, shop_id: int, **shown):
    with pledge(request).uow.read() as conn:
        endpoints = webhooks.shop_endpoints(conn, caller.actor, shop_id)
    return render(
        request,
        "merchant_webhooks.html",
        shop_id=shop_id,
        endpoints=endpoints,
        event_types=list(EVENT_TYPES),
        **shown,
    )


@router.get("/merchant/shops/{shop_id}/webhooks")
def webhooks_page(shop_id: PathId, request: Request, caller: PageCaller):
    return _page(request, caller, shop_id)


def _chosen_events(form: FormFields) -> list[str]:
    return [name for name in EVENT_TYPES if form.get(f"event:{name}")]


@router.post("/merchant/shops/{shop_id}/webhooks")
def add_endpoint(shop_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        made = webhooks.register_endpoint(
            conn,
            caller.actor,
            shop_id=shop_id,
            url=form.get("url"),
            events=_chosen_events(form),
            at=app.clock.now(),
            allow_private=app.settings.webhooks_allow_private_hosts,
        )
    return _page(request, caller, shop_id, new_secret=made["secret"], secret_for=made["id"])


@router.post("/merchant/webhooks/{endpoint_id}/enabled")
def toggle(endpoint_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        shop_id = webhooks.endpoint_of(conn, caller.actor, endpoint_id)["shop_id"]
        enabled = form.get("enabled") == "1"
        webhooks.set_enabled(conn, caller.actor, endpoint_id, enabled=enabled, at=app.clock.now())
    return redirect(f"/merchant/shops/{shop_id}/webhooks")


@router.post("/merchant/webhooks/{endpoint_id}/secret")
def rotate(endpoint_id: PathId, request: Request, caller: PageCaller, _form: CheckedForm):
    with pledge(request).uow.begin() as conn:
        shop_id = webhooks.endpoint_of(conn, caller.actor, endpoint_id)["shop_id"]
        secret = webhooks.rotate_secret(conn, caller.actor, endpoint_id)
    return _page(request, caller, shop_id, new_secret=secret, secret_for=endpoint_id)


@router.post("/merchant/webhooks/{endpoint_id}/delete")
def delete(endpoint_id: PathId, request: Request, caller: PageCaller, _form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        shop_id = webhooks.endpoint_of(conn, caller.actor, endpoint_id)["shop_id"]
        webhooks.delete_endpoint(conn, caller.actor, endpoint_id, at=app.clock.now())
    return redirect(f"/merchant/shops/{shop_id}/webhooks")


@router.get("/merchant/webhooks/{endpoint_id}")
def delivery_log(endpoint_id: PathId, request: Request, caller: PageCaller):
    with pledge(request).uow.read() as conn:
        endpoint = webhooks.endpoint_of(conn, caller.actor, endpoint_id)
        deliveries = webhooks.deliveries_of(conn, caller.actor, endpoint_id)
    return render(request, "merchant_webhook_log.html", endpoint=endpoint, deliveries=deliveries)


@router.post("/merchant/webhook-deliveries/{delivery_id}/replay")
def replay(delivery_id: PathId, request: Request, caller: PageCaller, _form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        new_id = webhooks.replay(conn, caller.actor, delivery_id, at=app.clock.now())
        endpoint_id = webhooks.endpoint_of_delivery(conn, new_id)
    return redirect(f"/merchant/webhooks/{endpoint_id}")
