"""App market pages (应用市场, issue 20): the platform's operator lists service providers' apps
(/operator/apps); a shop's owner installs a listed app granting some of the scopes it asks for,
sees the installation's key once, and uninstalls it (/merchant/apps)."""

from typing import Annotated

from fastapi import Request
from starlette.datastructures import FormData

from pledge.accounts.services import require_platform
from pledge.integrations import apps, listings
from pledge.kernel.errors import Forbidden, InvalidInput
from pledge.web.deps import CheckedForm, CheckedFormData, PageCaller, pledge
from pledge.web.forms import form_text, required_number
from pledge.web.pages.routing import PageRouter
from pledge.web.render import redirect, render
from pledge.web.types import Name, TextRule

router = PageRouter()
SCOPES = sorted(apps.SCOPES)
ListingDescription = Annotated[str, TextRule(listings.DESCRIPTION_MAX, multiline=True)]


def _scopes(form: FormData) -> list[str]:
    chosen = [str(s) for s in form.getlist("scope")]
    if not chosen:
        raise InvalidInput("scopes: name at least one scope", msgid="apps.pick_a_scope")
    return chosen


@router.get("/operator/apps")
def operator_page(request: Request, caller: PageCaller):
    require_platform(caller.actor, "operator")
    with pledge(request).uow.read() as conn:
        listed = listings.listings(conn)
    return render(request, "apps_operator.html", listed=listed, scopes=SCOPES)


@router.post("/operator/apps")
def add_listing(request: Request, caller: PageCaller, form: CheckedFormData):
    app = pledge(request)
    with app.uow.begin() as conn:
        listings.list_app(
            conn,
            caller.actor,
            name=form_text(form, "name", Name, "name"),
            description=form_text(form, "description", ListingDescription, "description"),
            scopes=_scopes(form),
            at=app.clock.now(),
        )
    return redirect("/operator/apps")


def _owned_shop(caller) -> int:
    if not caller.actor.shops:
        raise Forbidden("only a shop's owner installs apps", msgid="apps.owner_only")
    return min(caller.actor.shops)


def _market(request: Request, caller, new_key: str | None = None):
    shop_id = _owned_shop(caller)
    with pledge(request).uow.read() as conn:
        entries = listings.market(conn, caller.actor, shop_id)
    return render(request, "apps_market.html", entries=entries, new_key=new_key)


@router.get("/merchant/apps")
def market_page(request: Request, caller: PageCaller):
    return _market(request, caller)


@router.post("/merchant/apps/install")
def install(request: Request, caller: PageCaller, form: CheckedFormData):
    """The key is shown on this answer only (it is kept as a SHA-256)."""
    app = pledge(request)
    with app.uow.begin() as conn:
        issued = listings.install(
            conn,
            caller.actor,
            shop_id=_owned_shop(caller),
            listing_id=required_number(form.get("listing_id"), "listing_id", low=1),
            scopes=_scopes(form),
            at=app.clock.now(),
        )
    return _market(request, caller, new_key=issued.key)


@router.post("/merchant/apps/uninstall")
def uninstall(request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        apps.revoke_app(
            conn, caller.actor, required_number(form.get("app_id"), "app_id", low=1), at=app.clock.now()
        )
    return redirect("/merchant/apps")
