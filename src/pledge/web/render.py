"""Template rendering with the caller, language and CSRF token in every context."""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from pledge.accounts.services import Permission
from pledge.aftersales.model import CaseStatus, ClaimStatus
from pledge.attribution.model import Channel, channel_name
from pledge.chat.model import ConversationStatus
from pledge.fulfilment.carriers import CARRIERS
from pledge.integrations.webhooks import DeliveryStatus
from pledge.inventory.model import ParcelStatus
from pledge.kernel.clock import as_utc, parse_duration
from pledge.kernel.money import format_rate
from pledge.kernel.screening import Outcome
from pledge.ledger.model import CouponStatus
from pledge.live.model import SessionStatus
from pledge.orders.model import OrderStatus, PaymentStatus
from pledge.settlement.model import ApplicationStatus, PayoutStatus
from pledge.web import present
from pledge.web.deps import optional_caller, pledge
from pledge.web.i18n import DEFAULT, LANGUAGES, translate_detail, translator
from pledge.web.static_files import static_url

templates = Jinja2Templates(directory=str(resources.files("pledge.web") / "templates"))
templates.env.filters["yuan"] = present.yuan
templates.env.filters["percent"] = format_rate  # basis points: 250 -> "2.5%"
templates.env.filters["duration"] = present.duration
templates.env.filters["carrier"] = lambda code: CARRIERS[code].name if code in CARRIERS else code
templates.env.filters["demo_span"] = lambda text, lang: present.duration(parse_duration(text), lang)
templates.env.filters["iso"] = lambda at: "" if at is None else as_utc(at).isoformat()
templates.env.globals["badge"] = present.promise_badge


@pass_context
def _local(context: Context, at: datetime | None, tz: str = "Asia/Shanghai") -> str:
    """`at | local`: present.local in the page's language, relative to the page's clock."""
    return present.local(at, tz, lang=context.get("lang", DEFAULT), now=context.get("now"))


templates.env.filters["local"] = _local


@pass_context
def _channel(context: Context, channel: str) -> str:
    """`key | channel`: the channel's name in the page's language (never the stored key)."""
    return channel_name(channel, context.get("lang", DEFAULT))


templates.env.filters["channel"] = _channel
templates.env.globals["static"] = static_url  # fingerprinted: cached for a year (static_files.py)
templates.env.globals["Channel"] = Channel  # where a line was bought (attribution)
# Templates compare a status with its entity's enum (model.py), never with a string literal
# (tests/unit/test_web_layers.py checks): a renamed status then fails loudly, not silently.
templates.env.globals.update(
    DeliveryStatus=DeliveryStatus,
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
    Outcome=Outcome,  # the content checks' outcome of a review (kernel.screening)
)


def language(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("lang") or DEFAULT
    return lang if lang in LANGUAGES else DEFAULT


def language_switch(request: Request, lang: str, status: int = 200) -> str:
    """The same page and parameters in `lang`, always as a GET a browser can follow: a page
    drawn in answer to a POST (a form with an error) or a 405 switches on the page the reader
    came from (Referer, same site only), else on the home page; never on an URL that only
    accepts POST (issue 17: the switch never leads to "Method Not Allowed")."""
    path, query = request.url.path, request.url.query
    if request.method not in ("GET", "HEAD") or status == 405:
        came_from = urlsplit(request.headers.get("referer", ""))
        same_site = came_from.netloc == request.url.netloc and came_from.path.startswith("/")
        path, query = (came_from.path, came_from.query) if same_site else ("/", "")
    params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "lang"]
    return f"{path}?{urlencode([*params, ('lang', lang)])}"


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
        switch_language=language_switch(request, "en" if lang == "zh_CN" else "zh_CN", status),
    )
    response = templates.TemplateResponse(request, name, context, status_code=status)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax")
    return response


# What a page says for an error whose detail has no translation: by status, in the reader's words.
STATUS_TEXT = {
    403: ("Not allowed", "error.403"),
    404: ("Page not found", "error.404"),
    405: ("This page cannot be opened this way", "error.405"),
    409: ("Conflicts with the current state", "error.409"),
    422: ("Invalid input", "error.422"),
    429: ("Too many attempts", "error.429"),
    500: ("Something went wrong", "error.500"),
}


def error_text(lang: str, status: int, title: str | None, detail: str) -> tuple[str, str]:
    """(title, detail) in the reader's language. A domain error's detail is English and names
    values; in Chinese it shows only when the catalog translates it, else the status's sentence
    (a Chinese page holds no English words)."""
    _ = translator(lang)
    fallback_title, sentence = STATUS_TEXT.get(status, ("Error", "error.other"))
    if lang == "en":
        return title or fallback_title, detail or _(sentence)
    shown_title = _(title) if title and _(title) != title else _(fallback_title)
    return shown_title, (translate_detail(lang, detail) if detail else None) or _(sentence)


def form_error(request: Request, status: int, detail: str) -> str:
    """A form's error message in the reader's language (the detail, or its status's sentence)."""
    return error_text(language(request), status, None, detail)[1]


def error_page(
    request: Request, status: int, title: str | None, detail: str, values: dict | None = None
) -> Response:
    """`detail` is a msgid filled with `values` when values are given (a refusal worded for pages,
    e.g. merchant.yuan.*), otherwise an error's detail translated as error_text does."""
    if status == 401:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    lang = language(request)
    shown_title, shown_detail = error_text(lang, status, title, "" if values else detail)
    if values:
        shown_detail = translator(lang)(detail, **values)
    return render(request, "error.html", status=status, title=shown_title, detail=shown_detail)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
