"""Issue 10, item 5: the score's clauses say what the official texts say. Each test is named after
the rule (douyin:ID) and the clause it protects, and quotes the official wording it encodes.
Texts: shared/reference/platform-rules/douyin/rule-text/rule-103956.txt,
rules-with-text/aJmVWbCJyD8M.txt, rules-with-text/aJoPPkXuLRqc.txt."""

from __future__ import annotations

from datetime import date

import pytest

from pledge.experience import indicators, policy
from pledge.rulebooks.loader import load

CURRENT, ANNOUNCED = date(2026, 7, 14), date(2026, 9, 8)

# The first column of the small-shop table, as printed in all three texts (103956 and
# aJoPPkXuLRqc misprint "遥控电遥控电动类玩具"; aJmVWbCJyD8M and the weight table say 遥控电动类玩具).
LISTED_22 = [
    "高端3C数码",
    "二手奢侈品",
    "二手数码百货",
    "光学眼镜",
    "农用物资",
    "大件玩具",
    "大件电器",
    "定制珠宝文玩",
    "宠物活体",
    "家具家装",
    "家电",
    "手工艺/非遗技艺",
    "教育培训",
    "旅行箱",
    "潮品鞋服",
    "翡翠玉石",
    "花卉/绿植盆栽",
    "菩提/核桃",
    "遥控电动类玩具",
    "钟表",
    "黄金珠宝",
    "大件婴童用品",
]


@pytest.fixture(scope="module")
def book():
    return load("douyin")


def measures(**over) -> dict:
    """A small shop (400 valid orders) with few bad events everywhere."""
    m = {
        "paid_orders": 400,
        "delivered": 380,
        "rated": 200,
        "rating_sum": 200 * 4.0,
        "bad_reviews": 2,
        "quality_returns": 1,
        "picked": 400,
        "pickup_seconds": 400 * 10 * 3600,
        "pickup_points": 400 * 100,
        "due_waybills": 380,
        "on_time": 380,
        "logistics_returns": 1,
        "damage_returns": 0,
        "escalated_orders": 1,
        "helped_orders": 40,
        "next_day": 0,
        "reviewed_cases": 10,
        "review_seconds": 10 * 3600,
        "chat_rounds": 50,
        "chat_response_ms": 50 * 20_000,
        "rated_conversations": 3,
        "dissatisfied_conversations": 2,
    }
    m.update(over)
    return m


# --- douyin:103956 / aJmVWbCJyD8M / aJoPPkXuLRqc: experience.small-shop ------------------------


@pytest.mark.parametrize("day", [CURRENT, ANNOUNCED])
def test_103956_aJmVWbCJyD8M_small_shop_lists_the_22_industries_of_the_300_order_limit(book, day):
    clause = book.one("experience_small_shop", day)
    assert clause.get("industries_listed") == LISTED_22 and len(set(LISTED_22)) == 22
    assert (clause.get("max_orders_listed"), clause.get("max_orders"), clause.get("max_count")) == (
        300,
        500,
        3,
    )


@pytest.mark.parametrize(
    "industry", ["宠物活体", "旅行箱", "潮品鞋服", "大件婴童用品", "家电", "花卉/绿植盆栽"]
)
def test_103956_small_shop_listed_industry_at_400_orders_is_not_small(book, industry):
    """ "近30天有效支付订单数＜300" for the listed industries: 400 orders score their bands."""
    listed = policy.evaluate(book, CURRENT, measures(), profile=policy.Profile(industry))
    assert not listed.indicator("product_rating").fixed and listed.indicator("product_rating").points == 60
    other = policy.evaluate(book, CURRENT, measures(), profile=policy.Profile("居家日百"))
    assert other.indicator("product_rating").fixed and other.indicator("product_rating").points == 80


def test_aJoPPkXuLRqc_small_shop_renamed_industry_keeps_the_300_order_limit(book):
    """ "将“二手数码百货”体验分行业更名为“奢侈品”": from 2026-09-08 the new name is in the list."""
    renamed = policy.evaluate(book, ANNOUNCED, measures(), profile=policy.Profile("奢侈品"))
    assert not renamed.indicator("product_rating").fixed
    assert (
        policy.evaluate(book, CURRENT, measures(), profile=policy.Profile("奢侈品"))
        .indicator("product_rating")
        .fixed
    )


# --- douyin:aJmVWbCJyD8M: experience.small-shop, 飞鸽会话不满意率 -----------------------------------


def test_aJmVWbCJyD8M_small_shop_chat_dissatisfaction_needs_only_3_rated_chats(book):
    """The 飞鸽会话不满意率 cell is "近30天有人工客服评价会话数 ≤3", for every row: no order limit."""
    big = measures(paid_orders=5_000, rated_conversations=3, dissatisfied_conversations=3)
    r = policy.evaluate(book, CURRENT, big)
    assert (
        r.indicator("chat_dissatisfaction_rate").fixed
        and r.indicator("chat_dissatisfaction_rate").points == 80
    )
    assert not r.indicator("product_rating").fixed  # the other indicators keep their order limit
    flagship = policy.evaluate(book, CURRENT, big, profile=policy.Profile("家电", True))
    assert flagship.indicator("chat_dissatisfaction_rate").fixed
    four = policy.evaluate(
        book, CURRENT, measures(paid_orders=10, rated_conversations=4, dissatisfied_conversations=3)
    )
    assert not four.indicator("chat_dissatisfaction_rate").fixed  # 4 rated chats: banded (75% -> 50)
    assert four.indicator("chat_dissatisfaction_rate").points == 50


def test_aJmVWbCJyD8M_small_shop_platform_help_keeps_the_order_limit(book):
    """ "近30天有效支付订单数＜500，且近30天消费者升级求助平台订单数≤3"."""
    assert policy.evaluate(book, CURRENT, measures()).indicator("platform_help_rate").fixed
    assert not policy.evaluate(book, CURRENT, measures(paid_orders=500)).indicator("platform_help_rate").fixed


# --- douyin:103956: experience.stars ----------------------------------------------------------


def test_103956_stars_table_is_the_printed_table(book):
    """商家体验分对应规则: every whole score 50-100 has exactly one row; shown +0.1 per 4 points above
    60 and per point to 60; the merged star cells: 5星 from 89, 4.5星 from 77, 4星 from 60,
    3.5星 from 55, 3星 below."""

    def star_cell(score: int) -> float:
        return (
            5.0
            if score >= 89
            else 4.5
            if score >= 77
            else 4.0
            if score >= 60
            else 3.5
            if score >= 55
            else 3.0
        )

    for score in range(50, 101):
        shown = 4.0 + ((score - 61) // 4 + 1) / 10 if score > 60 else 3.0 + (score - 50) / 10
        assert policy.shown_score(book, CURRENT, score) == (round(shown, 1), star_cell(score)), score
    assert policy.shown_score(book, ANNOUNCED, 0) == (3.0, 3.0)  # aJoPPkXuLRqc: 0-50 -> 3.0 (3星)
    assert policy.shown_score(book, ANNOUNCED, 92) == (4.8, 5.0)


# --- douyin:103956: experience.pickup-forced and experience.delivery-not-met --------------------


def test_103956_pickup_forced_fraudulent_shipping_and_abnormal_tracking_score_50(book):
    forced = book.one("experience_pickup_forced", CURRENT)
    assert "存在欺诈发货或物流轨迹异常赔付的订单，该订单的揽收时长得分为50分" in forced.text
    params = indicators.Params.of(book, CURRENT)
    assert params.pickup_forced_points == 50
    assert set(params.pickup_forced_kinds) == {"fraudulent_shipping", "abnormal_tracking"}
    # 平均揽收时长 (2026-09-08) has no forced score
    assert indicators.Params.of(book, ANNOUNCED).pickup_forced_points is None


def test_103956_delivery_not_met_abnormal_tracking_waybill_counts_as_not_met(book):
    clause = book.one("experience_delivery_not_met", CURRENT)
    assert "如运单存在物流轨迹异常赔付，则该运单计为不达成" in clause.text
    assert indicators.Params.of(book, CURRENT).waybill_failed_kinds == ("abnormal_tracking",)
    assert indicators.Params.of(book, ANNOUNCED).waybill_failed_kinds == ("abnormal_tracking",)


# --- douyin:103956: experience.indicator.logistics-return-rate ----------------------------------


def test_103956_logistics_return_rate_counts_only_judged_or_compensated(book):
    clause = next(
        c for c in policy.indicators_in_force(book, CURRENT) if c.get("code") == "logistics_return_rate"
    )
    assert "判责或赔付" in clause.text
    assert set(clause.get("judgements")) == {
        "late_ship",
        "out_of_stock",
        "slow_tracking",
        "abnormal_tracking",
        "fraudulent_shipping",
    }
    assert indicators.Params.of(book, CURRENT).logistics_judgements == tuple(clause.get("judgements"))


# --- douyin:aJoPPkXuLRqc: experience.indicator.damage-return-rate --------------------------------


def test_aJoPPkXuLRqc_damage_return_rate_counts_breakage_not_rot(book):
    """ "近30天支付订单中因商品/包装破损售后的订单数": breakage, not thawed, dead or rotten goods."""
    assert indicators.Params.of(book, ANNOUNCED).damage_reasons == ("damaged",)


# --- douyin:aJmVWbCJyD8M: experience.indicator.aftersales-review-hours --------------------------


def test_aJmVWbCJyD8M_review_hours_case_types_are_refunds_after_shipment_and_returns(book):
    """ "考核售后单类型：已发货退款、退货退款"."""
    clause = next(
        c for c in policy.indicators_in_force(book, CURRENT) if c.get("code") == "aftersales_review_hours"
    )
    assert clause.get("case_types") == ["return_refund"]
    assert clause.get("after_shipment_case_types") == ["refund_only", "damage_claim"]
    assert "已发货退款、退货退款" in clause.text


# --- douyin:aJoPPkXuLRqc: experience.bonus.return-insurance --------------------------------------


@pytest.mark.parametrize(
    "kind, clause_id",
    [
        ("return", "experience.bonus.return-insurance"),
        ("large_return", "experience.bonus.large-return-insurance"),
    ],
)
def test_aJoPPkXuLRqc_insurance_bonus_two_days_on_and_one_insured_order_add_2(book, kind, clause_id):
    days, insured = policy.insurance_keys(kind)
    earned = policy.bonuses(book, ANNOUNCED, {days: 2, insured: 1})
    assert earned == [
        {
            "clause": clause_id,
            "source": "douyin:aJoPPkXuLRqc",
            "code": f"{kind}_insurance",
            "value": 1.0,
            "points": 2,
        }
    ]
    assert policy.bonuses(book, ANNOUNCED, {days: 1, insured: 5}) == []  # "近2天均开通"
    assert policy.bonuses(book, ANNOUNCED, {days: 2, insured: 0}) == []  # "有1单退换货运费险订单"
    assert policy.bonuses(book, CURRENT, {days: 2, insured: 1}) == []  # a 2026-09-08 bonus only
    base = measures(paid_orders=600)
    with_bonus = policy.evaluate(book, ANNOUNCED, dict(base, **{days: 2, insured: 3}))
    assert with_bonus.score == pytest.approx(
        min(100, policy.evaluate(book, ANNOUNCED, base).score + 2), abs=0.01
    )


# --- citations ----------------------------------------------------------------------------------


def test_score_clauses_cite_the_official_text_not_a_pointer(book):
    """Every experience clause with a douyin source quotes a definition, not "see clause X"."""
    for clause in book.clauses:
        if clause.kind.startswith("experience") and clause.source.startswith("douyin:"):
            assert "定义见" not in clause.text and "defined by clause" not in clause.text_en, clause.id
    response = next(
        c for c in policy.indicators_in_force(book, CURRENT) if c.get("code") == "chat_response_seconds"
    )
    assert (
        response.source == "douyin:103956"
        and "若用户发消息后，客服未回复，本轮回复时长记为10分钟" in response.text
    )
