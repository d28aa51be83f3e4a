"""Template rendering with the caller, language and CSRF token in every context."""

from __future__ import annotations

from importlib import resources

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from pledge.accounts.services import Permission
from pledge.aftersales.model import CaseStatus, ClaimStatus
from pledge.attribution.model import Channel
from pledge.chat.model import ConversationStatus
from pledge.inventory.model import ParcelStatus
from pledge.kernel.clock import as_utc
from pledge.kernel.money import format_rate
from pledge.ledger.model import CouponStatus
from pledge.live.model import SessionStatus
from pledge.orders.model import OrderStatus, PaymentStatus
from pledge.settlement.model import ApplicationStatus, PayoutStatus
from pledge.web import present
from pledge.web.deps import optional_caller, pledge
from pledge.web.i18n import DEFAULT, LANGUAGES, translator

templates = Jinja2Templates(directory=str(resources.files("pledge.web") / "templates"))
templates.env.filters["yuan"] = present.yuan
templates.env.filters["local"] = present.local
templates.env.filters["percent"] = format_rate  # basis points: 250 -> "2.5%"
templates.env.filters["iso"] = lambda at: "" if at is None else as_utc(at).isoformat()
templates.env.globals["badge"] = present.promise_badge
templates.env.globals["Channel"] = Channel  # where a line was bought (attribution)
# Templates compare a status with its entity's enum (model.py), never with a string literal
# (tests/unit/test_web_layers.py checks): a renamed status then fails loudly, not silently.
templates.env.globals.update(
    OrderStatus=OrderStatus,
    PaymentStatus=PaymentStatus,
    CaseStatus=CaseStatus,
    ClaimStatus=ClaimStatus,
    ConversationStatus=ConversationStatus,
    ParcelStatus=ParcelStatus,
    PayoutStatus=PayoutStatus,
    ApplicationStatus=ApplicationStatus,
    SessionStatus=SessionStatus,
    Permission=Permission,  # actor.may(shop_id, Permission.PLEDGES): which forms a member's role gets
    CouponStatus=CouponStatus,
)


def language(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("lang") or DEFAULT
    return lang if lang in LANGUAGES else DEFAULT


def render(request: Request, name: str, *, status: int = 200, **context: object) -> HTMLResponse:
    lang = language(request)
    caller = optional_caller(request)
    app = pledge(request)
    context.update(
        request=request,
        lang=lang,
        _=translator(lang),
        caller=caller,
        actor=caller.actor if caller else None,
        csrf=caller.csrf if caller else "",
        now=app.clock.now(),
        demo=app.settings.demo_mode,
        rulebook=app.rulebook,
    )
    response = templates.TemplateResponse(request, name, context, status_code=status)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax")
    return response


def error_page(
    request: Request, status: int, title: str, detail: str, values: dict | None = None
) -> Response:
    """`detail` is shown translated when it is a msgid (with `values` filled in)."""
    if status == 401:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return render(request, "error.html", status=status, title=title, detail=detail, values=values or {})


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
