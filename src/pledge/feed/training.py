"""`pledge reach train` (docs/reach.md, "Ranking with quality"): the reach model's lists, re-ranked
by the blend of `reach.quality-weights` (relevance, experience score, penalties, on-time
shipping) plus the boost of a traffic support programme the shop qualifies for, stored with the
reason each item is shown; the popular list for everyone else; each shop's quality as weighed.
Everything is replaced in the caller's one transaction. Items whose subject no longer exists are
left out, so the feed never shows what is gone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection

from pledge.feed import signals, support
from pledge.kernel.db import UnitOfWork
from pledge.reach import quality
from pledge.reach.model import Histories
from pledge.reach.recording import EventKind, purge
from pledge.reach.serving import CANDIDATES_PER_USER, Reason, decode, item_code, learn_lists
from pledge.reach.tables import reach_candidates, reach_events, reach_popular, reach_shop_quality
from pledge.rulebooks.loader import Rulebook

POPULAR_SIZE = CANDIDATES_PER_USER


@dataclass(frozen=True, slots=True)
class ShopQuality:
    signals: quality.ShopSignals
    factors: quality.Factors
    quality_bp: int
    program: support.Program | None

    @property
    def boost_bp(self) -> int:
        return self.program.spec.boost_bp if self.program else 0


@dataclass(frozen=True, slots=True)
class Ranked:
    code: int
    score_bp: int
    program_id: int | None


def shop_quality(conn: Connection, book: Rulebook, now: datetime) -> dict[int, ShopQuality]:
    """Every shop's signals, factors, quality part and the programme that boosts it, if any."""
    weights, clause = quality.weights(book, now), quality.factors_clause(book, now)
    programs = support.programs(conn)
    result = {}
    for shop_id, shop in signals.shop_signals(conn, clause, now).items():
        factors = quality.factors(shop, clause)
        result[shop_id] = ShopQuality(
            shop, factors, quality.quality_bp(factors, weights), support.best_for(programs, shop, now)
        )
    return result


def rank(
    codes: Sequence[int], shop_of: dict, shops: dict[int, ShopQuality], weights: quality.Weights
) -> list[Ranked]:
    """The model's order blended with quality; codes whose subject is gone are dropped; equal
    scores keep the model's order."""
    scored = []
    for position, code in enumerate(codes, start=1):
        shop = shops.get(shop_of.get(decode(code), -1))
        if shop is None:
            continue
        relevance = quality.relevance_bp(position, len(codes))
        score = quality.score_bp(relevance, shop.quality_bp, shop.boost_bp, weights)
        scored.append((-score, position, Ranked(code, score, shop.program.id if shop.program else None)))
    return [ranked for *_, ranked in sorted(scored, key=lambda entry: entry[:2])]


def _popular_codes(conn: Connection, k: int) -> list[int]:
    """The most met items by anyone, visitors included (impressions are exposure: left out)."""
    e = reach_events.c
    n = func.count().label("n")
    query = (
        select(e.subject, e.subject_id, n)
        .where(e.kind != EventKind.IMPRESSION.value)
        .group_by(e.subject, e.subject_id)
        .order_by(n.desc(), e.subject, e.subject_id)
        .limit(k * 2)  # room for items that no longer exist
    )
    return [item_code(row.subject, row.subject_id) for row in conn.execute(query)]


def _reason(code: int, history: Sequence) -> dict:
    if any(event.item == code for event in history):
        because, reason = code, Reason.VIEWED
    else:
        because, reason = history[-1].item, Reason.SIMILAR
    subject, subject_id = decode(because)
    return {"reason": reason.value, "reason_subject": subject.value, "reason_id": subject_id}


def _candidate_rows(
    histories: Histories, lists: dict[int, list[int]], shop_of: dict, shops: dict, w: quality.Weights, now
) -> list[dict]:
    rows = []
    for user, codes in lists.items():
        for position, item in enumerate(rank(codes, shop_of, shops, w), start=1):
            subject, subject_id = decode(item.code)
            rows.append(
                {"user_id": user, "rank": position, "subject": subject.value, "subject_id": subject_id,
                 "score": item.score_bp / quality.FULL_BP, "trained_at": now,
                 "support_program_id": item.program_id, **_reason(item.code, histories[user])}
            )  # fmt: skip
    return rows


def _store_shops(conn: Connection, shops: dict[int, ShopQuality], now: datetime) -> None:
    conn.execute(delete(reach_shop_quality))
    rows = [
        {"shop_id": shop_id, "experience_centi": q.signals.experience_centi, "penalties": q.signals.penalties,
         "late_ship_bp": q.signals.late_ship_bp, "experience_factor_bp": q.factors.experience_bp,
         "penalties_factor_bp": q.factors.penalties_bp, "late_ship_factor_bp": q.factors.late_ship_bp,
         "quality_bp": q.quality_bp, "support_program_id": q.program.id if q.program else None,
         "boost_bp": q.boost_bp, "computed_at": now}
        for shop_id, q in shops.items()
    ]  # fmt: skip
    if rows:
        conn.execute(insert(reach_shop_quality), rows)


def _store_popular(conn: Connection, ranked: list[Ranked], now: datetime) -> None:
    conn.execute(delete(reach_popular))
    rows = []
    for position, item in enumerate(ranked[:POPULAR_SIZE], start=1):
        subject, subject_id = decode(item.code)
        rows.append(
            {"rank": position, "subject": subject.value, "subject_id": subject_id,
             "score": item.score_bp / quality.FULL_BP, "support_program_id": item.program_id,
             "trained_at": now}
        )  # fmt: skip
    if rows:
        conn.execute(insert(reach_popular), rows)


def train(conn: Connection, book: Rulebook, now: datetime, k: int = CANDIDATES_PER_USER) -> int:
    """Replace every user's candidates, the popular list and the shops' quality. Returns the
    number of users with candidates."""
    histories, lists = learn_lists(conn, k)
    popular = _popular_codes(conn, k)
    keys = {decode(code) for codes in [*lists.values(), popular] for code in codes}
    shop_of = signals.shops_of(conn, keys)
    shops = shop_quality(conn, book, now)
    w = quality.weights(book, now)
    _store_shops(conn, shops, now)
    conn.execute(delete(reach_candidates))
    rows = _candidate_rows(histories, lists, shop_of, shops, w, now)
    if rows:
        conn.execute(insert(reach_candidates), rows)
    _store_popular(conn, rank(popular, shop_of, shops, w), now)
    return len({row["user_id"] for row in rows})


def last_trained(conn: Connection) -> datetime | None:
    return conn.execute(select(func.max(reach_shop_quality.c.computed_at))).scalar()


def train_when_due(
    uow: UnitOfWork, book: Rulebook, now: datetime, every: timedelta, retention_days: int
) -> int:
    """The worker's scheduled job: when the last training is older than `every`, purge events past
    the retention and retrain, in one transaction. Returns the users served, or -1 when not due."""
    with uow.read() as conn:
        last = last_trained(conn)
    if last is not None and now - last < every:
        return -1
    with uow.begin() as conn:
        purge(conn, now, retention_days)
        return train(conn, book, now)
