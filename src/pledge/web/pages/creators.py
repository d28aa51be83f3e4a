"""The creator's pages (达人中心): open a creator account, the dashboard (showcase, sample
requests, commission once it is booked), and the affiliate marketplace (精选联盟 选品广场) with
its filters, "add to showcase" and "ask for a sample"."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from fastapi import Request

from pledge.attribution.tokens import sign
from pledge.creators import payouts as creator_payouts
from pledge.creators import queries as creator_queries
from pledge.creators import rooms, sample_duties, samples, views
from pledge.creators import services as creators
from pledge.creators.marketplace import MAX_PAGE, Filters, Sort, marketplace
from pledge.creators.model import CreatorStatus, DutyStatus, SampleKind, SampleStatus
from pledge.creators.sample_plans import paid_plans
from pledge.creators.sources import showcase_source
from pledge.governance import creator_records
from pledge.kernel.limits import MAX_COUNT
from pledge.videos.model import VideoStatus
from pledge.videos.queries import creator_videos
from pledge.web.deps import CheckedForm, PageCaller, pledge
from pledge.web.forms import form_text, local_path, optional_percent, required_number, whole_number
from pledge.web.pages.routing import PageRouter
from pledge.web.render import redirect, render
from pledge.web.types import Code, Name, OptionalTitle, PathId, Reason, TrackingNo

router = PageRouter()
SCORE_CHOICES = (40, 45, 48)  # shown score x 10: 4.0, 4.5, 4.8
LATE_CHOICES = (100, 300, 500, 1000)  # basis points: 1 %, 3 %, 5 %, 10 %
DASHBOARD_DAYS = 30  # the span of the dashboard's figures (a view, not a rule)


def _selling(conn, creator_id: int, now: datetime) -> dict:
    """The dashboard's figures: the last DASHBOARD_DAYS' GMV and commission by product and by
    session (money18's commission_summary), and the latest orders the creator sold."""
    summary = creator_queries.commission_summary(conn, creator_id, since=now - timedelta(days=DASHBOARD_DAYS))
    recent = creator_queries.creator_orders(conn, creator_id, limit=20)
    refs = [r["source_ref"] for r in summary["by_session"]] + [o["source_ref"] for o in recent]
    return {
        "summary": summary,
        "orders": recent,
        "titles": views.product_titles(conn, [r["product_id"] for r in summary["by_product"]]),
        "sources": views.source_labels(conn, refs),
        "days": DASHBOARD_DAYS,
    }


@router.get("/creator")
def creator_home(request: Request, caller: PageCaller):
    app = pledge(request)
    with app.uow.read() as conn:
        me = views.creator_account(conn, caller.actor.user_id)
        if me is None:
            return render(request, "creator_signup.html")
        showcase = views.showcase_products(conn, me.id, now=app.clock.now())
        asked = views.creator_samples(conn, me.id, app.rulebook)
        selling = _selling(conn, me.id, app.clock.now())
        own_rooms = rooms.my_rooms(conn, me.id)
        own_videos = creator_videos(conn, me.id, with_private=True)
        reasons = creator_records.private_video_reasons(
            conn, [v.id for v in own_videos if v.status == VideoStatus.PRIVATE]
        )
    return render(
        request,
        "creator_home.html",
        me=me,
        showcase=showcase,
        samples=asked,
        selling=selling,
        rooms=own_rooms,
        videos=own_videos,
        private_reasons=reasons,
        VideoStatus=VideoStatus,
        SampleStatus=SampleStatus,
        CreatorStatus=CreatorStatus,
        DutyStatus=DutyStatus,
        SampleKind=SampleKind,
    )


@router.get("/creators/{creator_id}")
def public_showcase(creator_id: PathId, request: Request):
    """A creator's showcase as buyers see it: each product links to its page with the signed
    showcase source, so an order placed from here carries the creator (last touch)."""
    app = pledge(request)
    with app.uow.read() as conn:
        profile = creator_queries.creator_profile(conn, creator_id)
        items = views.showcase_products(conn, creator_id, now=app.clock.now())
    token = sign(app.settings.secret_key, showcase_source(creator_id), at=app.clock.now())
    selling = [i for i in items if i["rate_bp"] is not None]  # a product without a rate now is not sold
    return render(request, "creator_showcase.html", creator=profile, items=selling, token=token)


@router.post("/creator")
def open_account(request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    new = creators.NewCreator(
        form_text(form, "handle", Code).lower(),
        form_text(form, "display_name", Name),
        required_number(form.get("follower_count"), "follower_count", low=0, high=MAX_COUNT),
    )
    with app.uow.begin() as conn:
        creators.register_creator(conn, caller.actor, new, at=app.clock.now())
    return redirect("/creator")


def _filters(request: Request) -> Filters:
    q = request.query_params
    sort = q.get("sort") or Sort.RATE.value
    return Filters(
        min_rate_bp=optional_percent(q.get("min_rate"), "min_rate"),
        category_id=whole_number(q.get("category"), "category", low=1),
        min_score_tenths=whole_number(q.get("min_score"), "min_score", low=0, high=50),
        max_late_ship_bp=whole_number(q.get("max_late"), "max_late", low=0, high=10_000),
        sort=Sort(sort) if sort in Sort.__members__.values() else Sort.RATE,
        page=whole_number(q.get("page"), "page", 1, low=1, high=MAX_PAGE),
    )


@router.get("/creator/marketplace")
def market(request: Request, caller: PageCaller):
    app = pledge(request)
    f = _filters(request)
    with app.uow.read() as conn:
        me = creators.creator_of(conn, caller.actor)
        page = marketplace(conn, me.id, app.rulebook, f, now=app.clock.now())
        choices = views.category_choices(conn)
        paid = paid_plans(conn, [i["product_id"] for i in page["items"]])
    kept = {k: v for k, v in request.query_params.items() if k != "page" and v}
    return render(
        request,
        "creator_marketplace.html",
        page=page,
        f=f,
        query=request.query_params,
        categories=choices,
        paid=paid,
        sorts=list(Sort),
        scores=SCORE_CHOICES,
        lates=LATE_CHOICES,
        page_link=lambda n: "/creator/marketplace?" + urlencode({**kept, "page": n}),
        back=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    )


@router.post("/creator/showcase")
def add_to_showcase(request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    product_id = required_number(form.get("product_id"), "product_id", low=1)
    with app.uow.begin() as conn:
        creators.add_to_showcase(conn, caller.actor, app.rulebook, product_id=product_id, at=app.clock.now())
    return redirect(local_path(form.get("back"), "/creator/marketplace"))


@router.post("/creator/samples")
def ask_for_sample(request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    new = samples.NewSample(
        required_number(form.get("product_id"), "product_id", low=1), form_text(form, "note", OptionalTitle)
    )
    with app.uow.begin() as conn:
        samples.request_sample(conn, caller.actor, app.rulebook, new, at=app.clock.now())
    return redirect("/creator#samples")


@router.post("/creator/samples/{sample_id}/cancel")
def withdraw_sample(sample_id: PathId, request: Request, caller: PageCaller, _form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        samples.cancel_sample(conn, caller.actor, sample_id=sample_id, at=app.clock.now())
    return redirect("/creator#samples")


@router.post("/creator/samples/{sample_id}/receipt")
def confirm_receipt(sample_id: PathId, request: Request, caller: PageCaller, _form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        samples.receive_sample(conn, caller.actor, sample_id=sample_id, at=app.clock.now())
    return redirect("/creator#samples")


@router.post("/creator/samples/purchase")
def buy_sample(request: Request, caller: PageCaller, form: CheckedForm):
    """Buy a paid sample (买样返款): the price is refunded once the promotion target is met."""
    app = pledge(request)
    product_id = required_number(form.get("product_id"), "product_id", low=1)
    with app.uow.begin() as conn:
        samples.buy_sample(conn, caller.actor, app.rulebook, product_id=product_id, at=app.clock.now())
    return redirect("/creator#samples")


@router.post("/creator/samples/{sample_id}/return")
def return_sample(sample_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    number = form_text(form, "tracking_no", TrackingNo)
    with app.uow.begin() as conn:
        sample_duties.return_sample(
            conn, caller.actor, app.rulebook, sample_id=sample_id, tracking_no=number, at=app.clock.now()
        )
    return redirect("/creator#samples")


@router.post("/creator/samples/{sample_id}/promotion")
def report_promotion(sample_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    """The live session or video (its number) that featured a free sample."""
    app = pledge(request)
    number = required_number(form.get("number"), "number", low=1)
    video = form.get("what") == "video"
    with app.uow.begin() as conn:
        sample_duties.report_promotion(
            conn,
            caller.actor,
            app.rulebook,
            sample_id=sample_id,
            video_id=number if video else None,
            session_id=None if video else number,
            at=app.clock.now(),
        )
    return redirect("/creator#samples")


@router.post("/finance/creator-payouts/{payout_id}/return")
def creator_payout_returned(payout_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        creator_payouts.return_creator_payout(
            conn, caller.actor, payout_id, reason=form_text(form, "reason", Reason), at=app.clock.now()
        )
    return redirect("/finance/settlement#creator-payouts")
