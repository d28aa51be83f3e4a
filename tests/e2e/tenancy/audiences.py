"""Tenancy cases of shop audiences: only the shop's members define, list and target its
audiences, send its campaigns and read their reports; any signed-in user may opt out of (or back
into) any shop's campaigns, which changes only their own opt-out."""

from __future__ import annotations

from pledge.audiences import services as audiences
from pledge.audiences.model import Rule, RuleKind
from pledge.followers import services as followers
from tests.e2e.tenancy import Case, Ids

COUPON = {"json": {"kind": "coupon", "amount_fen": 300, "min_spend_fen": 2000, "valid_days": 7}}


def _form(csrf: str, **fields: str) -> dict:
    return {"data": {"csrf_token": csrf, **fields}}


ROUTES: dict[tuple[str, str], Case] = {
    ("POST", "/api/v1/shops/{shop_id}/audiences"): Case(
        "denied", lambda ids, csrf: {"json": {"name": "越权人群", "rules": [{"kind": "followers"}]}}, ok=201
    ),
    ("GET", "/api/v1/shops/{shop_id}/audiences"): Case("denied"),
    ("POST", "/api/v1/audiences/{audience_id}/campaigns"): Case("denied", lambda ids, csrf: COUPON, ok=201),
    ("POST", "/api/v1/campaigns/{campaign_id}/send"): Case("denied"),
    ("GET", "/api/v1/campaigns/{campaign_id}"): Case("denied"),
    ("GET", "/api/v1/shops/{shop_id}/campaigns"): Case("denied"),
    ("PUT", "/api/v1/shops/{shop_id}/audience-opt-out"): Case("open"),
    ("DELETE", "/api/v1/shops/{shop_id}/audience-opt-out"): Case("open"),
    # pages
    ("GET", "/merchant/shops/{shop_id}/audiences"): Case("denied"),
    ("POST", "/merchant/shops/{shop_id}/audiences"): Case(
        "denied", lambda ids, csrf: _form(csrf, name="越权人群", rule_followers="1"), ok=303
    ),
    ("POST", "/merchant/audiences/{audience_id}/campaigns"): Case(
        "denied", lambda ids, csrf: _form(csrf, kind="coupon", amount="3", valid_days="7"), ok=303
    ),
    ("POST", "/merchant/campaigns/{campaign_id}/send"): Case("denied", lambda ids, csrf: _form(csrf), ok=303),
    ("POST", "/shops/{shop_id}/audience-opt-out"): Case("open", lambda ids, csrf: _form(csrf), ok=303),
}


def prepare(world, owner, buyer, ids: Ids) -> None:
    """The side's buyer follows its shop; an audience of the shop's followers and a draft coupon
    campaign for it (a fresh one each time, so a positive control can send it)."""
    app = world.app
    with app.uow.begin() as c:
        followers.follow(c, buyer, shop_id=ids.shop_id, at=app.clock.now())
        audience_id = audiences.create_audience(
            c,
            owner,
            shop_id=ids.shop_id,
            name="粉丝",
            rules=[Rule(RuleKind.FOLLOWERS)],
            book=app.rulebook,
            at=app.clock.now(),
        )
        campaign_id = audiences.create_campaign(
            c,
            owner,
            audience_id=audience_id,
            kind="coupon",
            book=app.rulebook,
            at=app.clock.now(),
            amount_fen=300,
            min_spend_fen=2000,
            valid_days=7,
        )
    ids.extra.update(audience_id=audience_id, campaign_id=campaign_id)
