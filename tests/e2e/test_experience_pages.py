"""The experience-score pages say why a score is what it is, in both languages: the growth-stage
note from the policy's own numbers (成长阶段: fewer than 30 valid paid orders, fixed 70 points,
douyin:103956 2.2), a chart with gridlines and values, a version comparison whose rows add up to
the total shown, and an operator ranking where equal scores share a rank and say why."""

from __future__ import annotations

import re
from decimal import Decimal

from fastapi.testclient import TestClient

from pledge.experience import policy
from pledge.experience import services as experience
from pledge.web.present import yuan
from tests.e2e.conftest import api_token, bearer, email_of, page_login
from tests.e2e.test_settlement_words import ENGLISH_WORD, visible_text
from tests.integration.test_experience import History

# Clause ids and sources (experience.scheme, douyin:103956): references shown on purpose.
CLAUSE_ID = re.compile(r"\b[a-z_]+(?:\.[a-z0-9_-]+)+\b|\b(?:douyin|pledge):[A-Za-z0-9_-]+")


def english_words(html: str) -> set[str]:
    return set(ENGLISH_WORD.findall(CLAUSE_ID.sub(" ", visible_text(html))))


def snapshot_today(app) -> None:
    with app.uow.begin() as c:
        experience.snapshot_day(
            c, app.rulebook, experience.local_today(app.rulebook, app.clock.now()), at=app.clock.now()
        )


def test_103956_growth_stage_note_explains_the_fixed_score_in_both_languages(app, world, client):
    h = History(world)
    h.order("2026-08-15T10:00", picked="2026-08-15T12:00", delivered="2026-08-16T12:00", stars=5)
    snapshot_today(app)
    pages = TestClient(client.app)
    page_login(pages, email_of(app, h.owner.user_id), f"/merchant/shops/{h.shop_id}/experience")
    zh = pages.get(f"/merchant/shops/{h.shop_id}/experience", params={"lang": "zh_CN"}).text
    note = re.search(r'data-testid="growth-note">([^<]*)', zh)
    assert note and "成长阶段：近30天有效支付订单1单，少于正式阶段所需的30单，体验分固定为70分" in note.group(
        1
    )
    assert "将降至60分" in note.group(1)
    assert not english_words(zh), english_words(zh)
    assert "指标得分" in zh and "计入总分" in zh and "维度（权重 · 得分）" in zh
    en = pages.get(f"/merchant/shops/{h.shop_id}/experience", params={"lang": "en"}).text
    assert "Growth stage: 1 valid paid orders in the last 30 days, fewer than the 30" in en


def test_the_chart_has_gridlines_every_ten_points_and_values(app, world, client):
    from pledge.web.pages.experience import trend_svg

    chart = str(
        trend_svg(
            [{"day": f"2026-09-{d:02d}", "score": s} for d, s in ((1, 72.5), (2, 88.25), (3, 80.0))], "近30天"
        )
    )
    assert chart.count('class="gridline"') == 6  # 50, 60, ..., 100
    assert re.findall(r'data-testid="trend-value">([\d.]+)<', chart) == ["72.50", "88.25", "80.00"]
    assert 'aria-label="近30天"' in chart


def test_the_version_comparison_rows_add_up_to_the_total_shown(app, world, client):
    h = History(world)
    for i in range(32):
        h.order(
            "2026-08-15T10:00",
            picked="2026-08-16T20:00" if i % 3 else "2026-08-15T12:00",
            delivered="2026-08-18T12:00",
            stars=5 if i % 4 else 2,
        )
    pages = TestClient(client.app)
    page_login(pages, email_of(app, h.owner.user_id), f"/merchant/shops/{h.shop_id}/experience")
    for lang in ("zh_CN", "en"):
        html = pages.get(f"/merchant/shops/{h.shop_id}/experience", params={"lang": lang}).text
        section = html[html.index('data-testid="compare"') :]
        changes = [Decimal(v) for v in re.findall(r'data-testid="diff-change">([+-][\d.]+)<', section)]
        total = Decimal(re.search(r'data-testid="compare-sum">([+-][\d.]+)<', section).group(1))
        shown = Decimal(re.search(r'data-testid="compare-total">([+-][\d.]+)<', section).group(1))
        assert changes and sum(changes) == total == shown, (changes, total)
    assert "合计变化" in pages.get(f"/merchant/shops/{h.shop_id}/experience", params={"lang": "zh_CN"}).text


def test_equal_scores_share_a_rank_and_the_ranking_says_why(app, world, client):
    assert policy.competition_ranks([90, 80, 80, 70]) == [1, 2, 2, 4]
    assert policy.competition_ranks([]) == []
    shops = [world.shop(f"并列{i}")[0] for i in range(2)]
    penalised = History(world)
    formal = History(world)
    for _ in range(30):
        formal.order("2026-08-15T10:00", picked="2026-08-15T12:00", delivered="2026-08-16T12:00", stars=5)
    operator = world.user("平台运营", platform_role="operator")
    op = bearer(api_token(client, email_of(app, operator.user_id)))
    made = client.post(
        f"/api/v1/shops/{penalised.shop_id}/experience/incidents",
        headers=op,
        json={"kind": "refused_invoice", "occurred_at": "2026-08-30T10:00:00+08:00"},
    )
    assert made.status_code == 201, made.text
    snapshot_today(app)
    pages = TestClient(client.app)
    page_login(pages, email_of(app, operator.user_id), "/operator/experience")
    html = pages.get("/operator/experience", params={"lang": "zh_CN"}).text
    rank = {
        int(shop): int(r)
        for shop, r in re.findall(r'data-testid="rank-(\d+)"><td data-testid="rank">(\d+)', html)
    }
    assert rank[shops[0]] == rank[shops[1]] and rank[penalised.shop_id] > rank[shops[0]] + 1
    assert "并列" in html and "拉低分数的指标" in html and "成长阶段: 固定分" in html
    assert not english_words(html), english_words(html)
    assert "Held down by" in pages.get("/operator/experience", params={"lang": "en"}).text


def test_money_is_written_with_its_sign_before_the_yuan_sign():
    assert yuan(-2397) == "-¥23.97" and yuan(1990) == "¥19.90" and yuan(0) == "¥0.00" and yuan(None) == ""
