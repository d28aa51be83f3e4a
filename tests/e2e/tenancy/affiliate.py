"""Tenancy cases of sample requests (寄样) and the merchant's affiliate page: only the product's
shop reads its affiliate page and approves, declines or ships a sample asked of it; only the
creator who asked withdraws a request or confirms a sample arrived (another's id: 404)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from pledge.catalog.tables import skus
from pledge.creators import sample_duties, samples
from pledge.creators import services as creators
from pledge.creators.tables import creator_payouts
from pledge.creators.tables import creators as creator_rows
from pledge.kernel.db import inserted_id
from tests.e2e.tenancy import Case, Ids

APPROVED = (("sample_id", "approved_sample_id"),)
SHIPPED = (("sample_id", "shipped_sample_id"),)
OWN = (("sample_id", "own_sample_id"),)
RECEIVED = (("sample_id", "received_sample_id"),)
RETURNING = (("sample_id", "returning_sample_id"),)


def _form(csrf: str, **fields: str) -> dict:
    return {"data": {"csrf_token": csrf, **fields}}


ROUTES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/shops/{shop_id}/affiliate"): Case("denied"),
    ("POST", "/api/v1/samples/{sample_id}/decision"): Case(
        "denied", lambda ids, csrf: {"json": {"approve": True}}
    ),
    ("POST", "/api/v1/samples/{sample_id}/shipment"): Case(
        "denied", lambda ids, csrf: {"json": {"tracking_no": "SF20260901001"}}, params=APPROVED
    ),
    ("POST", "/api/v1/creators/me/samples/{sample_id}/cancel"): Case("denied", params=OWN),
    ("POST", "/api/v1/creators/me/samples/{sample_id}/receipt"): Case("denied", params=SHIPPED),
    ("PUT", "/api/v1/products/{product_id}/sample-plan"): Case(
        "denied",
        lambda ids, csrf: {"json": {"mode": "review_free", "min_followers": 5000}},
        params=(("product_id", "rate_product_id"),),
    ),
    # the owner's own received sample, but no session 1 of theirs featuring it: 409
    ("POST", "/api/v1/creators/me/samples/{sample_id}/promotion"): Case(
        "denied", lambda ids, csrf: {"json": {"session_id": 1}}, ok=409, params=RECEIVED
    ),
    ("POST", "/api/v1/creators/me/samples/{sample_id}/return"): Case(
        "denied", lambda ids, csrf: {"json": {"tracking_no": "YT20260901001"}}, params=RECEIVED
    ),
    ("POST", "/api/v1/samples/{sample_id}/return-receipt"): Case("denied", params=RETURNING),
    ("POST", "/api/v1/creators/payouts/{payout_id}/return"): Case(
        "denied",
        lambda ids, csrf: {"json": {"reason": "户名不符"}},
        ok=403,
        operator_ok=200,
        params=(("payout_id", "creator_payout_id"),),
    ),
    # pages
    ("GET", "/creators/{creator_id}"): Case("public"),
    ("GET", "/merchant/shops/{shop_id}/affiliate"): Case("denied"),
    ("POST", "/merchant/shops/{shop_id}/affiliate-rates"): Case(
        "denied",
        lambda ids, csrf: _form(
            csrf, product_id=str(ids.extra["rate_product_id"]), rate="12.5", starts_at="2026-09-02T08:00"
        ),
        ok=303,
    ),
    ("POST", "/merchant/samples/{sample_id}/decision"): Case(
        "denied", lambda ids, csrf: _form(csrf, decision="decline"), ok=303
    ),
    ("POST", "/merchant/samples/{sample_id}/shipment"): Case(
        "denied", lambda ids, csrf: _form(csrf, tracking_no="SF20260901002"), ok=303, params=APPROVED
    ),
    ("POST", "/creator/samples/{sample_id}/cancel"): Case(
        "denied", lambda ids, csrf: _form(csrf), ok=303, params=OWN
    ),
    ("POST", "/creator/samples/{sample_id}/receipt"): Case(
        "denied", lambda ids, csrf: _form(csrf), ok=303, params=SHIPPED
    ),
    ("POST", "/creator/samples/{sample_id}/return"): Case(
        "denied", lambda ids, csrf: _form(csrf, tracking_no="YT20260901002"), ok=303, params=RECEIVED
    ),
    ("POST", "/creator/samples/{sample_id}/promotion"): Case(
        "denied", lambda ids, csrf: _form(csrf, what="session", number="1"), ok=409, params=RECEIVED
    ),
    ("POST", "/merchant/samples/{sample_id}/return-receipt"): Case(
        "denied", lambda ids, csrf: _form(csrf), ok=303, params=RETURNING
    ),
    ("POST", "/merchant/shops/{shop_id}/sample-plans"): Case(
        "denied",
        lambda ids, csrf: _form(
            csrf, product_id=str(ids.extra["rate_product_id"]), mode="review_free", min_followers="5000"
        ),
        ok=303,
    ),
    ("POST", "/finance/creator-payouts/{payout_id}/return"): Case(
        "denied",
        lambda ids, csrf: _form(csrf, reason="户名不符"),
        ok=403,
        params=(("payout_id", "creator_payout_id"),),
    ),
}


def _creator(world, actor, handle: str) -> None:
    with world.app.uow.begin() as c:
        found = c.execute(select(creator_rows.c.id).where(creator_rows.c.user_id == actor.user_id)).scalar()
        if found is None:
            creators.register_creator(c, actor, creators.NewCreator(handle, "寄样达人", 5_000), at=world.now)


def _listed_product(world, owner, ids: Ids, title: str) -> int:
    sku = world.product(owner, ids.shop_id, title=title, category=ids.category_id)
    with world.app.uow.begin() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
        new = creators.NewRate(product_id, 1500, world.now - timedelta(days=1))
        creators.offer_rate(c, owner, new, at=world.now)
    return product_id


def _ask(world, actor, product_id: int) -> int:
    with world.app.uow.begin() as c:
        book = world.app.rulebook
        return samples.request_sample(c, actor, book, samples.NewSample(product_id), at=world.now)


def prepare(world, owner, buyer, ids: Ids) -> None:
    """Two new marketplace products of the side's shop and one without a rate yet; on the
    first, a stranger's request to decide, another's approved request to ship and the owner's own
    (as a creator) shipped request to confirm; on the second, the owner's own request to withdraw."""
    app, book = world.app, world.app.rulebook
    first, second = (_listed_product(world, owner, ids, t) for t in ("寄样向日葵", "寄样玫瑰"))
    asker, approved_asker = world.user("达人"), world.user("达人")
    for who in (asker, approved_asker, owner):
        _creator(world, who, f"creator_{who.user_id}")
    ids.extra["sample_id"] = _ask(world, asker, first)
    ids.extra["approved_sample_id"] = _ask(world, approved_asker, first)
    ids.extra["shipped_sample_id"] = _ask(world, owner, first)
    ids.extra["own_sample_id"] = _ask(world, owner, second)
    rate_sku = world.product(owner, ids.shop_id, title="待设佣金的花束", category=ids.category_id)
    with app.uow.read() as c:
        ids.extra["rate_product_id"] = c.execute(
            select(skus.c.product_id).where(skus.c.id == rate_sku)
        ).scalar_one()
    with app.uow.begin() as c:
        for key in ("approved_sample_id", "shipped_sample_id"):
            samples.decide_sample(c, owner, book, sample_id=ids.extra[key], approve=True, at=world.now)
        samples.ship_sample(
            c, owner, book, sample_id=ids.extra["shipped_sample_id"], tracking_no="SF0000000001", at=world.now
        )
    _received_samples(world, owner, ids)


def _received_samples(world, owner, ids: Ids) -> None:
    """The owner's (as a creator) received samples of two more products, one on its way back, and a
    creator payout of theirs the bank was sent."""
    book = world.app.rulebook
    for key, title in (("received_sample_id", "寄样百合"), ("returning_sample_id", "寄样郁金香")):
        sample_id = _ask(world, owner, _listed_product(world, owner, ids, title))
        with world.app.uow.begin() as c:
            samples.decide_sample(c, owner, book, sample_id=sample_id, approve=True, at=world.now)
            samples.ship_sample(c, owner, book, sample_id=sample_id, tracking_no="SF0000000002", at=world.now)
            samples.receive_sample(c, owner, sample_id=sample_id, at=world.now)
        ids.extra[key] = sample_id
    with world.app.uow.begin() as c:
        sample_duties.return_sample(
            c,
            owner,
            book,
            sample_id=ids.extra["returning_sample_id"],
            tracking_no="YT0000000001",
            at=world.now,
        )
        creator_id = c.execute(
            select(creator_rows.c.id).where(creator_rows.c.user_id == owner.user_id)
        ).scalar_one()
        ids.extra["creator_payout_id"] = inserted_id(
            c,
            creator_payouts.insert().values(
                creator_id=creator_id,
                amount_fen=100,
                status="sent",
                requested_at=world.now,
                sent_at=world.now,
            ),
        )
