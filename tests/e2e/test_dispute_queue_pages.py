"""The operator's dispute queue shows what a reviewer weighs, in both languages: the evidence
photos as thumbnails linking to the (access-checked) photos, the buyer's note, the merchant's
reason and the buyer's reason for escalating; a reviewer, who may read but not decide, is told
why in words; no internal keys are shown."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.e2e.conftest import email_of, page_login
from tests.e2e.test_aftersales_api import damage_claim, post

# The fixtures of the after-sales tests (a florist, a buyer, an operator; private photo storage).
from tests.e2e.test_aftersales_api import private_files as private_files
from tests.e2e.test_aftersales_api import t as t
from tests.e2e.test_experience_pages import english_words


def escalated_case(t) -> tuple[dict, int]:
    _order_id, case, upload_id = damage_claim(t)
    assert (
        post(
            t, case["id"], "review", "owner", {"approve": False, "note": "花头完好，是买家醒花不当"}
        ).status_code
        == 200
    )
    assert post(t, case["id"], "escalate", "buyer", {"note": "照片里花头折断了"}).status_code == 200
    return case, upload_id


def test_the_dispute_queue_shows_evidence_reasons_and_notes(app, world, t):
    case, upload_id = escalated_case(t)
    operator = TestClient(t["c"].app)
    page_login(operator, email_of(app, t["operator"].user_id), "/operator/disputes")
    zh = operator.get("/operator/disputes", params={"lang": "zh_CN"}).text
    card = zh[zh.index(f'data-testid="dispute-{case["id"]}"') :]
    assert f'<a href="/api/v1/uploads/{upload_id}"' in card and 'data-testid="evidence-thumb"' in card
    assert re.search(r'data-testid="buyer-note">快递压坏了<', card)
    assert re.search(r'data-testid="merchant-reason">花头完好，是买家醒花不当<', card)
    assert re.search(r'data-testid="escalation-note">照片里花头折断了<', card)
    assert "商家拒绝理由" in card and 'data-testid="cannot-decide"' not in card
    assert operator.get(f"/api/v1/uploads/{upload_id}").status_code == 200  # the link opens the photo
    assert not english_words(zh), english_words(zh)
    en = operator.get("/operator/disputes", params={"lang": "en"}).text
    assert "The merchant&#39;s reason" in en and "The buyer&#39;s note" in en


def test_a_reviewer_reads_the_queue_and_is_told_why_it_cannot_decide(app, world, t):
    case, upload_id = escalated_case(t)
    reviewer = world.user("审核员", platform_role="reviewer")
    pages = TestClient(t["c"].app)
    page_login(pages, email_of(app, reviewer.user_id), "/operator/disputes")
    zh = pages.get("/operator/disputes", params={"lang": "zh_CN"}).text
    assert 'data-testid="decision-form"' not in zh
    why = re.search(r'data-testid="cannot-decide">([^<]+)<', zh)
    assert why and "你的平台角色是审核员" in why.group(1) and "只有运营人员可以裁决" in why.group(1)
    assert f"/api/v1/uploads/{upload_id}" in zh
    en = pages.get("/operator/disputes", params={"lang": "en"}).text
    assert "Your platform role is reviewer" in en and "platform_role." not in en
