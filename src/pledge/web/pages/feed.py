"""The home feed (docs/reach.md, "The feed page"): products, short videos and live sessions from
the precomputed candidates (or the popular list), each with the reason it is shown; sessions of
followed shops that are live now come first. Every card shown is recorded as an impression."""

from __future__ import annotations

from fastapi import Request

from pledge.feed import items as feed_items
from pledge.feed import queries, support
from pledge.kernel.errors import Forbidden
from pledge.reach.recording import EventKind, Subject
from pledge.reach.serving import CANDIDATES_PER_USER, MAX_PAGE_SIZE, Reason, feed
from pledge.web.deps import CheckedForm, PageCaller, pledge
from pledge.web.downloads import platform_time
from pledge.web.forms import form_text, parse_percent, whole_number
from pledge.web.pages.routing import PageRouter
from pledge.web.render import redirect, render
from pledge.web.types import Code, Name, OptionalCode, OptionalName
from pledge.web.visitors import Who

router = PageRouter()
PAGE_SIZE = 20
assert PAGE_SIZE <= MAX_PAGE_SIZE


@router.get("/feed")
def feed_page(request: Request, page: int = 1):
    app, who = pledge(request), Who(request)
    page = min(max(page, 1), CANDIDATES_PER_USER)  # a page out of range shows the nearest one
    with app.uow.read() as conn:
        listed = feed(conn, who.user_id, page, PAGE_SIZE)
        if page == 1 and who.user_id is not None:
            listed = feed_items.followed_live(conn, who.user_id) + listed
        cards = feed_items.cards(conn, listed)
    who.record(app, EventKind.IMPRESSION, [(card.subject, card.subject_id) for card in cards])
    response = render(
        request,
        "feed.html",
        cards=cards,
        page=page,
        more=len(listed) >= PAGE_SIZE,
        Reason=Reason,
        Subject=Subject,
    )
    return who.keep(request, response)


@router.get("/operator/reach")
def operator_page(request: Request, caller: PageCaller):
    """The ranking weights in force (with their citations) and the traffic support programmes."""
    app = pledge(request)
    with app.uow.read() as conn:
        view = queries.operator_view(conn, caller.actor, app.rulebook, app.clock.now())
    return render(request, "reach_operator.html", view=view, now=app.clock.now())


@router.post("/operator/reach/programs")
def create_program(request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    spec = support.SupportSpec(
        code=form_text(form, "code", Code),
        name=form_text(form, "name", Name),
        name_en=form_text(form, "name_en", OptionalName) or form_text(form, "name", Name),
        source=form_text(form, "source", OptionalCode) or "pledge:default",
        min_experience_centi=whole_number(form.get("min_score"), "min_score", 0, low=0, high=100) * 100,
        max_penalties=whole_number(form.get("max_penalties"), "max_penalties", 0, low=0, high=1000),
        max_late_ship_bp=parse_percent(form.get("max_late_ship"), "max_late_ship"),
        boost_bp=parse_percent(form.get("boost"), "boost"),
        starts_at=platform_time(app, str(form.get("starts_at", "")) or None) or app.clock.now(),
        ends_at=platform_time(app, str(form.get("ends_at", "")) or None),
    )
    with app.uow.begin() as conn:
        support.create(conn, caller.actor, spec, app.rulebook, at=app.clock.now())
    return redirect("/operator/reach")


@router.get("/merchant/reach")
def merchant_page(request: Request, caller: PageCaller):
    """Why the merchant's items rank where they do: each factor of the shop, its weight, the boost."""
    if not caller.actor.shops:
        raise Forbidden("only shop members see their ranking")
    app = pledge(request)
    shop_id = min(caller.actor.shops)
    with app.uow.read() as conn:
        view = queries.shop_view(conn, caller.actor, shop_id, app.rulebook, app.clock.now())
    return render(request, "reach_merchant.html", view=view)
