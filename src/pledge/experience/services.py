"""Experience-score use cases: a shop's score under any rule version, the version diff with the
orders behind it, the daily snapshots the worker writes for every shop, the gates (campaign
sign-up, ad spend) and the operator's ranking.

Measures come from set-based SQL (pledge.experience.indicators) over the order facts built here
from orders, reviews and after-sales cases; the after-sales review time is one more GROUP BY
over cases; the chat measures reuse the chat domain's own definition (douyin:aJoPPkXuLRqc);
shipping insurance (the 2026-09-08 bonuses) comes through the port pledge.experience.insurance,
"no insurance" unless the caller passes an adapter. Indicator days and night rules are platform
time (the rulebook's zone), whatever the shop's own zone."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import PLATFORM_ROLES, Actor, require_platform, require_shop
from pledge.aftersales.model import CaseStatus
from pledge.aftersales.tables import case_events, cases
from pledge.catalog.tables import shops
from pledge.chat import services as chat
from pledge.chat.tables import conversations
from pledge.compensation.tables import compensations
from pledge.experience import indicators, policy
from pledge.experience.insurance import SHIPPING_INSURANCE_FROM_AFTERSALES, ShippingInsurance
from pledge.experience.tables import incidents, shop_profiles, snapshots
from pledge.integrations import outbox
from pledge.kernel import jsonutil
from pledge.kernel.clock import ensure_utc, zone
from pledge.kernel.db import dialect_insert, inserted_id
from pledge.kernel.errors import Forbidden, InvalidInput, NotFound
from pledge.kernel.money import format_yuan
from pledge.kernel.screening import Outcome
from pledge.orders.tables import orders
from pledge.reviews.tables import reviews
from pledge.rulebooks.loader import Rulebook

INCIDENT_KINDS = (
    "abnormal_return_address",
    "refused_invoice",
    "brushing",
    "false_advertising",
    "fraudulent_shipping",
    "brand_confusion",
)


def _compensated(order_id, kinds: tuple[str, ...]):
    """1 if the order has a compensation row (a finding against the merchant, paid or capped at
    zero) of one of `kinds`, else 0."""
    if not kinds:
        return literal(0)
    found = exists().where(compensations.c.order_id == order_id, compensations.c.kind.in_(list(kinds)))
    return case((found, 1), else_=0)


def order_facts(params: indicators.Params, *where):
    """The live schema as an order-facts relation (see indicators) under one version's clauses:
    paid orders, minus those refunded by instant refund (秒退, excluded by douyin:103956);
    `where`: more conditions on `orders` (some shops, a payment range)."""
    o = orders.c
    first_case = (
        select(cases.c.reason).where(cases.c.order_id == o.id).order_by(cases.c.id).limit(1).scalar_subquery()
    )
    shown = reviews.c.moderation == Outcome.ALLOW.value  # a review held for a reviewer counts for nothing
    stars = select(func.avg(reviews.c.stars)).where(reviews.c.order_id == o.id, shown).scalar_subquery()
    escalated = exists().where(
        case_events.c.case_id == cases.c.id, cases.c.order_id == o.id, case_events.c.kind == "escalated"
    )
    helped = exists().where(cases.c.order_id == o.id) | exists().where(conversations.c.order_id == o.id)
    instant = exists().where(cases.c.order_id == o.id, cases.c.case_type == "instant_refund")
    return (
        select(
            o.shop_id,
            o.id.label("order_id"),
            o.paid_at,
            o.picked_up_at,
            o.delivered_at,
            stars.label("stars"),
            first_case.label("first_reason"),
            case((escalated, 1), else_=0).label("escalated"),
            case((helped, 1), else_=0).label("helped"),
            _compensated(o.id, params.pickup_forced_kinds).label("pickup_forced"),
            _compensated(o.id, params.waybill_failed_kinds).label("waybill_failed"),
            _compensated(o.id, params.logistics_judgements).label("logistics_judged"),
        )
        .where(o.paid_at.is_not(None), ~instant, *where)
        .subquery("facts")
    )


def window_for(book: Rulebook, day: date) -> tuple[datetime, datetime]:
    """The 30 whole platform days (the rulebook's zone, Asia/Shanghai) before `day`: the score
    shown on `day`. The shop's own zone plays no part in indicator days or night rules."""
    scheme = book.one("experience_scheme", day)
    until = datetime.combine(day, time(0), zone(book.timezone))
    return ensure_utc(until - timedelta(days=scheme.get("window_days"))), ensure_utc(until)


def platform_offset(book: Rulebook, at: datetime) -> int:
    """Seconds east of UTC of the rulebook's zone at `at` (the night rules' local time)."""
    return offset_seconds(book.timezone, at)


def offset_seconds(tz: str, at: datetime) -> int:
    offset = at.astimezone(zone(tz)).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def review_clause(book: Rulebook, day: date):
    return next((c for c in policy.indicators_in_force(book, day) if c.get("metric") == "review_hours"), None)


def review_scope(clause, since: datetime, until: datetime) -> list:
    """售后平均审核时长 counts 退款成功售后单 of the window: refunded (refund completed, closed_at)
    in [since, until); return-and-refund cases, and refunds requested after the order shipped
    (已发货退款: the ship click, or the pickup scan without one, before the request)."""
    shipped = func.coalesce(orders.c.shipped_at, orders.c.picked_up_at)
    after_shipment = exists().where(
        orders.c.id == cases.c.order_id, shipped.is_not(None), shipped <= cases.c.created_at
    )
    return [
        cases.c.status == CaseStatus.REFUNDED.value,
        cases.c.decided_at.is_not(None),
        cases.c.closed_at >= since,
        cases.c.closed_at < until,
        or_(
            cases.c.case_type.in_(clause.get("case_types")),
            and_(cases.c.case_type.in_(clause.get("after_shipment_case_types", [])), after_shipment),
        ),
    ]


def review_seconds(book: Rulebook, day: date, at: datetime):
    """Request (night rule applied) to the merchant's or the system's approval, in seconds."""
    night = {c.get("applies_to"): c for c in book.in_force("experience_night_rule", day)}["aftersales"]
    filed, decided = indicators.epoch(cases.c.created_at), indicators.epoch(cases.c.decided_at)
    start = indicators.night_start(
        filed, platform_offset(book, at), night.get("from_hour"), night.get("to_hour")
    )
    return decided - start


def _review_measures(
    conn: Connection, book: Rulebook, day: date, since: datetime, until: datetime, shop_ids=None
) -> dict:
    """售后平均审核时长: the cases in scope (review_scope) and their review seconds."""
    clause = review_clause(book, day)
    if clause is None:
        return {}
    raw = review_seconds(book, day, until)
    seconds = case((raw < 0, 0), else_=raw)
    query = (
        select(cases.c.shop_id, func.count().label("n"), func.sum(seconds).label("s"))
        .where(*review_scope(clause, since, until))
        .group_by(cases.c.shop_id)
    )
    if shop_ids is not None:
        query = query.where(cases.c.shop_id.in_(list(shop_ids)))
    return {
        r.shop_id: {"reviewed_cases": int(r.n), "review_seconds": int(r.s or 0)} for r in conn.execute(query)
    }


def _chat_measures(conn: Connection, book: Rulebook, since: datetime, until: datetime, shop_ids=None) -> dict:
    query = (
        select(conversations.c.shop_id)
        .distinct()
        .where(conversations.c.started_at >= since, conversations.c.started_at < until)
    )
    if shop_ids is not None:
        query = query.where(conversations.c.shop_id.in_(list(shop_ids)))
    out = {}
    for shop_id in conn.execute(query).scalars():
        m = chat.measure_shop(conn, shop_id, book=book, since=since, until=until)
        out[shop_id] = {
            "chat_rounds": m.rounds,
            "chat_response_ms": m.response_ms_total,
            "rated_conversations": m.rated_conversations,
            "dissatisfied_conversations": m.dissatisfied_conversations,
        }
    return out


def _insurance_measures(
    conn: Connection,
    book: Rulebook,
    vday: date,
    day: date,
    since: datetime,
    until: datetime,
    shop_ids: list[int],
    port: ShippingInsurance,
) -> dict:
    """What the shipping-insurance bonuses in force under `vday` read, from the port: days on
    among the last `enabled_days` platform days before `day`, insured orders paid in the window."""
    out: dict[int, dict] = defaultdict(dict)
    for clause in book.in_force("experience_bonus", vday):
        kind = clause.get("insurance")
        if not kind:
            continue
        days = [day - timedelta(days=back) for back in range(clause.get("enabled_days"), 0, -1)]
        days_key, orders_key = policy.insurance_keys(kind)
        for shop_id, facts in port.facts(
            conn, shop_ids, kind=kind, days=days, since=since, until=until
        ).items():
            out[shop_id].update({days_key: facts.enabled_days, orders_key: facts.insured_orders})
    return out


def measure(
    conn: Connection,
    book: Rulebook,
    day: date,
    *,
    shop_ids=None,
    insurance: ShippingInsurance = SHIPPING_INSURANCE_FROM_AFTERSALES,
) -> dict[int, dict]:
    """Every measure of every shop (or of `shop_ids`) for the score shown on `day`, read with
    the clauses of the version in force that day."""
    query = select(shops.c.id)
    if shop_ids is not None:
        query = query.where(shops.c.id.in_(list(shop_ids)))
    ids = list(conn.execute(query).scalars())
    vday = policy.version_day(book, None, day)
    return _measures(conn, book, vday, day, ids, insurance, every_shop=shop_ids is None)


def _measures(
    conn: Connection,
    book: Rulebook,
    vday: date,
    day: date,
    ids: list[int],
    insurance: ShippingInsurance,
    *,
    every_shop: bool = False,
) -> dict[int, dict]:
    """The measures of shops `ids` over the window of `day`, read with the clauses of `vday`."""
    since, until = window_for(book, day)
    params = indicators.Params.of(book, vday)
    chosen = None if every_shop else ids
    rows = conn.execute(
        indicators.aggregate(
            order_facts(params),
            params,
            offset_s=platform_offset(book, until),
            since=since,
            until=until,
            shop_ids=chosen,
        )
    )
    found = indicators.rows_to_measures(rows)
    reviews_m = _review_measures(conn, book, vday, since, until, chosen)
    return with_the_rest(conn, book, vday, day, ids, insurance, [found, reviews_m], chosen)


def with_the_rest(
    conn: Connection,
    book: Rulebook,
    vday: date,
    day: date,
    ids: list[int],
    insurance: ShippingInsurance,
    additive: list[dict],
    chosen: list[int] | None,
) -> dict[int, dict]:
    """Shops `ids`' additive measures completed with the chat and shipping-insurance ones."""
    since, until = window_for(book, day)
    chat_m = _chat_measures(conn, book, since, until, chosen)
    insured = _insurance_measures(conn, book, vday, day, since, until, ids, insurance)
    return {
        shop_id: {k: v for p in [*additive, chat_m, insured] for k, v in p.get(shop_id, {}).items()}
        for shop_id in ids
    }


def profile_of(conn: Connection, shop_id: int) -> policy.Profile:
    row = conn.execute(select(shop_profiles).where(shop_profiles.c.shop_id == shop_id)).first()
    return policy.Profile() if row is None else policy.Profile(row.industry, row.flagship)


def set_profile(
    conn: Connection, actor: Actor, shop_id: int, *, industry: str, flagship: bool, at: datetime
) -> None:
    """Platform staff classify a shop's experience-score industry and store type."""
    require_platform(actor, "operator")
    if not industry.strip() or len(industry.strip()) > 40:
        raise InvalidInput("industry must be 1 to 40 characters, e.g. 生活鲜花")
    require_shop_exists(conn, shop_id)
    values = {"industry": industry.strip(), "flagship": flagship, "updated_at": at}
    if (
        conn.execute(
            shop_profiles.update().where(shop_profiles.c.shop_id == shop_id).values(**values)
        ).rowcount
        == 0
    ):
        conn.execute(shop_profiles.insert().values(shop_id=shop_id, **values))


def record_incident(
    conn: Connection, actor: Actor, shop_id: int, *, kind: str, occurred_at: datetime, note: str, at: datetime
) -> int:
    """A behaviour incident (差行为) found by platform staff; deductions apply per clause."""
    require_platform(actor, "operator", "reviewer")
    if kind not in INCIDENT_KINDS:
        raise InvalidInput(f"unknown incident kind {kind!r}; one of {', '.join(INCIDENT_KINDS)}")
    if conn.execute(select(shops.c.id).where(shops.c.id == shop_id)).first() is None:
        raise NotFound(f"no shop {shop_id}")
    return inserted_id(
        conn,
        incidents.insert().values(
            shop_id=shop_id,
            kind=kind,
            occurred_at=occurred_at,
            note=note.strip(),
            recorded_by=actor.user_id,
            created_at=at,
        ),
    )


def incident_kinds(
    conn: Connection, since: datetime, until: datetime, shop_id: int | None = None
) -> dict[int, list[str]]:
    """Each shop's (or one shop's) incident kinds in [since, until), in the order they occurred."""
    kinds: dict[int, list[str]] = defaultdict(list)
    i = incidents.c
    query = select(i.shop_id, i.kind).where(i.occurred_at >= since, i.occurred_at < until)
    if shop_id is not None:
        query = query.where(i.shop_id == shop_id)
    for shop, kind in conn.execute(query.order_by(i.occurred_at, i.id)):
        kinds[shop].append(kind)
    return kinds


def require_shop_exists(conn: Connection, shop_id: int) -> None:
    if conn.execute(select(shops.c.id).where(shops.c.id == shop_id)).first() is None:
        raise NotFound(f"no shop {shop_id}")


def score_shop(
    conn: Connection,
    book: Rulebook,
    shop_id: int,
    *,
    day: date,
    version: str | None = None,
    insurance: ShippingInsurance = SHIPPING_INSURANCE_FROM_AFTERSALES,
) -> policy.ScoreResult:
    """The score shown on `day` (the 30 whole days before it) under `version` (default: the
    version in force on `day`). No tenancy check: the platform itself asks."""
    require_shop_exists(conn, shop_id)
    since, until = window_for(book, day)
    vday = policy.version_day(book, version, day)
    m = _measures(conn, book, vday, day, [shop_id], insurance)[shop_id]
    return policy.evaluate(
        book,
        vday,
        m,
        profile=profile_of(conn, shop_id),
        incident_kinds=incident_kinds(conn, since, until, shop_id).get(shop_id, []),
    )


def local_today(book: Rulebook, now: datetime) -> date:
    return now.astimezone(zone(book.timezone)).date()


def shop_score(
    conn: Connection,
    actor: Actor,
    shop_id: int,
    *,
    book: Rulebook,
    now: datetime,
    version: str | None = None,
    insurance: ShippingInsurance = SHIPPING_INSURANCE_FROM_AFTERSALES,
) -> policy.ScoreResult:
    """For the shop's members and platform staff: today's score."""
    require_shop(actor, shop_id, read_only=True)
    return score_shop(conn, book, shop_id, day=local_today(book, now), version=version, insurance=insurance)


def snapshot_day(
    conn: Connection,
    book: Rulebook,
    day: date,
    *,
    at: datetime,
    insurance: ShippingInsurance = SHIPPING_INSURANCE_FROM_AFTERSALES,
) -> int:
    """Every shop's score shown on `day` under the version in force that day, from the per-day
    facts (the full scan, `measure`, is the oracle the tests hold it to); rows that exist
    already are left alone (UNIQUE shop, day, version), so reruns and concurrent workers agree."""
    from pledge.experience import facts  # facts builds on this module's order facts

    vday = policy.version_day(book, None, day)
    all_m = facts.measure(conn, book, day, at=at, insurance=insurance)
    kinds = incident_kinds(conn, *window_for(book, day))
    profiles = {
        r.shop_id: policy.Profile(r.industry, r.flagship) for r in conn.execute(select(shop_profiles))
    }
    rows = []
    for shop_id, m in all_m.items():
        result = policy.evaluate(
            book,
            vday,
            m,
            profile=profiles.get(shop_id, policy.Profile()),
            incident_kinds=kinds.get(shop_id, []),
        )
        rows.append(
            {
                "shop_id": shop_id,
                "day": day,
                "version": result.version,
                "stage": result.stage,
                "score_centi": round(result.score * 100),
                "shown_tenths": round(result.shown * 10),
                "detail": jsonutil.dumps(_compact(result)),
                "computed_at": at,
            }
        )
    if not rows:
        return 0
    insert = dialect_insert(conn)
    written = 0
    for lo in range(0, len(rows), 1000):
        stmt = (
            insert(snapshots)
            .values(rows[lo : lo + 1000])
            .on_conflict_do_nothing(index_elements=["shop_id", "day", "version"])
            .returning(snapshots.c.shop_id)
        )
        written_shops = {r.shop_id for r in conn.execute(stmt)}
        written += len(written_shops)
        _publish_scores(conn, [r for r in rows[lo : lo + 1000] if r["shop_id"] in written_shops], at)
    return written


def _publish_scores(conn: Connection, rows: list[dict], at: datetime) -> None:
    """`score.changed` to each shop's webhook endpoints: the day's score, once (integrations.outbox)."""
    for r in rows:
        payload = {k: r[k] for k in ("day", "version", "stage", "score_centi", "shown_tenths")}
        outbox.publish(conn, r["shop_id"], "score.changed", r["shop_id"], payload | {"at": at}, at=at)


def _compact(result: policy.ScoreResult) -> dict:
    return {
        "dimensions": {k: v["points"] for k, v in result.dimensions.items()},
        "indicators": {i.code: [i.value, i.points] for i in result.indicators},
        "deductions": sum(c["points"] for c in result.deductions),
        "bonuses": sum(b["points"] for b in result.bonuses),
    }


def snapshot_due(
    uow, book: Rulebook, clock, *, insurance: ShippingInsurance = SHIPPING_INSURANCE_FROM_AFTERSALES
) -> int:
    """The worker step: today's snapshots, once. Cheap when done (one indexed lookup)."""
    now = clock.now()
    day = local_today(book, now)
    schemes = book.in_force("experience_scheme", day)
    if not schemes:  # a rulebook without an experience score (taobao)
        return 0
    version = schemes[0].get("version")
    with uow.read() as conn:
        done = conn.execute(
            select(snapshots.c.id).where(snapshots.c.day == day, snapshots.c.version == version).limit(1)
        ).first()
    if done is not None:
        return 0
    with uow.begin() as conn:
        return snapshot_day(conn, book, day, at=now, insurance=insurance)


def history(
    conn: Connection, actor: Actor, shop_id: int, *, book: Rulebook, now: datetime, days: int = 30
) -> list[dict]:
    require_shop(actor, shop_id, read_only=True)
    today = local_today(book, now)
    s = snapshots.c
    rows = conn.execute(
        select(s.day, s.version, s.stage, s.score_centi, s.shown_tenths)
        .where(s.shop_id == shop_id, s.day > today - timedelta(days=days), s.day <= today)
        .order_by(s.day, s.version)
    ).all()
    return [
        {
            "day": r.day.isoformat(),
            "version": r.version,
            "stage": r.stage,
            "score": r.score_centi / 100,
            "shown": r.shown_tenths / 10,
        }
        for r in rows
    ]


def gate(
    conn: Connection,
    actor: Actor,
    shop_id: int,
    use: str,
    *,
    book: Rulebook,
    now: datetime,
    amount_fen: int | None = None,
    insurance: ShippingInsurance = SHIPPING_INSURANCE_FROM_AFTERSALES,
) -> dict:
    """May this shop sign up for a campaign / spend this much on ads today? With the clause."""
    day = local_today(book, now)
    clause = next((c for c in book.in_force("experience_gate", day) if c.get("use") == use), None)
    if clause is None:
        raise InvalidInput(f"unknown use {use!r}; one of campaign_signup, ad_spend")
    if amount_fen is not None and amount_fen < 0:
        raise InvalidInput("amount_fen must not be negative")
    result = shop_score(conn, actor, shop_id, book=book, now=now, insurance=insurance)
    allowed = result.score >= clause.get("min_score") or (
        result.stage == "growth" and clause.get("growth_allowed")
    )
    cap = None
    if allowed and clause.get("tiers"):
        reached = [t for t in clause.get("tiers") if result.score >= t[0]] or clause.get("tiers")[:1]
        cap = None if reached[-1][1] < 0 else reached[-1][1]
        if amount_fen is not None and cap is not None and amount_fen > cap:
            allowed = False
    why = (
        f"score {result.score:g} ({result.stage}) against {clause.get('min_score')} "
        f"({clause.id}, {clause.source})"
        + (f"; daily cap {format_yuan(cap)} yuan" if cap is not None else "")
    )
    return {
        "shop_id": shop_id,
        "use": use,
        "allowed": allowed,
        "score": result.score,
        "stage": result.stage,
        "min_score": clause.get("min_score"),
        "daily_cap_fen": cap,
        "amount_fen": amount_fen,
        "clause_id": clause.id,
        "source": clause.source,
        "text": clause.text,
        "text_en": clause.text_en,
        "explanation": why,
    }


def ranking(conn: Connection, actor: Actor, *, book: Rulebook, now: datetime, limit: int = 200) -> list[dict]:
    """Operators: shops by their latest snapshot, best first; equal scores share a rank (1, 2, 2,
    4), and each row says why: stage, dimension points, deductions, its weakest indicators."""
    if actor.platform_role not in PLATFORM_ROLES:
        raise Forbidden("the ranking is for platform staff")
    s = snapshots.c
    latest = select(s.shop_id, func.max(s.day).label("day")).group_by(s.shop_id).subquery()
    rows = conn.execute(
        select(s.shop_id, shops.c.name, s.day, s.version, s.stage, s.score_centi, s.shown_tenths, s.detail)
        .join(latest, and_(latest.c.shop_id == s.shop_id, latest.c.day == s.day))
        .join(shops, shops.c.id == s.shop_id)
        .order_by(s.score_centi.desc(), s.shop_id)
        .limit(limit)
    ).all()
    unique = {r.shop_id: r for r in reversed(rows)}  # a shop's best row of its latest day
    best = sorted(unique.values(), key=lambda r: (-r.score_centi, r.shop_id))
    scores = [r.score_centi for r in best]
    out: list[dict] = []
    for rank, r in zip(policy.competition_ranks(scores), best, strict=True):
        detail = jsonutil.loads(r.detail)
        out.append(
            {
                "rank": rank,
                "tied": scores.count(r.score_centi) > 1,
                "shop_id": r.shop_id,
                "shop_name": r.name,
                "day": r.day.isoformat(),
                "version": r.version,
                "stage": r.stage,
                "growth": r.stage == "growth",  # a fixed score: no indicator decides it
                "score": r.score_centi / 100,
                "shown": r.shown_tenths / 10,
                "dimensions": detail.get("dimensions", {}),
                "deductions": detail.get("deductions", 0),
                "bonuses": detail.get("bonuses", 0),
                "weakest": policy.weakest_indicators(detail),
            }
        )
    return out
