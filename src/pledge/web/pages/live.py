"""Live-room pages: rooms live and announced (/live), the room a viewer watches (video, cards,
comments streaming), the host console (主播中控台) and a finished session's report with charts.
The room page's real-time part is static/live.js over the room's event stream
(GET /api/v1/live/rooms/{id}/events); changes made here publish through web/live_actions.py."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from markupsafe import Markup, escape

from pledge.attribution.model import Channel, Source
from pledge.attribution.tokens import sign
from pledge.bootstrap import App
from pledge.creators import queries as creator_queries
from pledge.kernel.clock import parse_iso
from pledge.kernel.errors import Forbidden
from pledge.kernel.money import parse_yuan
from pledge.live import coupons, events, metrics, queries
from pledge.live import services as live
from pledge.live.model import SessionStatus
from pledge.promises.model import Promise
from pledge.reach.recording import EventKind, Subject
from pledge.web import live_actions as actions
from pledge.web.deps import CheckedForm, PageCaller, optional_caller, pledge
from pledge.web.forms import form_text, required_number
from pledge.web.i18n import translator
from pledge.web.pages.routing import PageRouter
from pledge.web.present import local, yuan
from pledge.web.render import language, redirect, render
from pledge.web.types import Code, IsoTime, OptionalTitle, PathId, Title
from pledge.web.visitors import Who

router = PageRouter()
W, H, PAD = 600, 180, 30


def source_token(app: App, room_id: int) -> str:
    """What the room's buy buttons carry to the product page and on to checkout."""
    return sign(app.settings.secret_key, Source(Channel.LIVE_ROOM, room_id), at=app.clock.now())


def _cards(app: App, room) -> list[dict]:
    """The cards as the API shows them, each with the promise's columns for the badge."""
    found = events.cards_json(room, app.rulebook, app.clock.now())
    for card in found:
        promise = Promise.parse(card["promise"])
        card["promise_row"] = {
            "promise_kind": promise.kind,
            "promise_hours": promise.hours,
            "presale_date": promise.presale_date,
        }
    return found


@router.get("/live")
def rooms_page(request: Request):
    app = pledge(request)
    with app.uow.read() as conn:
        found = queries.rooms(conn)
    on_air = [r for r in found if r.session and r.session.status == SessionStatus.LIVE]
    upcoming = [r for r in found if r.session and r.session.status == SessionStatus.SCHEDULED]
    viewers = {r.id: app.hub.viewers(r.id) for r in on_air}
    return render(request, "live_rooms.html", on_air=on_air, upcoming=upcoming, viewers=viewers)


@router.get("/live/{room_id}")
def room_page(room_id: PathId, request: Request):
    app = pledge(request)
    caller = optional_caller(request)
    with app.uow.read() as conn:
        room = queries.room_view(conn, room_id)
        offers, claimed = _offers(conn, room, caller.actor.user_id if caller else None)
        owner = room.creator_id if room.shop_id is None else None  # a creator's own room
        host = creator_queries.creator_profile(conn, owner) if owner is not None else None
    viewer = Who(request)  # a view of the session for the feed (reach): buffered
    if room.session is not None:
        viewer.record(app, EventKind.VIEW, [(Subject.SESSION, room.session.id)])
    response = render(
        request,
        "live_room.html",
        room=room,
        cards=_cards(app, room),
        token=source_token(app, room_id),
        viewers=app.hub.viewers(room_id),
        offers=offers,
        claimed=claimed,
        host=host["display_name"] if host else "",
    )
    return viewer.keep(request, response)


@router.get("/live/{room_id}/cards")
def cards_fragment(room_id: PathId, request: Request):
    """The room's cards, re-fetched by live.js when a `card` event says they changed."""
    app = pledge(request)
    with app.uow.read() as conn:
        room = queries.room_view(conn, room_id)
    return render(
        request, "_live_cards.html", room=room, cards=_cards(app, room), token=source_token(app, room_id)
    )


def _offers(conn, room, user_id: int | None) -> tuple[list[coupons.CouponOffer], set[int]]:
    """The live session's coupon offers, and which of them this viewer has claimed."""
    if room.session is None or room.session.status != SessionStatus.LIVE:
        return [], set()
    found = coupons.offers(conn, room.session.id)
    return found, coupons.claimed_offer_ids(conn, user_id, [o.id for o in found])


@router.get("/live/{room_id}/coupons")
def coupons_fragment(room_id: PathId, request: Request):
    """The room's coupon offers with this viewer's claim buttons, re-fetched by live.js when a
    `coupon` event says an offer came or its count changed."""
    caller = optional_caller(request)
    with pledge(request).uow.read() as conn:
        room = queries.room_view(conn, room_id)
        offers, claimed = _offers(conn, room, caller.actor.user_id if caller else None)
    return render(request, "_live_coupons.html", room=room, offers=offers, claimed=claimed)


@router.get("/merchant/live")
def my_rooms(request: Request, caller: PageCaller):
    if not caller.actor.shops:
        raise Forbidden("live rooms are for shop members")
    with pledge(request).uow.read() as conn:
        found = [r for shop_id in sorted(caller.actor.shops) for r in queries.rooms(conn, shop_id=shop_id)]
    return render(request, "live_merchant.html", rooms=found, shops=sorted(caller.actor.shops))


@router.post("/merchant/live/rooms")
def open_room(request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        room_id = live.create_room(
            conn,
            caller.actor,
            shop_id=required_number(form.get("shop_id"), "shop_id", low=1),
            title=form_text(form, "title", Title),
            promise=Promise.parse(form_text(form, "promise", Code)),
            at=app.clock.now(),
            screen=app.live_screen,
        )
    return redirect(f"/merchant/live/{room_id}")


@router.get("/merchant/live/{room_id}")
def console(room_id: PathId, request: Request, caller: PageCaller):
    app = pledge(request)
    with app.uow.read() as conn:
        room = queries.room_for_host(conn, caller.actor, room_id)
        skus = queries.shop_skus(conn, room.shop_id or 0)  # room_for_host: a shop's room
        comments = queries.comment_count(conn, room.session.id) if room.session else 0
        past = queries.sessions_of_room(conn, room_id)
        offers, _claimed = _offers(conn, room, None)
        sold = metrics.session_metrics(conn, [room.session.id])[room.session.id] if room.session else None
    return render(
        request,
        "live_console.html",
        room=room,
        cards=_cards(app, room),
        skus=skus,
        comments=comments,
        past=past,
        offers=offers,
        metrics=sold,
        viewers=app.hub.viewers(room_id),
        token=source_token(app, room_id),
    )


@router.get("/merchant/live/{room_id}/metrics")
def metrics_fragment(room_id: PathId, request: Request, caller: PageCaller):
    """Orders, GMV and conversion of the room's current session, re-fetched by live.js on the
    console when an order arrives."""
    with pledge(request).uow.read() as conn:
        room = queries.room_for_host(conn, caller.actor, room_id)
        session_id = room.session.id if room.session else None
        sold = (
            metrics.session_metrics(conn, [session_id])[session_id]
            if session_id
            else metrics.Metrics(0, 0, 0)
        )
    return render(request, "_live_metrics.html", metrics=sold)


@router.post("/merchant/live/{room_id}/start")
def start(room_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    session = str(form.get("session_id") or "").strip()
    actions.start(
        pledge(request),
        caller.actor,
        room_id,
        form.get("playback_url"),
        session_id=required_number(session, "session_id", low=1) if session else None,
        title=form_text(form, "title", OptionalTitle) or None,
    )
    return redirect(f"/merchant/live/{room_id}")


@router.post("/merchant/live/{room_id}/end")
def end(room_id: PathId, request: Request, caller: PageCaller, _form: CheckedForm):
    actions.end(pledge(request), caller.actor, room_id)
    return redirect(f"/merchant/live/{room_id}")


@router.post("/merchant/live/{room_id}/sessions")
def announce(room_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    starts_at = parse_iso(form_text(form, "starts_at", IsoTime), "Asia/Shanghai")
    actions.schedule(pledge(request), caller.actor, room_id, form_text(form, "title", Title), starts_at)
    return redirect(f"/merchant/live/{room_id}")


@router.post("/merchant/live/{room_id}/cards")
def pin(room_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    sku_id = required_number(form.get("sku_id"), "sku_id", low=1)
    price_fen = parse_yuan(str(form.get("price_yuan", "")).strip())
    actions.pin(pledge(request), caller.actor, room_id, sku_id, price_fen)
    return redirect(f"/merchant/live/{room_id}")


@router.post("/merchant/live/{room_id}/coupons")
def push_coupon(room_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    min_spend = str(form.get("min_spend_yuan", "")).strip()
    actions.push_coupon(
        pledge(request),
        caller.actor,
        room_id,
        amount_fen=parse_yuan(str(form.get("amount_yuan", "")).strip()),
        min_spend_fen=parse_yuan(min_spend) if min_spend else 0,
        quantity=required_number(form.get("quantity"), "quantity", low=1, high=coupons.QUANTITY_MAX),
        valid_hours=required_number(
            form.get("valid_hours"), "valid_hours", low=1, high=coupons.VALID_HOURS_MAX
        ),
    )
    return redirect(f"/merchant/live/{room_id}")


@router.post("/merchant/live/{room_id}/cards/{sku_id}/unpin")
def unpin(room_id: PathId, sku_id: PathId, request: Request, caller: PageCaller, _form: CheckedForm):
    actions.unpin(pledge(request), caller.actor, room_id, sku_id)
    return redirect(f"/merchant/live/{room_id}")


@router.post("/merchant/live/{room_id}/cards/{sku_id}/explain")
def explain(room_id: PathId, sku_id: PathId, request: Request, caller: PageCaller, _form: CheckedForm):
    actions.explain(pledge(request), caller.actor, room_id, sku_id)
    return redirect(f"/merchant/live/{room_id}")


# ---------------------------------------------------------------- the session report


def _x(i: int, n: int) -> float:
    return round(PAD + (W - 2 * PAD) * (i / (n - 1) if n > 1 else 0.5), 1)


def _y(value: int, top: int) -> float:
    return round(H - PAD - (H - 2 * PAD) * value / top, 1)


def _frame(testid: str, label: str, body: str, first: datetime, last: datetime, top: int) -> Markup:
    axis = (
        f'<line x1="{PAD}" x2="{W - PAD}" y1="{_y(0, top)}" y2="{_y(0, top)}" class="grid"/>'
        f'<text x="2" y="{_y(top, top) + 4}">{top}</text><text x="2" y="{_y(0, top) + 4}">0</text>'
        f'<text x="{PAD}" y="{H - 8}">{escape(local(first, time_only=True))}</text>'
        f'<text x="{W - PAD}" y="{H - 8}" text-anchor="end">{escape(local(last, time_only=True))}</text>'
    )
    return Markup(
        f'<svg class="trend" data-testid="{testid}" viewBox="0 0 {W} {H}" width="100%" role="img" '
        f'aria-label="{escape(label)}">{axis}{body}</svg>'
    )


def line_svg(points: list[tuple[datetime, int]], label: str) -> Markup:
    """Viewers over time: one point per sample."""
    if not points:
        return Markup("")
    top = max(max(v for _, v in points), 1)
    coords = [(_x(i, len(points)), _y(v, top)) for i, (_, v) in enumerate(points)]
    line = " ".join(f"{x},{y}" for x, y in coords)
    dots = "".join(
        f'<circle cx="{x}" cy="{y}" r="3"><title>{escape(local(at, time_only=True))}: {v}</title></circle>'
        for (x, y), (at, v) in zip(coords, points, strict=True)
    )
    body = f'<polyline points="{line}" fill="none" stroke="currentColor" stroke-width="2"/>{dots}'
    return _frame("viewers-chart", label, body, points[0][0], points[-1][0], top)


def bars_svg(points: list[tuple[datetime, int]], label: str) -> Markup:
    """Comments per minute: one bar per minute with comments."""
    if not points:
        return Markup("")
    top = max(max(v for _, v in points), 1)
    width = max(2.0, (W - 2 * PAD) / max(len(points), 1) * 0.7)
    bars = "".join(
        f'<rect x="{_x(i, len(points)) - width / 2:.1f}" y="{_y(v, top)}" width="{width:.1f}" '
        f'height="{_y(0, top) - _y(v, top):.1f}">'
        f"<title>{escape(local(at, time_only=True))}: {v}</title></rect>"
        for i, (at, v) in enumerate(points)
    )
    return _frame("comments-chart", label, bars, points[0][0], points[-1][0], top)


def product_bars_svg(rows: list[tuple[str, int]], label: str, testid: str, *, money: bool) -> Markup:
    """Orders or GMV per product: one horizontal bar per product, its value written at its end."""
    if not rows:
        return Markup("")
    top, bar, gap, left = max(max(v for _, v in rows), 1), 22, 8, 150
    height = len(rows) * (bar + gap) + gap
    body = ""
    for i, (title, value) in enumerate(rows):
        y = gap + i * (bar + gap)
        width = round((W - left - 90) * value / top, 1)
        shown = yuan(value) if money else str(value)
        body += (
            f'<text x="{left - 6}" y="{y + 15}" text-anchor="end">{escape(title[:12])}</text>'
            f'<rect x="{left}" y="{y}" width="{width}" height="{bar}">'
            f"<title>{escape(title)}: {shown}</title></rect>"
            f'<text x="{left + width + 6}" y="{y + 15}">{escape(shown)}</text>'
        )
    return Markup(
        f'<svg class="trend" data-testid="{testid}" viewBox="0 0 {W} {height}" width="100%" role="img" '
        f'aria-label="{escape(label)}">{body}</svg>'
    )


@router.get("/merchant/live/sessions/{session_id}")
def report(session_id: PathId, request: Request, caller: PageCaller, replay_saved: int = 0):
    _ = translator(language(request))
    with pledge(request).uow.read() as conn:
        room, found = queries.session_report_for(conn, caller.actor, session_id)
        replay = queries.comments(conn, session_id, limit=200)
        sold = metrics.session_metrics(conn, [session_id])[session_id]
        by_product = metrics.product_metrics(conn, session_id)
    return render(
        request,
        "live_report.html",
        room=room,
        report=found,
        replay=replay,
        viewers_chart=line_svg(found.viewers, _("live.chart_viewers")),
        comments_chart=bars_svg(found.comments_per_minute, _("live.chart_comments")),
        metrics=sold,
        by_product=by_product,
        replay_saved=bool(replay_saved),
        gmv_chart=product_bars_svg(
            [(p.title, p.gmv_fen) for p in by_product], _("live.chart_gmv"), "gmv-chart", money=True
        ),
        orders_chart=product_bars_svg(
            [(p.title, p.orders) for p in by_product], _("live.chart_orders"), "orders-chart", money=False
        ),
    )
