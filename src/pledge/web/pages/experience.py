"""Experience-score pages (商家体验分): the merchant's score with its breakdown, a 30-day trend
chart (inline SVG drawn here, no JavaScript), the version comparison, one indicator with the
orders behind it (worst first) and what would raise it; the operator's ranking."""

from __future__ import annotations

import math

from fastapi import Request
from markupsafe import Markup, escape

from pledge.experience import policy
from pledge.experience import queries as experience_queries
from pledge.experience import services as experience
from pledge.kernel.errors import Forbidden
from pledge.web.deps import PageCaller, pledge
from pledge.web.i18n import translator
from pledge.web.pages.routing import PageRouter
from pledge.web.render import language, redirect, render
from pledge.web.types import PathId

router = PageRouter()
# The chart's canvas (SVG user units): about as wide as a phone's card, so its 12-unit text
# reads at 390 px and it scales up on a desktop.
W, H, LEFT, RIGHT, TOP, BOTTOM = 400, 220, 34, 14, 20, 30
GRID_STEP = 10  # points between gridlines


def _value_labels(points: list[dict]) -> set[int]:
    """The points whose value is written on the chart: first, last, lowest and highest."""
    scores = [p["score"] for p in points]
    return {0, len(points) - 1, scores.index(min(scores)), scores.index(max(scores))}


def trend_svg(points: list[dict], label: str, hi: float = 100) -> Markup:
    """Daily scores as a line over gridlines every 10 points (labelled on the left), the value
    written at the first, last, lowest and highest day and on every dot's tooltip."""
    if not points:
        return Markup("")
    n = len(points)
    lo = min(50.0, GRID_STEP * math.floor(min(p["score"] for p in points) / GRID_STEP))

    def xy(i: int, score: float) -> tuple[float, float]:
        x = LEFT + (W - LEFT - RIGHT) * (i / (n - 1) if n > 1 else 0.5)
        y = H - BOTTOM - (H - TOP - BOTTOM) * (min(max(score, lo), hi) - lo) / (hi - lo)
        return round(x, 1), round(y, 1)

    coords = [xy(i, p["score"]) for i, p in enumerate(points)]
    grid = "".join(
        f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{xy(0, v)[1]}" y2="{xy(0, v)[1]}" class="gridline" '
        f'stroke="#ccc" stroke-width="1"/>'
        f'<text x="{LEFT - 4}" y="{xy(0, v)[1] + 4}" text-anchor="end">{v:g}</text>'
        for v in range(int(lo), int(hi) + 1, GRID_STEP)
    )
    dots = "".join(
        f'<circle cx="{x}" cy="{y}" r="3"><title>{escape(p["day"])}: {p["score"]:.2f}</title></circle>'
        for (x, y), p in zip(coords, points, strict=True)
    )
    values = "".join(
        f'<text x="{coords[i][0]}" y="{coords[i][1] - 7}" text-anchor="middle" class="value" '
        f'data-testid="trend-value">{points[i]["score"]:.2f}</text>'
        for i in sorted(_value_labels(points))
    )
    days = (
        f'<text x="{LEFT}" y="{H - 8}">{escape(points[0]["day"])}</text>'
        f'<text x="{W - RIGHT}" y="{H - 8}" text-anchor="end">{escape(points[-1]["day"])}</text>'
    )
    line = " ".join(f"{x},{y}" for x, y in coords)
    return Markup(
        f'<svg class="trend" data-testid="score-trend" viewBox="0 0 {W} {H}" width="100%" '
        f'font-size="12" role="img" aria-label="{escape(label)}">{grid}'
        f'<polyline points="{line}" fill="none" stroke="currentColor" stroke-width="2"/>'
        f"{dots}{values}{days}</svg>"
    )


@router.get("/merchant/experience")
def my_score(request: Request, caller: PageCaller):
    if not caller.actor.shops:
        raise Forbidden("the experience score is for shop members")
    return redirect(f"/merchant/shops/{min(caller.actor.shops)}/experience")


@router.get("/merchant/shops/{shop_id}/experience")
def score_page(shop_id: PathId, request: Request, caller: PageCaller, version: str | None = None):
    app = pledge(request)
    now = app.clock.now()
    with app.uow.read() as conn:
        result = experience.shop_score(
            conn, caller.actor, shop_id, book=app.rulebook, now=now, version=version
        )
        trend = experience.history(conn, caller.actor, shop_id, book=app.rulebook, now=now)
        versions = [d.isoformat() for d in policy.version_dates(app.rulebook)]
        other = next((v for v in versions if v != result.version), None)
        compare = (
            None
            if other is None
            else experience_queries.compare_versions(
                conn,
                caller.actor,
                shop_id,
                book=app.rulebook,
                now=now,
                base=result.version,
                target=other,
                limit=5,
            )
        )
    return render(
        request,
        "experience_score.html",
        shop_id=shop_id,
        r=result,
        trend=trend,
        chart=trend_svg(trend, translator(language(request))("Last 30 days")),
        versions=versions,
        other=other,
        compare=compare,
    )


@router.get("/merchant/shops/{shop_id}/experience/{code}")
def indicator_page(
    shop_id: PathId, code: str, request: Request, caller: PageCaller, version: str | None = None
):
    app = pledge(request)
    with app.uow.read() as conn:
        detail = experience_queries.indicator_orders(
            conn,
            caller.actor,
            shop_id,
            code,
            book=app.rulebook,
            now=app.clock.now(),
            version=version,
            limit=200,
        )
    return render(request, "experience_indicator.html", shop_id=shop_id, d=detail, version=version)


@router.get("/operator/experience")
def ranking_page(request: Request, caller: PageCaller):
    app = pledge(request)
    with app.uow.read() as conn:
        rows = experience.ranking(conn, caller.actor, book=app.rulebook, now=app.clock.now())
    return render(request, "experience_ranking.html", rows=rows)
