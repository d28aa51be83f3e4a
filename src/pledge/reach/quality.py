"""Ranking with quality (docs/reach.md, "Ranking with quality"): a feed item's score blends the
model's relevance with its shop's experience score, penalty record and on-time shipping, each
scaled to 0-1 and weighed by the rulebook clause `reach.quality-weights`; a traffic support
programme the shop qualifies for adds its boost. Pure functions over rulebook clauses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pledge.rulebooks.loader import Clause, Rulebook

FULL_BP = 10_000


@dataclass(frozen=True, slots=True)
class ShopSignals:
    """What the database says about a shop's service (None: nothing to measure yet)."""

    experience_centi: int | None  # experience score x 100 (87.35 -> 8735)
    penalties: int  # penalties in force decided within the window
    late_ship_bp: int | None  # late shipments / orders due to ship, in basis points


@dataclass(frozen=True, slots=True)
class Factors:
    """Each quality factor scaled to 0-1 (1 = best), in basis points."""

    experience_bp: int
    penalties_bp: int
    late_ship_bp: int


@dataclass(frozen=True, slots=True)
class Weights:
    relevance_bp: int
    experience_bp: int
    penalties_bp: int
    late_ship_bp: int
    clause: Clause


def weights(book: Rulebook, at: datetime) -> Weights:
    clause = book.one("reach_quality_weights", at)
    return Weights(
        clause.get("relevance_bp"),
        clause.get("experience_bp"),
        clause.get("penalties_bp"),
        clause.get("late_ship_bp"),
        clause,
    )


def factors_clause(book: Rulebook, at: datetime) -> Clause:
    return book.one("reach_quality_factors", at)


def max_boost_bp(book: Rulebook, at: datetime) -> int:
    return int(book.one("reach_support_bounds", at).get("max_boost_bp"))


def _share(numerator: int, denominator: int) -> int:
    """numerator/denominator in basis points, clamped to 0-10000, rounded half down."""
    if denominator <= 0:
        return FULL_BP
    return max(0, min(FULL_BP, (numerator * FULL_BP) // denominator))


def factors(signals: ShopSignals, clause: Clause) -> Factors:
    """The shop's factors under `reach.quality-factors` (integers, floor rounding)."""
    centi = signals.experience_centi
    if centi is None:
        centi = int(clause.get("no_score_points")) * 100
    cap = int(clause.get("penalty_cap"))
    late_cap = int(clause.get("late_ship_cap_bp"))
    late = signals.late_ship_bp or 0
    return Factors(
        experience_bp=_share(centi, 100 * 100),
        penalties_bp=_share(cap - min(signals.penalties, cap), cap),
        late_ship_bp=_share(late_cap - min(late, late_cap), late_cap),
    )


def quality_bp(factors: Factors, w: Weights) -> int:
    """The quality part of the score (0 to the sum of the quality weights), in basis points."""
    total = (
        factors.experience_bp * w.experience_bp
        + factors.penalties_bp * w.penalties_bp
        + factors.late_ship_bp * w.late_ship_bp
    )
    return total // FULL_BP


def relevance_bp(rank: int, listed: int) -> int:
    """The model's order as a 0-1 relevance: the first of `listed` items 1, the last 1/listed."""
    if listed <= 0 or not 1 <= rank <= listed:
        return 0
    return _share(listed - rank + 1, listed)


def score_bp(relevance: int, quality: int, boost: int, w: Weights) -> int:
    """The feed score in basis points: weighted relevance + the quality part + a support boost."""
    return relevance * w.relevance_bp // FULL_BP + quality + boost
