"""Pure score evaluation (商家体验分, RULES.md §2; douyin:103956, douyin:aJmVWbCJyD8M,
douyin:aJoPPkXuLRqc): measures of one shop over a 30-day window -> indicator values -> points
(bands, the small-shop fixed 80, the directly scored pickup average) -> dimensions weighted per
industry and store type -> score with deductions (capped per clause) and bonuses, bounded per
version -> growth stage when valid orders are too few -> the star display shown to buyers.

A version is the date its clauses took effect: evaluating "under 2026-09-08" reads every clause
in force on that day, whatever day the data is from. No database, no web."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date

from pledge.kernel.errors import InvalidInput
from pledge.rulebooks.loader import Clause, Rulebook

DIMENSIONS = ("product", "logistics", "service")


@dataclass(frozen=True)
class Profile:
    industry: str = "其他"
    flagship: bool = False


@dataclass
class IndicatorResult:
    code: str
    dimension: str
    clause_id: str
    source: str
    unit: str
    better: str
    value: float | None  # None: no data in the window
    points: float | None
    weight: float = 0.0  # share of its dimension, percent (after leaving out indicators without data)
    contribution: float = 0.0  # points it adds to the total score
    fixed: bool = False  # the small-shop fixed score applied
    bands_clause: str | None = None
    next_band: dict | None = None  # {"value": ..., "points": ...}: what would raise it


@dataclass
class ScoreResult:
    version: str
    scheme_clause: str
    stage: str  # growth | formal
    score: float
    shown: float  # what buyers see, e.g. 4.6
    stars: float  # 3.0 .. 5.0 in half stars
    paid_orders: int
    dimensions: dict[str, dict]
    indicators: list[IndicatorResult]
    deductions: list[dict] = field(default_factory=list)
    bonuses: list[dict] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)
    # Why the score is what it is when a small-sample rule applies (None otherwise):
    # growth = {"orders", "min_orders", "score", "penalised_score", "penalised", "clause"};
    # small_shop = {"codes", "points", "max_count", "max_orders", "clause"}.
    growth: dict | None = None
    small_shop: dict | None = None

    def indicator(self, code: str) -> IndicatorResult | None:
        return next((i for i in self.indicators if i.code == code), None)

    def as_dict(self) -> dict:
        return asdict(self)


def version_dates(book: Rulebook) -> list[date]:
    """The rule versions of the score: the effective dates of its scheme clauses."""
    return sorted({c.effective for c in book.clauses if c.kind == "experience_scheme"})


def version_day(book: Rulebook, version: str | None, today: date) -> date:
    if version is None:
        found = [d for d in version_dates(book) if d <= today]
        if not found:
            raise InvalidInput(f"no experience-score rule is in force on {today}")
        return found[-1]
    try:
        day = date.fromisoformat(version)
    except ValueError:
        raise InvalidInput(f"a score version is a date like 2026-09-08, not {version!r}") from None
    if day not in version_dates(book):
        raise InvalidInput(
            f"no experience-score version {version}; versions: "
            f"{', '.join(d.isoformat() for d in version_dates(book))}"
        )
    return day


def indicators_in_force(book: Rulebook, day: date) -> list[Clause]:
    return sorted(
        (c for c in book.in_force("experience_indicator", day) if not c.get("retired")),
        key=lambda c: (DIMENSIONS.index(c.get("dimension")), c.id),
    )


def value_of(code_metric: str, m: dict) -> float | None:
    """The indicator's value from a shop's measures; None when its denominator is zero."""

    def ratio(num: str, den: str, scale: float = 10_000) -> float | None:
        return None if not m.get(den) else m.get(num, 0) * scale / m[den]

    return {
        "rating": lambda: ratio("rating_sum", "rated", 1),
        "quality_return_rate": lambda: ratio("quality_returns", "delivered"),
        "pickup_score": lambda: ratio("pickup_points", "picked", 1),
        "pickup_hours": lambda: ratio("pickup_seconds", "picked", 1 / 3600),
        "delivery_on_time_rate": lambda: ratio("on_time", "due_waybills"),
        "logistics_return_rate": lambda: ratio("logistics_returns", "paid_orders"),
        "damage_return_rate": lambda: ratio("damage_returns", "paid_orders"),
        "review_hours": lambda: ratio("review_seconds", "reviewed_cases", 1 / 3600),
        "chat_response_seconds": lambda: ratio("chat_response_ms", "chat_rounds", 1 / 1000),
        "chat_dissatisfaction_rate": lambda: ratio("dissatisfied_conversations", "rated_conversations"),
        "platform_help_rate": lambda: ratio("escalated_orders", "helped_orders"),
        "next_day_rate": lambda: ratio("next_day", "delivered"),
    }[code_metric]()


def band_points(clause: Clause, value: float, better: str) -> tuple[float, dict | None]:
    """Points of the first band the value reaches, and the next better band (what raises it)."""
    bands = clause.get("bands")
    reached = [
        i for i, (limit, _p) in enumerate(bands) if (value <= limit if better == "lower" else value >= limit)
    ]
    if not reached:
        limit, points = bands[-1]
        return clause.get("otherwise"), {"value": limit, "points": points}
    first = reached[0]
    better_band = None if first == 0 else {"value": bands[first - 1][0], "points": bands[first - 1][1]}
    return bands[first][1], better_band


def _weights(book: Rulebook, day: date, kind: str, profile: Profile, **match) -> Clause:
    flag = "yes" if profile.flagship else "no"
    found = [c for c in book.in_force(kind, day) if all(c.get(k) == v for k, v in match.items())]
    for industry, store in ((profile.industry, flag), (profile.industry, "any"), ("*", flag), ("*", "any")):
        hit = [c for c in found if c.get("industry") == industry and c.get("flagship") == store]
        if hit:
            return hit[0]
    raise InvalidInput(f"no {kind} clause {match or ''} in force on {day}")


def small_shop_order_limit(clause: Clause, profile: Profile) -> int:
    """300 for the industries the table lists (under their current names) and for flagship
    stores, 500 for the others."""
    industry = clause.get("renamed", {}).get(profile.industry, profile.industry)
    listed = profile.flagship or industry in clause.get("industries_listed")
    return clause.get("max_orders_listed") if listed else clause.get("max_orders")


def _small_shop(book: Rulebook, day: date, profile: Profile, m: dict) -> tuple[Clause | None, set[str]]:
    """The indicators that score the small-shop fixed points: the order limit and a count at
    most max_count, or (飞鸽会话不满意率) the count alone."""
    clause = next(iter(book.in_force("experience_small_shop", day)), None)
    if clause is None:
        return None, set()
    few = clause.get("max_count")
    fixed = {code for code, count in clause.get("count_only", {}).items() if m.get(count, 0) <= few}
    if m.get("paid_orders", 0) < small_shop_order_limit(clause, profile):
        fixed |= {
            code for code, count in clause.get("with_order_limit", {}).items() if m.get(count, 0) <= few
        }
    return clause, fixed


def _score_indicators(book: Rulebook, day: date, profile: Profile, m: dict) -> list[IndicatorResult]:
    small, small_codes = _small_shop(book, day, profile, m)
    bands = {c.get("indicator"): c for c in book.in_force("experience_bands", day)}
    out = []
    for clause in indicators_in_force(book, day):
        code, better = clause.get("code"), clause.get("better")
        value = value_of(clause.get("metric"), m)
        result = IndicatorResult(
            code,
            clause.get("dimension"),
            clause.id,
            clause.source,
            clause.get("unit"),
            better,
            None if value is None else round(value, 4),
            None,
        )
        if small is not None and code in small_codes:
            result.points, result.fixed, result.bands_clause = small.get("points"), True, small.id
        elif value is None:
            pass
        elif clause.get("scored_directly"):
            result.points = round(value, 2)
            top = book.one("experience_pickup_points", day)
            result.bands_clause = top.id
            if value < 100:
                result.next_band = {"value": top.get("bands")[0][0], "points": top.get("bands")[0][1]}
        else:
            band = bands.get(code)
            if band is None:
                raise InvalidInput(f"indicator {code} has no experience_bands clause in force on {day}")
            result.points, result.next_band = band_points(band, value, better)
            result.bands_clause = band.id
        out.append(result)
    return out


def _dimensions(
    book: Rulebook, day: date, profile: Profile, results: list[IndicatorResult]
) -> tuple[dict, list[str]]:
    dim_clause = _weights(book, day, "experience_dimension_weights", profile)
    no_data = book.one("experience_no_data", day)
    cited = [dim_clause.id]
    dims = {}
    for dim in DIMENSIONS:
        members = [r for r in results if r.dimension == dim]
        if not members:
            continue
        weights_clause = _weights(book, day, "experience_indicator_weights", profile, dimension=dim)
        cited.append(weights_clause.id)
        weights = weights_clause.get("weights")
        scored = [r for r in members if r.points is not None]
        total_w = sum(weights.get(r.code, 0) for r in scored)
        points = float(no_data.get("points"))
        if scored and total_w:
            points = sum(weights.get(r.code, 0) * r.points for r in scored) / total_w
        dim_w = dim_clause.get(dim)
        for r in scored:
            r.weight = round(100 * weights.get(r.code, 0) / total_w, 2) if total_w else 0.0
            r.contribution = round(dim_w / 100 * r.weight / 100 * r.points, 4)
        dims[dim] = {
            "points": round(points, 2),
            "weight": dim_w,
            "weights_clause": weights_clause.id,
            "no_data": not scored,
        }
    return dims, cited


def deductions(book: Rulebook, day: date, incident_kinds: list[str]) -> list[dict]:
    """Per clause: points per incident, capped (近30天累计不超过 cap)."""
    out = []
    for clause in sorted(book.in_force("experience_deduction", day), key=lambda c: c.id):
        n = sum(1 for k in incident_kinds if k in clause.get("incidents"))
        if n:
            out.append(
                {
                    "clause": clause.id,
                    "source": clause.source,
                    "incidents": n,
                    "points": min(n * clause.get("points"), clause.get("cap")),
                    "cap": clause.get("cap"),
                }
            )
    return out


def insurance_keys(kind: str) -> tuple[str, str]:
    """The measures a shipping-insurance bonus reads: days it was on, insured paid orders."""
    return f"{kind}_insurance_days", f"{kind}_insured_orders"


def _bonus_value(clause: Clause, m: dict) -> float | None:
    """The value a bonus is judged on, or None when the shop does not earn it."""
    if clause.get("insurance"):
        days, insured = insurance_keys(clause.get("insurance"))
        earned = m.get(days, 0) >= clause.get("enabled_days") and m.get(insured, 0) >= clause.get(
            "min_orders"
        )
        return float(m.get(insured, 0)) if earned else None
    value = value_of(clause.get("metric"), m)
    return value if value is not None and value >= clause.get("min_bp") else None


def bonuses(book: Rulebook, day: date, m: dict) -> list[dict]:
    """Each bonus scenario at most once in the window (同一场景在近30天内仅可获得1次加分)."""
    out = []
    for clause in sorted(book.in_force("experience_bonus", day), key=lambda c: c.id):
        value = _bonus_value(clause, m)
        if value is not None:
            out.append(
                {
                    "clause": clause.id,
                    "source": clause.source,
                    "code": clause.get("code"),
                    "value": round(value, 2),
                    "points": clause.get("points"),
                }
            )
    return out


def shown_score(book: Rulebook, day: date, score: float) -> tuple[float, float]:
    """(score shown to buyers, stars): the row of the experience.stars table holding the whole
    score (the score is floored to whole points first)."""
    whole = math.floor(score + 1e-9)
    for row in book.one("experience_stars", day).get("table"):
        low, high = row["scores"]
        if low <= whole <= high:
            return row["shown"], row["stars"]
    raise InvalidInput(f"score {score} is outside the star table in force on {day}")


def evaluate(
    book: Rulebook,
    day: date,
    measures: dict,
    *,
    profile: Profile = Profile(),
    incident_kinds: Sequence[str] = (),
) -> ScoreResult:
    scheme = book.one("experience_scheme", day)
    results = _score_indicators(book, day, profile, measures)
    dims, cited = _dimensions(book, day, profile, results)
    cuts, adds = deductions(book, day, list(incident_kinds)), bonuses(book, day, measures)
    paid = measures.get("paid_orders", 0)
    growth = None
    if paid < scheme.get("formal_min_orders"):
        failed_at = book.one("experience_failed_indicator", day).get("max_points")
        failing = any(r.points is not None and not r.fixed and r.points <= failed_at for r in results)
        stage, penalised = "growth", bool(cuts or failing)
        score = float(scheme.get("growth_penalised_score") if penalised else scheme.get("growth_score"))
        growth = _growth_note(scheme, paid, penalised)
    else:
        stage = "formal"
        raw = sum(dims[d]["weight"] / 100 * dims[d]["points"] for d in dims)
        raw += sum(b["points"] for b in adds) - sum(c["points"] for c in cuts)
        score = min(max(raw, scheme.get("min_score")), scheme.get("max_score"))
    shown, stars = shown_score(book, day, score)
    cited = [
        scheme.id,
        *cited,
        *(r.clause_id for r in results),
        *(r.bands_clause for r in results if r.bands_clause),
        *(c["clause"] for c in cuts),
        *(b["clause"] for b in adds),
        book.one("experience_stars", day).id,
    ]
    return ScoreResult(
        scheme.get("version"),
        scheme.id,
        stage,
        round(score, 2),
        shown,
        stars,
        paid,
        dims,
        results,
        cuts,
        adds,
        list(dict.fromkeys(cited)),
        growth,
        _small_shop_note(book, day, profile, results),
    )


def _growth_note(scheme: Clause, paid: int, penalised: bool) -> dict:
    """The growth-stage rule in numbers (成长阶段: fewer than formal_min_orders orders)."""
    return {
        "orders": paid,
        "min_orders": scheme.get("formal_min_orders"),
        "score": scheme.get("growth_score"),
        "penalised_score": scheme.get("growth_penalised_score"),
        "penalised": penalised,
        "clause": scheme.id,
    }


def _small_shop_note(
    book: Rulebook, day: date, profile: Profile, results: list[IndicatorResult]
) -> dict | None:
    """The small-shop rule in numbers when it fixed an indicator's points (小店固定分)."""
    codes = [r.code for r in results if r.fixed]
    clause = next(iter(book.in_force("experience_small_shop", day)), None)
    if not codes or clause is None:
        return None
    return {
        "codes": codes,
        "points": clause.get("points"),
        "max_count": clause.get("max_count"),
        "max_orders": small_shop_order_limit(clause, profile),
        "clause": clause.id,
    }


def diff(old: ScoreResult, new: ScoreResult) -> list[dict]:
    """Per indicator: its contribution to the score under each version and the change, worst first."""
    codes = list(dict.fromkeys([i.code for i in old.indicators] + [i.code for i in new.indicators]))
    rows = []
    for code in codes:
        a, b = old.indicator(code), new.indicator(code)
        shown = b or a
        if shown is None:  # every code comes from one of the two results
            continue
        before = a.contribution if a else 0.0
        after = b.contribution if b else 0.0
        rows.append(
            {
                "code": code,
                "dimension": shown.dimension,
                "before": round(before, 2),
                "after": round(after, 2),
                "change": round(after - before, 2),
                "in_old": a is not None,
                "in_new": b is not None,
                "value_before": a.value if a else None,
                "value_after": b.value if b else None,
                "clause_before": a.clause_id if a else None,
                "clause_after": b.clause_id if b else None,
            }
        )
    return sorted(rows, key=lambda r: r["change"])


def reconcile(old: ScoreResult, new: ScoreResult, rows: list[dict]) -> list[dict]:
    """What besides the indicator rows of `diff` moved the score from `old` to `new`: bonuses,
    deductions, and the rest (the growth stage's fixed score, the score's floor and ceiling, or
    rounding), so that the rows and these lines add up to the change shown, to the hundredth."""
    lines = []
    if "growth" not in (old.stage, new.stage):  # in the growth stage they do not add up
        bonus = sum(b["points"] for b in new.bonuses) - sum(b["points"] for b in old.bonuses)
        cut = sum(c["points"] for c in old.deductions) - sum(c["points"] for c in new.deductions)
        lines += [
            {"code": code, "change": round(v, 2)}
            for code, v in (("bonuses", bonus), ("deductions", cut))
            if v
        ]
    rest = round(new.score - old.score - sum(r["change"] for r in rows) - sum(x["change"] for x in lines), 2)
    if rest:
        if "growth" in (old.stage, new.stage):
            cause = "growth"
        else:
            cause = "rounding" if abs(rest) <= 0.01 * (len(rows) + 1) else "limits"
        lines.append({"code": cause, "change": rest})
    return lines


def competition_ranks(scores: list[float]) -> list[int]:
    """Ranks of scores sorted best first, equal scores sharing one (1, 2, 2, 4)."""
    ranks: list[int] = []
    for i, score in enumerate(scores):
        ranks.append(ranks[-1] if i and score == scores[i - 1] else i + 1)
    return ranks


def weakest_indicators(detail: dict, limit: int = 2) -> list[dict]:
    """From a daily snapshot's detail: the scored indicators with the fewest points, worst
    first; the ones that hold the score down and tell tied shops apart."""
    scored = [
        {"code": code, "points": points}
        for code, (_value, points) in detail.get("indicators", {}).items()
        if points is not None
    ]
    return sorted(scored, key=lambda i: (i["points"], i["code"]))[:limit]
