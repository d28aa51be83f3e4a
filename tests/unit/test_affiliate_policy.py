"""The affiliate money rules of douyin:aJoPPkXtaG25 (精选联盟推广费/服务费结算规则) as pure functions.
The official text gives formulas and rates but no worked numeric example, so the figures below
are worked by hand from its formulas (quoted beside each test). No database."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pledge.creators.policy import (
    BaseParts,
    RefundOutcome,
    base_fen,
    commission_fen,
    creator_net_fen,
    freeze_ends_at,
    grade_period,
    leader_fee,
    quote_affiliate,
    refund_outcome,
    refunded_commission_fen,
    reserve_fen,
    service_fee_fen,
    settle_after,
)
from pledge.kernel.errors import InvalidInput, NotFound
from pledge.rulebooks.loader import load

BOOK = load("douyin")
SH = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 9, 20, 12, tzinfo=SH)
GRADES = ["A", "B+", "B", "C", "D"]


def test_settlement_base_adds_coupons_and_subsidy_and_subtracts_shipping_and_packing_aJoPPkXtaG25():
    # 结算基数（境内）=实付金额 + 主播券金额 + 平台券金额 + 支付通道补贴 - 运费金额- 打包费金额+物流减收金额
    parts = BaseParts(
        paid_fen=10_000,
        creator_coupon_fen=500,
        platform_coupon_fen=300,
        payment_subsidy_fen=200,
        shipping_fen=1_000,
        packing_fen=150,
        logistics_reduction_fen=100,
    )
    assert base_fen(BOOK, parts, AT) == 10_000 + 500 + 300 + 200 - 1_000 - 150 + 100 == 9_950


@pytest.mark.parametrize(
    "grade, fee_fen, net_fen",
    [("A", 196, 1_764), ("B+", 196, 1_764), ("B", 196, 1_764), ("C", 392, 1_568), ("D", 784, 1_176)],
)
def test_service_fee_by_grade_aJoPPkXtaG25(grade, fee_fen, net_fen):
    # A级：X=10% … B+级：X=10% … B级：X=10% … C级：X=20% … D级：X=40%
    # paid ¥100.00 incl. ¥10.00 shipping, creator coupon ¥5.00, platform coupon ¥3.00:
    # base = 100 + 5 + 3 − 10 = ¥98.00; commission at 20 % = ¥19.60; fee = 19.60 × X.
    quote = quote_affiliate(
        BOOK,
        BaseParts(paid_fen=10_000, shipping_fen=1_000, creator_coupon_fen=500, platform_coupon_fen=300),
        rate_bp=2_000,
        grade=grade,
        paid_at=AT,
    )
    assert (quote.base_fen, quote.commission_fen) == (9_800, 1_960)
    assert (quote.service_fee_fen, quote.creator_net_fen) == (fee_fen, net_fen)
    assert quote.service_fee.source == "douyin:aJoPPkXtaG25" and quote.service_fee.get("grade") == grade


def test_rounding_is_half_up_to_the_fen_and_the_net_absorbs_nothing_extra():
    # Pledge default (affiliate.rounding): ¥0.33 base × 15 % = 4.95 fen → 5 fen; × 10 % = 0.5 → 1 fen.
    assert commission_fen(33, 1_500) == 5
    assert service_fee_fen(BOOK, 5, "A", AT) == 1
    assert creator_net_fen(5, 1) == 4
    # exactly half a fen goes up, less than half goes down: 30 × 15 % = 4.5 → 5; 29 × 15 % = 4.35 → 4
    assert (commission_fen(30, 1_500), commission_fen(29, 1_500)) == (5, 4)


def test_grade_letters_are_read_in_any_case_and_an_unknown_grade_is_refused():
    assert service_fee_fen(BOOK, 1_000, "b+", AT) == 100
    with pytest.raises(InvalidInput, match="unknown creator grade 'E'; one of"):
        service_fee_fen(BOOK, 1_000, "E", AT)


@pytest.mark.parametrize("rate_bp", [-1, 10_001])
def test_a_commission_rate_outside_0_to_100_percent_is_refused(rate_bp):
    with pytest.raises(InvalidInput, match="from 0% to 100%"):
        commission_fen(10_000, rate_bp)


def test_deductions_larger_than_the_amounts_are_an_error_not_a_negative_base():
    with pytest.raises(InvalidInput, match="exceed the amount paid"):
        base_fen(BOOK, BaseParts(paid_fen=500, shipping_fen=600), AT)
    with pytest.raises(InvalidInput, match="cannot exceed them"):
        BaseParts(paid_fen=500, shipping_fen=100, logistics_reduction_fen=101)
    with pytest.raises(InvalidInput, match="shipping must be a non-negative"):
        BaseParts(paid_fen=500, shipping_fen=-1)


def test_a_rulebook_without_affiliate_clauses_says_so():
    with pytest.raises(NotFound, match=r"taobao 2025-09 has no affiliate \(精选联盟\) clause"):
        quote_affiliate(load("taobao"), BaseParts(paid_fen=100), rate_bp=1_000, grade="A", paid_at=AT)
    with pytest.raises(NotFound, match="no affiliate"):
        service_fee_fen(load("taobao"), 100, "A", AT)


@pytest.mark.parametrize(
    "paid_at, published, first, last",
    [
        # 平台将于每个自然月8日生成并展示…订单支付时间发生于当期（当月9日-次月8日）的所有订单
        (datetime(2026, 9, 9, 0, 0, tzinfo=SH), date(2026, 9, 8), date(2026, 9, 9), date(2026, 10, 8)),
        (datetime(2026, 9, 8, 23, 59, tzinfo=SH), date(2026, 8, 8), date(2026, 8, 9), date(2026, 9, 8)),
        # 2026-01-08 16:30 UTC is 2026-01-09 00:30 in Beijing: the new period
        (
            datetime(2026, 1, 8, 16, 30, tzinfo=ZoneInfo("UTC")),
            date(2026, 1, 8),
            date(2026, 1, 9),
            date(2026, 2, 8),
        ),
        (datetime(2026, 1, 3, tzinfo=SH), date(2025, 12, 8), date(2025, 12, 9), date(2026, 1, 8)),
    ],
)
def test_grade_period_runs_from_the_9th_to_the_next_8th_in_platform_time(paid_at, published, first, last):
    period = grade_period(BOOK, paid_at)
    assert (period.published_on, period.first_day, period.last_day) == (published, first, last)


def test_commission_settles_15_days_after_receipt_or_after_the_proceeds_if_later_aJoPPkXtaG25():
    # 确认收货的15天后…若订单货款结算时间超过15天，则…顺延至订单货款结算之后
    receipt = datetime(2026, 9, 1, 10, tzinfo=SH)
    assert settle_after(BOOK, receipt, receipt + timedelta(days=3)) == receipt + timedelta(days=15)
    assert settle_after(BOOK, receipt, None) == receipt + timedelta(days=15)
    later = receipt + timedelta(days=21)
    assert settle_after(BOOK, receipt, later) == later


def test_refund_inside_the_aftersales_period_cancels_or_claws_back_after_it_stands_aJoPPkXtaG25():
    # 售后期内…发生退款时，推广费…不再进行结算，已经结算的将从账户预留金中扣回…超过售后期…不再追回
    ends = datetime(2026, 9, 10, tzinfo=SH)
    inside, after = ends - timedelta(seconds=1), ends

    def outcome(at, settled, abnormal=False):
        return refund_outcome(
            BOOK, refunded_at=at, aftersales_ends_at=ends, settled=settled, abnormal_receipt=abnormal
        )[0]

    assert outcome(inside, False) is RefundOutcome.CANCELLED
    assert outcome(inside, True) is RefundOutcome.CLAWED_BACK
    assert outcome(after, True) is RefundOutcome.STANDS
    assert outcome(after, False) is RefundOutcome.STANDS
    # 超售后期但异常签收订单（…订单已签收但物流拒收或异常退回等用户实际未收货场景）
    assert outcome(after, True, abnormal=True) is RefundOutcome.CLAWED_BACK


def test_partial_refunds_return_the_commission_pro_rata_and_never_more_than_it():
    # base ¥98.00, commission ¥19.60: refunding ¥49.00 cancels ¥9.80, the rest ¥9.80 more.
    first = refunded_commission_fen(1_960, 9_800, 0, 4_900)
    second = refunded_commission_fen(1_960, 9_800, 4_900, 4_900)
    third = refunded_commission_fen(1_960, 9_800, 9_800, 100)
    assert (first, second, third) == (980, 980, 0)


def test_reserve_is_5_percent_of_the_last_15_days_settled_commissions_aJoPPkXtaG25():
    # 从近15天已结算推广费中冻结5%金额作为账户预留金
    now = datetime(2026, 9, 30, 12, tzinfo=SH)
    settled = [
        (now - timedelta(days=15), 100_000),  # exactly 15 days ago: outside the window
        (now - timedelta(days=14, hours=23), 10_000),
        (now - timedelta(days=1), 2_010),
        (now + timedelta(seconds=1), 50_000),  # not settled yet at `now`
    ]
    assert reserve_fen(BOOK, settled, now) == 601  # 12 010 × 5 % = 600.5 → 601 (half-up)


def test_freezes_last_at_most_180_days_aJoPPkXtaG25():
    # 冻结其账户内未提现的推广费并延长提现时长（最长不超过180天）
    at = datetime(2026, 9, 1, tzinfo=SH)
    assert freeze_ends_at(BOOK, at, 180) == at + timedelta(days=180)
    for days in (0, 181):
        with pytest.raises(InvalidInput, match="1 to 180 days"):
            freeze_ends_at(BOOK, at, days)


def test_group_leader_fee_pays_the_platform_10_percent_and_the_rates_stay_within_90_percent():
    # 团长服务费（商家—团长）= 结算基数*费率 … 技术服务费=服务费*10% … 与推广费合计最高不超过90%
    fee = leader_fee(BOOK, 9_800, leader_rate_bp=500, creator_rate_bp=2_000, at=AT)
    assert (fee.fee_fen, fee.service_fee_fen, fee.net_fen) == (490, 49, 441)
    with pytest.raises(InvalidInput, match="at most 90%"):
        leader_fee(BOOK, 9_800, leader_rate_bp=4_001, creator_rate_bp=5_000, at=AT)


fen = st.integers(min_value=0, max_value=10**10)


@given(
    paid=fen,
    coupons=st.tuples(fen, fen, fen),
    shipping=st.integers(min_value=0, max_value=10**6),
    rate_bp=st.integers(min_value=0, max_value=10_000),
    grade=st.sampled_from(GRADES),
)
def test_properties_never_negative_commission_within_base_fee_plus_net_is_commission(
    paid, coupons, shipping, rate_bp, grade
):
    shipping = min(shipping, paid)
    parts = BaseParts(
        paid_fen=paid,
        creator_coupon_fen=coupons[0],
        platform_coupon_fen=coupons[1],
        payment_subsidy_fen=coupons[2],
        shipping_fen=shipping,
    )
    quote = quote_affiliate(BOOK, parts, rate_bp=rate_bp, grade=grade, paid_at=AT)
    values = (quote.base_fen, quote.commission_fen, quote.service_fee_fen, quote.creator_net_fen)
    assert all(type(v) is int and v >= 0 for v in values)
    assert quote.commission_fen <= quote.base_fen
    assert quote.service_fee_fen + quote.creator_net_fen == quote.commission_fen
    assert quote.service_fee_fen <= quote.commission_fen


@given(
    commission=st.integers(min_value=0, max_value=10**8),
    base=st.integers(min_value=1, max_value=10**9),
    refunds=st.lists(st.integers(min_value=0, max_value=10**9), max_size=6),
)
def test_property_all_partial_refunds_together_never_return_more_than_the_commission(
    commission, base, refunds
):
    before, returned = 0, 0
    for refund in refunds:
        part = refunded_commission_fen(commission, base, before, refund)
        assert part >= 0
        returned, before = returned + part, before + refund
    assert returned <= commission
    if before >= base:
        assert returned == commission
