"""Apps of the open platform: a shop's owner registers an app with scopes and gets its key (shown
once), lists the shop's apps, rotates a key, changes scopes, revokes an app. The app then calls the
API with `Authorization: Bearer pla_…`, within its scopes (pledge.web.app_scopes).

Listed apps: the platform's operator lists a service provider's app; a shop's owner installs it
from the market with some of the scopes it asks for and gets the installation's key; rotating,
narrowing and uninstalling (DELETE /apps/{app_id}) work as for the shop's own apps."""

from typing import Annotated

from pydantic import BaseModel, Field

from pledge.integrations import apps, listings
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.apps import (
    AppKeyOut,
    AppOut,
    AppRevokedOut,
    AppScopesOut,
    ListingCreatedOut,
    ListingOut,
    MarketEntryOut,
)
from pledge.web.deps import ApiActor, AppDep
from pledge.web.types import Code, Id, Name, PathId, TextRule

router = ApiModuleRouter(tags=["apps"])
Scopes = Annotated[list[Code], Field(min_length=1, max_length=len(apps.SCOPES))]


class NewAppIn(BaseModel):
    name: Name
    scopes: Scopes


class ScopesIn(BaseModel):
    scopes: Scopes


class ListingIn(BaseModel):
    name: Name
    description: Annotated[str, TextRule(listings.DESCRIPTION_MAX, multiline=True)]
    scopes: Scopes


class InstallIn(BaseModel):
    listing_id: Id
    scopes: Scopes


@router.post(
    "/shops/{shop_id}/apps",
    status_code=201,
    summary="Register an app for the shop with the scopes granted (the owner only); its key, shown once",
    responses={201: {"model": AppKeyOut}},
)
def post_app(shop_id: PathId, body: NewAppIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        issued = apps.register_app(
            conn, actor, shop_id=shop_id, name=body.name, scopes=body.scopes, at=app.clock.now()
        )
    return {"app_id": issued.app_id, "key": issued.key}


@router.get(
    "/shops/{shop_id}/apps",
    summary="The shop's apps and their scopes (the owner only)",
    responses={200: {"model": list[AppOut]}},
)
def get_apps(shop_id: PathId, app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.read() as conn:
        return apps.shop_apps(conn, actor, shop_id)


@router.post(
    "/apps/{app_id}/key",
    status_code=201,
    summary="A new key for the app; its earlier keys stop at once",
    responses={201: {"model": AppKeyOut}},
)
def rotate(app_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        issued = apps.rotate_key(conn, actor, app_id, at=app.clock.now())
    return {"app_id": issued.app_id, "key": issued.key}


@router.put(
    "/apps/{app_id}/scopes",
    summary="Change what the app may do",
    responses={200: {"model": AppScopesOut}},
)
def put_scopes(app_id: PathId, body: ScopesIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        granted = apps.set_scopes(conn, actor, app_id, body.scopes)
    return {"app_id": app_id, "scopes": granted.split()}


@router.delete(
    "/apps/{app_id}",
    summary="Revoke the app and its keys",
    responses={200: {"model": AppRevokedOut}},
)
def delete_app(app_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        apps.revoke_app(conn, actor, app_id, at=app.clock.now())
    return {"app_id": app_id, "revoked": True}


@router.post(
    "/app-listings",
    status_code=201,
    summary="List an app in the market with the scopes it asks for (the platform's operator)",
    responses={201: {"model": ListingCreatedOut}},
)
def post_listing(body: ListingIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        listing_id = listings.list_app(
            conn, actor, name=body.name, description=body.description, scopes=body.scopes, at=app.clock.now()
        )
    return {"listing_id": listing_id}


@router.get(
    "/app-listings",
    summary="The apps listed in the market",
    responses={200: {"model": list[ListingOut]}},
)
def get_listings(app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.read() as conn:
        return listings.listings(conn)


@router.get(
    "/shops/{shop_id}/market",
    summary="The market as the shop sees it: every listed app and the shop's installation of it",
    responses={200: {"model": list[MarketEntryOut]}},
)
def get_market(shop_id: PathId, app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.read() as conn:
        return listings.market(conn, actor, shop_id)


@router.post(
    "/shops/{shop_id}/installations",
    status_code=201,
    summary="Install a listed app granting some of its scopes (the owner only); its key, shown once",
    responses={201: {"model": AppKeyOut}},
)
def post_installation(shop_id: PathId, body: InstallIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        issued = listings.install(
            conn, actor, shop_id=shop_id, listing_id=body.listing_id, scopes=body.scopes, at=app.clock.now()
        )
    return {"app_id": issued.app_id, "key": issued.key}
