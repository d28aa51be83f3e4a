"""Merchant pages of shop audiences (人群): define an audience from rules (the size shown), draft a
coupon or "we are live" campaign for it, send the draft once, and read each campaign's report
(buyers reached, orders and GMV in yuan). And the buyer's opt-out of a shop's campaigns."""

from fastapi import Request

from pledge.audiences import queries
from pledge.audiences import services as audiences
from pledge.audiences.model import BEHAVIOUR, CampaignKind, Rule, RuleKind
from pledge.audiences.policy import campaign_terms, live_notice_limit, rule_bounds
from pledge.web.deps import CheckedForm, FormFields, PageCaller, pledge
from pledge.web.forms import whole_number, yuan_field
from pledge.web.pages.merchant import first_shop
from pledge.web.pages.routing import PageRouter
from pledge.web.render import redirect, render
from pledge.web.types import PathId

router = PageRouter()

DEFAULT_DAYS = {RuleKind.VIEWED: 30, RuleKind.CLICKED: 30, RuleKind.CARTED: 30, RuleKind.ORDERED: 90}


@router.get("/merchant/audiences")
def audiences_home(request: Request):
    """The merchant menu's 人群: the caller's first shop's audiences."""
    return first_shop(request, "audiences")


@router.get("/merchant/shops/{shop_id}/audiences")
def audiences_page(shop_id: PathId, request: Request, caller: PageCaller):
    app = pledge(request)
    now = app.clock.now()
    with app.uow.read() as conn:
        views = queries.audiences_of(conn, caller.actor, shop_id, at=now)
        campaigns = queries.campaigns_of(conn, caller.actor, shop_id, now=now)
    return render(
        request,
        "merchant_audiences.html",
        shop_id=shop_id,
        audiences=views,
        campaigns=campaigns,
        kinds=list(RuleKind),
        behaviour=BEHAVIOUR,
        default_days=DEFAULT_DAYS,
        rules=rule_bounds(app.rulebook, now),
        notices=live_notice_limit(app.rulebook, now),
        terms=campaign_terms(app.rulebook, now),
        CampaignKind=CampaignKind,
    )


def _rules(form: FormFields) -> list[Rule]:
    """The ticked rules; a behaviour rule takes its days field (the service checks them)."""
    return [
        Rule(
            kind,
            whole_number(form.get(f"days_{kind.value}"), f"days_{kind.value}") if kind in BEHAVIOUR else None,
        )
        for kind in RuleKind
        if form.get(f"rule_{kind.value}")
    ]


@router.post("/merchant/shops/{shop_id}/audiences")
def create_audience(shop_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        audiences.create_audience(
            conn,
            caller.actor,
            shop_id=shop_id,
            name=form.get("name"),
            rules=_rules(form),
            book=app.rulebook,
            at=app.clock.now(),
        )
    return redirect(f"/merchant/shops/{shop_id}/audiences")


@router.post("/merchant/audiences/{audience_id}/campaigns")
def create_campaign(audience_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    kind = str(form.get("kind") or "")
    terms: dict[str, object] = {}
    if kind == CampaignKind.COUPON:
        least = str(form.get("min_spend") or "").strip()
        terms = {
            "amount_fen": yuan_field(form.get("amount"), "amount"),
            "min_spend_fen": yuan_field(least, "min_spend") if least else 0,
            "valid_days": whole_number(form.get("valid_days"), "valid_days"),
        }
    with app.uow.begin() as conn:
        audiences.create_campaign(
            conn,
            caller.actor,
            audience_id=audience_id,
            kind=kind,
            book=app.rulebook,
            at=app.clock.now(),
            **terms,
        )
        shop_id = audiences.audience_of(conn, caller.actor, audience_id).shop_id
    return redirect(f"/merchant/shops/{shop_id}/audiences#campaigns")


@router.post("/merchant/campaigns/{campaign_id}/send")
def send_campaign(campaign_id: PathId, request: Request, caller: PageCaller, _form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        audiences.send_campaign(
            conn, caller.actor, campaign_id=campaign_id, book=app.rulebook, at=app.clock.now()
        )
        shop_id = audiences.campaign_of(conn, caller.actor, campaign_id).shop_id
    return redirect(f"/merchant/shops/{shop_id}/audiences#campaign-{campaign_id}")


@router.post("/shops/{shop_id}/audience-opt-out")
def opt_out(shop_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    """The shop page's switch: 不再接收本店活动 / 重新接收."""
    app = pledge(request)
    with app.uow.begin() as conn:
        if form.get("opt_out") == "0":
            audiences.opt_in(conn, caller.actor, shop_id=shop_id)
        else:
            audiences.opt_out(conn, caller.actor, shop_id=shop_id, at=app.clock.now())
    return redirect(f"/shops/{shop_id}")
