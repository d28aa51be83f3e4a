"""Webhooks (docs/webhooks.md): the shop's owner, or an app whose key grants `webhooks:write`,
registers endpoints (the signing secret is in the answer, once), lists them, disables, enables,
deletes, rotates the secret, reads an endpoint's delivery log and replays a delivery."""

from typing import Annotated

from pydantic import BaseModel, Field

from pledge.integrations import webhooks
from pledge.integrations.events import EVENT_TYPES
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.webhooks import (
    DeliveryOut,
    EndpointCreatedOut,
    EndpointOut,
    EndpointStateOut,
    ReplayOut,
    SecretOut,
)
from pledge.web.deps import ApiActor, AppDep
from pledge.web.types import Code, PathId

router = ApiModuleRouter(tags=["webhooks"])
EventTypes = Annotated[list[Code], Field(min_length=1, max_length=len(EVENT_TYPES))]


class NewEndpointIn(BaseModel):
    url: str = Field(min_length=1, max_length=500)
    events: EventTypes


class EnabledIn(BaseModel):
    enabled: bool


@router.post(
    "/shops/{shop_id}/webhooks",
    status_code=201,
    summary="Register a webhook endpoint for the shop; its signing secret, shown once",
    responses={201: {"model": EndpointCreatedOut}},
)
def post_endpoint(shop_id: PathId, body: NewEndpointIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        return webhooks.register_endpoint(
            conn,
            actor,
            shop_id=shop_id,
            url=body.url,
            events=body.events,
            at=app.clock.now(),
            allow_private=app.settings.webhooks_allow_private_hosts,
        )


@router.get(
    "/shops/{shop_id}/webhooks",
    summary="The shop's webhook endpoints",
    responses={200: {"model": list[EndpointOut]}},
)
def get_endpoints(shop_id: PathId, app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.read() as conn:
        return webhooks.shop_endpoints(conn, actor, shop_id)


@router.put(
    "/webhooks/{endpoint_id}/enabled",
    summary="Disable an endpoint (its deliveries wait) or enable it again",
    responses={200: {"model": EndpointStateOut}},
)
def put_enabled(endpoint_id: PathId, body: EnabledIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        webhooks.set_enabled(conn, actor, endpoint_id, enabled=body.enabled, at=app.clock.now())
    return {"id": endpoint_id, "enabled": body.enabled, "deleted": False}


@router.delete(
    "/webhooks/{endpoint_id}",
    summary="Delete an endpoint: nothing more is sent to it",
    responses={200: {"model": EndpointStateOut}},
)
def delete_endpoint(endpoint_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        webhooks.delete_endpoint(conn, actor, endpoint_id, at=app.clock.now())
    return {"id": endpoint_id, "enabled": False, "deleted": True}


@router.post(
    "/webhooks/{endpoint_id}/secret",
    status_code=201,
    summary="A new signing secret (shown once); the old one stops signing at once",
    responses={201: {"model": SecretOut}},
)
def rotate_secret(endpoint_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        return {"id": endpoint_id, "secret": webhooks.rotate_secret(conn, actor, endpoint_id)}


@router.get(
    "/webhooks/{endpoint_id}/deliveries",
    summary="The endpoint's latest deliveries, newest first, with every attempt",
    responses={200: {"model": list[DeliveryOut]}},
)
def get_deliveries(endpoint_id: PathId, app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.read() as conn:
        return webhooks.deliveries_of(conn, actor, endpoint_id)


@router.post(
    "/webhook-deliveries/{delivery_id}/replay",
    status_code=201,
    summary="Send the delivery's event to its endpoint again, as a new delivery",
    responses={201: {"model": ReplayOut}},
)
def replay(delivery_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        return {"delivery_id": webhooks.replay(conn, actor, delivery_id, at=app.clock.now())}
