"""Use cases of shop audiences: define an audience, draft a campaign for it, send the campaign
once, and a buyer's opt-out of a shop's campaigns.

Sending is exactly once, whatever retries or concurrent clicks do: the campaign moves draft ->
sent by a conditional UPDATE (PostgreSQL makes a second sender wait on the row, then finds it
sent and is refused with Conflict); each coupon's ledger source `audience:{campaign}:{buyer}` is
UNIQUE; each notice's cause `audience-live:{campaign}` is UNIQUE per user; each recipient row is
UNIQUE (campaign, user). The shop's row is locked while a campaign is sent, so two live campaigns
of one shop cannot both pass the per-buyer notice limit. A refused send raises, so nothing is
written or sent."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_shop
from pledge.audiences import members
from pledge.audiences.model import (
    CAMPAIGN_LIFECYCLE,
    CampaignKind,
    CampaignStatus,
    Outcome,
    Rule,
    RuleKind,
)
from pledge.audiences.policy import (
    campaign_terms,
    check_coupon,
    check_rules,
    live_notice_limit,
    rule_bounds,
)
from pledge.audiences.tables import (
    audience_campaigns,
    audience_opt_outs,
    audience_recipients,
    audience_rules,
    audiences,
)
from pledge.catalog.tables import shops
from pledge.kernel.db import AnyRow, dialect_insert
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.kernel.money import format_yuan
from pledge.kernel.text import clean_text
from pledge.ledger import services as ledger
from pledge.live.model import SessionStatus
from pledge.live.tables import live_rooms, live_sessions
from pledge.notifications.model import Kind
from pledge.notifications.services import notify
from pledge.notifications.tables import notifications
from pledge.rulebooks.loader import Rulebook
from pledge.wishes.tables import wish_demands

NAME_MAX = 40


@dataclass(frozen=True)
class Sent:
    campaign_id: int
    reached: int  # buyers who received the coupon or the notice
    opted_out: int
    rate_limited: int


def coupon_source(campaign_id: int, user_id: int) -> str:
    return f"audience:{campaign_id}:{user_id}"


def _check_demands(conn: Connection, shop_id: int, rules: Sequence[Rule]) -> None:
    named = {r.demand_id for r in rules if r.demand_id is not None}
    if not named:
        return
    d = wish_demands.c
    own = set(conn.execute(select(d.id).where(d.id.in_(named), d.shop_id == shop_id)).scalars())
    for demand_id in sorted(named - own):
        raise NotFound(f"the shop has no wish demand {demand_id}")


def create_audience(
    conn: Connection,
    actor: Actor,
    *,
    shop_id: int,
    name: object,
    rules: Sequence[Rule],
    book: Rulebook,
    at: datetime,
) -> int:
    """A named audience of the shop, the union of its rules (checked against clause audiences.rules)."""
    require_shop(actor, shop_id)
    label = clean_text(name, field="the audience's name", max_length=NAME_MAX)
    checked = check_rules(rule_bounds(book, at), rules)
    _check_demands(conn, shop_id, checked)
    audience_id = conn.execute(
        audiences.insert().values(shop_id=shop_id, name=label, created_at=at).returning(audiences.c.id)
    ).scalar_one()
    conn.execute(
        audience_rules.insert(),
        [
            {
                "audience_id": audience_id,
                "shop_id": shop_id,
                "kind": r.kind.value,
                "days": r.days,
                "demand_id": r.demand_id,
            }
            for r in checked
        ],
    )
    return audience_id


def audience_of(conn: Connection, actor: Actor, audience_id: int) -> AnyRow:
    """The audience, if the caller is a member of its shop (Forbidden otherwise)."""
    row = conn.execute(select(audiences).where(audiences.c.id == audience_id)).first()
    if row is None:
        raise NotFound(f"no audience {audience_id}")
    require_shop(actor, row.shop_id, read_only=True)
    return row


def rules_of(conn: Connection, audience_id: int) -> list[Rule]:
    r = audience_rules.c
    rows = conn.execute(select(audience_rules).where(r.audience_id == audience_id).order_by(r.id))
    return [Rule(RuleKind(row.kind), row.days, row.demand_id) for row in rows]


def create_campaign(
    conn: Connection,
    actor: Actor,
    *,
    audience_id: int,
    kind: str,
    book: Rulebook,
    at: datetime,
    amount_fen: object = None,
    min_spend_fen: object = 0,
    valid_days: object = None,
) -> int:
    """A draft campaign for one of the shop's audiences: a shop coupon (its terms checked
    against clause audiences.campaign-terms) or a "we are live" notice."""
    audience = audience_of(conn, actor, audience_id)
    require_shop(actor, audience.shop_id)
    try:
        what = CampaignKind(kind)
    except ValueError:
        raise InvalidInput("a campaign sends a coupon or a live notice") from None
    terms: dict[str, object] = {}
    if what == CampaignKind.COUPON:
        check_coupon(
            campaign_terms(book, at),
            amount_fen=amount_fen,
            min_spend_fen=min_spend_fen,
            valid_days=valid_days,
        )
        terms = {"amount_fen": amount_fen, "min_spend_fen": min_spend_fen, "valid_days": valid_days}
    return conn.execute(
        audience_campaigns.insert()
        .values(
            shop_id=audience.shop_id,
            audience_id=audience_id,
            kind=what.value,
            status=CampaignStatus.DRAFT.value,
            created_at=at,
            **terms,
        )
        .returning(audience_campaigns.c.id)
    ).scalar_one()


def campaign_of(conn: Connection, actor: Actor, campaign_id: int, *, read_only: bool = True) -> AnyRow:
    row = conn.execute(select(audience_campaigns).where(audience_campaigns.c.id == campaign_id)).first()
    if row is None:
        raise NotFound(f"no campaign {campaign_id}")
    require_shop(actor, row.shop_id, read_only=read_only)
    return row


def _live_session(conn: Connection, shop_id: int) -> AnyRow:
    s = live_sessions.c
    row = conn.execute(
        select(s.id, s.title, s.room_id)
        .join(live_rooms, live_rooms.c.id == s.room_id)
        .where(live_rooms.c.shop_id == shop_id, s.status == SessionStatus.LIVE.value)
        .order_by(s.id)
        .limit(1)
    ).first()
    if row is None:
        raise Conflict("the shop is not live: a live notice is sent during a broadcast")
    return row


def _opted_out(conn: Connection, shop_id: int) -> set[int]:
    o = audience_opt_outs.c
    return set(conn.execute(select(o.user_id).where(o.shop_id == shop_id)).scalars())


def _rate_limited(conn: Connection, book: Rulebook, shop_id: int, at: datetime) -> set[int]:
    """Buyers who already had as many of the shop's audience live notices in the window as the
    clause allows."""
    limit = live_notice_limit(book, at)
    r, c = audience_recipients.c, audience_campaigns.c
    rows = conn.execute(
        select(r.user_id)
        .join(audience_campaigns, c.id == r.campaign_id)
        .where(
            c.shop_id == shop_id,
            c.kind == CampaignKind.LIVE.value,
            r.outcome == Outcome.NOTIFIED.value,
            r.at > at - limit.window,
        )
        .group_by(r.user_id)
        .having(func.count() >= limit.notices)
    )
    return set(rows.scalars())


def _told_of_session(conn: Connection, session_id: int) -> set[int]:
    """Buyers the session itself already told it went live (its followers and those who asked
    to be reminded: live.services, cause live-started:{session}): a second notice is spam."""
    n = notifications.c
    return set(conn.execute(select(n.user_id).where(n.cause == f"live-started:{session_id}")).scalars())


def _outcomes(
    conn: Connection,
    campaign: AnyRow,
    book: Rulebook,
    user_ids: list[int],
    at: datetime,
    session: AnyRow | None,
) -> dict[int, Outcome]:
    opted = _opted_out(conn, campaign.shop_id)
    limited: set[int] = set()
    if session is not None:
        limited = _rate_limited(conn, book, campaign.shop_id, at) | _told_of_session(conn, session.id)
    sends = Outcome.COUPON if campaign.kind == CampaignKind.COUPON else Outcome.NOTIFIED
    return {
        uid: Outcome.OPTED_OUT if uid in opted else Outcome.RATE_LIMITED if uid in limited else sends
        for uid in user_ids
    }


def _shop_name(conn: Connection, shop_id: int) -> str:
    return conn.execute(select(shops.c.name).where(shops.c.id == shop_id)).scalar_one()


def _issue_coupons(conn: Connection, campaign: AnyRow, buyers: list[int], at: datetime) -> dict[int, int]:
    """One merchant-funded shop coupon per buyer (nothing moves in the ledger at issue: the shop
    pays the discount when it is spent, like the live room's and the wish pool's coupons)."""
    shop = _shop_name(conn, campaign.shop_id)
    off = format_yuan(campaign.amount_fen)
    if campaign.min_spend_fen:
        least = format_yuan(campaign.min_spend_fen)
        en, zh = f"{shop}: ¥{off} off an order of ¥{least} or more", f"{shop}：满¥{least}减¥{off}"
    else:
        en, zh = f"{shop}: ¥{off} off", f"{shop}：立减¥{off}"
    expires = at + timedelta(days=campaign.valid_days)
    grants = [
        ledger.CouponGrant(
            buyer,
            campaign.amount_fen,
            coupon_source(campaign.id, buyer),
            en,
            zh,
            min_spend_fen=campaign.min_spend_fen,
            funded_by="merchant",
            shop_id=campaign.shop_id,
            expires_at=expires,
        )
        for buyer in buyers
    ]
    issued = ledger.issue_coupons(conn, grants, at=at)
    return {buyer: issued[coupon_source(campaign.id, buyer)] for buyer in buyers}


def _notify_live(
    conn: Connection, campaign: AnyRow, session: AnyRow, buyers: list[int], at: datetime
) -> None:
    notify(
        conn,
        buyers,
        kind=Kind.LIVE_STARTED,
        params={
            "shop": _shop_name(conn, campaign.shop_id),
            "title": session.title,
            "room_id": session.room_id,
        },
        link=f"/live/{session.room_id}",
        cause=f"audience-live:{campaign.id}",
        at=at,
    )


def send_campaign(conn: Connection, actor: Actor, *, campaign_id: int, book: Rulebook, at: datetime) -> Sent:
    """Send a draft campaign to its audience as it is now, once. Opted-out buyers get nothing,
    and a live notice skips buyers at the clause's limit or already told of this session by
    the session itself; every member gets a recipient row
    saying what was done. An empty audience, a shop not live (for a live notice) or a campaign
    already sent is refused with nothing written."""
    campaign = campaign_of(conn, actor, campaign_id, read_only=False)
    conn.execute(select(shops.c.id).where(shops.c.id == campaign.shop_id).with_for_update())
    session = _live_session(conn, campaign.shop_id) if campaign.kind == CampaignKind.LIVE else None
    if not CAMPAIGN_LIFECYCLE.try_move(
        conn,
        audience_campaigns,
        campaign_id,
        CampaignStatus.DRAFT,
        CampaignStatus.SENT,
        sent_at=at,
        report_until=at + campaign_terms(book, at).report_window,
        session_id=None if session is None else session.id,
    ):
        raise Conflict(f"campaign {campaign_id} has already been sent")
    buyers = members.members(conn, campaign.shop_id, rules_of(conn, campaign.audience_id), at)
    if not buyers:
        raise InvalidInput("the audience is empty: nobody to send the campaign to")
    outcomes = _outcomes(conn, campaign, book, buyers, at, session)
    chosen = [uid for uid in buyers if outcomes[uid] in (Outcome.COUPON, Outcome.NOTIFIED)]
    coupons: dict[int, int] = {}
    if campaign.kind == CampaignKind.COUPON:
        coupons = _issue_coupons(conn, campaign, chosen, at) if chosen else {}
    elif chosen and session is not None:
        _notify_live(conn, campaign, session, chosen, at)
    rows = [
        {
            "campaign_id": campaign_id,
            "shop_id": campaign.shop_id,
            "user_id": uid,
            "outcome": o.value,
            "coupon_id": coupons.get(uid),
            "at": at,
        }
        for uid, o in outcomes.items()
    ]
    for start in range(0, len(rows), 1000):
        conn.execute(audience_recipients.insert(), rows[start : start + 1000])
    counts = Counter(outcomes.values())
    return Sent(campaign_id, len(chosen), counts[Outcome.OPTED_OUT], counts[Outcome.RATE_LIMITED])


def opt_out(conn: Connection, actor: Actor, *, shop_id: int, at: datetime) -> bool:
    """The buyer asks the shop not to reach them through audiences (coupons and live notices);
    asking twice is asking once. True: the buyer is opted out."""
    if conn.execute(select(shops.c.id).where(shops.c.id == shop_id)).first() is None:
        raise NotFound(f"no shop {shop_id}")
    conn.execute(
        dialect_insert(conn)(audience_opt_outs)
        .values(user_id=actor.user_id, shop_id=shop_id, created_at=at)
        .on_conflict_do_nothing(index_elements=["user_id", "shop_id"])
    )
    return True


def opt_in(conn: Connection, actor: Actor, *, shop_id: int) -> bool:
    """The buyer lets the shop's campaigns reach them again. False: not opted out any more."""
    if conn.execute(select(shops.c.id).where(shops.c.id == shop_id)).first() is None:
        raise NotFound(f"no shop {shop_id}")
    o = audience_opt_outs.c
    conn.execute(audience_opt_outs.delete().where(o.user_id == actor.user_id, o.shop_id == shop_id))
    return False


def is_opted_out(conn: Connection, user_id: int, shop_id: int) -> bool:
    o = audience_opt_outs.c
    return conn.execute(select(o.id).where(o.user_id == user_id, o.shop_id == shop_id)).first() is not None
