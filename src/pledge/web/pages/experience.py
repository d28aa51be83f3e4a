"""Experience-score pages (商家体验分): the merchant's score with its breakdown, a 30-day trend
chart (inline SVG drawn here, no JavaScript), the version comparison, one indicator with the
orders behind it (worst first) and what would raise it; the operator's ranking."""

from __future__ import annotations

from fastapi import APIRouter, Request
from markupsafe import Markup, escape

from pledge.experience import policy
from pledge.experience import queries as experience_queries
from pledge.experience import services as experience
from pledge.kernel.errors import Forbidden
from pledge.web.deps import PageCaller, pledge
from pledge.web.render import redirect, render
from pledge.web.types import PathId

router = APIRouter()
W, H, PAD = 600, 180, 30


def trend_svg(points: list[dict], lo: float = 0, hi: float = 100) -> Markup:
    """A line of daily scores, [lo, hi] on the y axis, one point per snapshot."""
    if not points:
        return Markup("")
    n = len(points)

    def xy(i: int, score: float) -> tuple[float, float]:
        x = PAD + (W - 2 * PAD) * (i / (n - 1) if n > 1 else 0.5)
        y = H - PAD - (H - 2 * PAD) * (min(max(score, lo), hi) - lo) / (hi - lo)
        return round(x, 1), round(y, 1)

    coords = [xy(i, p["score"]) for i, p in enumerate(points)]
    line = " ".join(f"{x},{y}" for x, y in coords)
    dots = "".join(
        f'<circle cx="{x}" cy="{y}" r="3"><title>{escape(p["day"])}: {p["score"]:g}</title></circle>'
        for (x, y), p in zip(coords, points, strict=True)
    )
    grid = "".join(
        f'<line x1="{PAD}" x2="{W - PAD}" y1="{xy(0, v)[1]}" y2="{xy(0, v)[1]}" class="grid"/>'
        f'<text x="2" y="{xy(0, v)[1] + 4}">{v:g}</text>'
        for v in (lo, (lo + hi) / 2, hi)
    )
    labels = (
        f'<text x="{PAD}" y="{H - 8}">{escape(points[0]["day"])}</text>'
        f'<text x="{W - PAD}" y="{H - 8}" text-anchor="end">{escape(points[-1]["day"])}</text>'
    )
    return Markup(
        f'<svg class="trend" data-testid="score-trend" viewBox="0 0 {W} {H}" width="100%" role="img" '
        f'aria-label="30-day score trend">{grid}<polyline points="{line}" fill="none" stroke="currentColor" '
        f'stroke-width="2"/>{dots}{labels}</svg>'
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
        chart=trend_svg(trend),
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
