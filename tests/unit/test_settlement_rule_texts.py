"""The settlement rules against their official texts, cell by cell: the deposit tiers and special
categories of douyin:aJngrvusHLew, the settlement periods of douyin:aJoPPkWZ6ehX, and the commission
table of douyin:aJmYzDVDDjey for categories Pledge had not mapped. No database."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from pledge.rulebooks.loader import load
from pledge.settlement.availability import available_at
from pledge.settlement.deposits import gmv_month, quote_deposit
from pledge.settlement.policy import base_rate

BOOK = load("douyin")
SH = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 9, 10, 12, tzinfo=SH)


def owed(gmv_yuan: str, *, zero_entry: bool = False, category: str = "", parent: str = "", at: datetime = AT):
    from pledge.kernel.money import parse_yuan

    names = [[category, parent]] if category else []
    return quote_deposit(
        BOOK, gmv_fen=parse_yuan(gmv_yuan), zero_entry=zero_entry, listed=names, sold_recently=names, at=at
    )


@pytest.mark.parametrize(
    "gmv,amount_fen,clause",
    [
        ("0", 50_000, "deposit.base.gmv-0-50k"),
        ("50000.00", 50_000, "deposit.base.gmv-0-50k"),
        ("50000.01", 200_000, "deposit.base.gmv-50k-100k"),
        ("100000.00", 200_000, "deposit.base.gmv-50k-100k"),
        ("100000.01", 500_000, "deposit.base.gmv-over-100k"),
        ("9999999", 500_000, "deposit.base.gmv-over-100k"),
    ],
)
def test_base_deposit_tiers_follow_last_months_paid_gmv_aJngrvusHLew(gmv, amount_fen, clause):
    due = owed(gmv)
    assert (due.amount_fen, due.base.clause.id, due.base.clause.source) == (
        amount_fen,
        clause,
        "douyin:aJngrvusHLew",
    )


def test_a_zero_entry_shop_owes_no_base_deposit_but_the_category_deposits_still_apply():
    assert owed("200000", zero_entry=True).amount_fen == 0
    flowers = owed("200000", zero_entry=True, category="花卉盆栽")
    assert [(p.kind, p.amount_fen) for p in flowers.parts] == [("base", 0), ("experience", 500_000)]
    # a special-category base deposit is not part of the ordinary GMV tiers the 0元入驻 exemption covers
    assert owed("0", zero_entry=True, category="话费充值").base.amount_fen == 20_000_000


@pytest.mark.parametrize(
    "category,parent,experience_fen",
    [
        ("花卉盆栽", "", 500_000),
        ("种球", "", 500_000),
        ("鲜榴莲", "", 10_000_000),
        ("车厘子/樱桃", "", 10_000_000),
        ("阳澄湖大闸蟹", "", 10_000_000),
        ("狗活体", "", 5_000_000),
        ("蓝莓", "", 500_000),
        ("某个盆栽新品", "花卉盆栽", 500_000),  # a sub-category of a listed category belongs to it
        ("鲜切花", "鲜花园艺", 0),
        ("雨伞雨具", "日用百货", 0),
    ],
)
def test_special_category_experience_deposits_come_on_top_of_the_base_aJngrvusHLew(
    category, parent, experience_fen
):
    due = owed("60000", category=category, parent=parent)
    assert due.base.amount_fen == 200_000
    assert due.part_fen("experience") == experience_fen
    assert due.amount_fen == 200_000 + experience_fen


def test_a_special_base_category_replaces_the_gmv_tier():
    due = owed("1000", category="二手手机")
    assert (due.base.amount_fen, due.base.clause.id, due.part_fen("experience")) == (
        2_000_000,
        "deposit.category-base.20000",
        0,
    )
    assert owed("1000", category="话费充值").amount_fen == 20_000_000


def test_the_base_deposit_changes_on_the_8th_with_last_months_gmv_aJngrvusHLew():
    assert (
        gmv_month(BOOK, datetime(2026, 9, 7, 23, 59, tzinfo=SH)) == "2026-07"
    )  # the previous update still stands
    assert gmv_month(BOOK, datetime(2026, 9, 8, 0, 0, tzinfo=SH)) == "2026-08"
    assert gmv_month(BOOK, datetime(2026, 1, 8, 9, tzinfo=SH)) == "2025-12"
    assert gmv_month(BOOK, datetime(2026, 1, 3, 9, tzinfo=SH)) == "2025-11"


def confirmed(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.mark.parametrize(
    "category,zero_entry,days,clause",
    [
        ("", False, 3, "settlement.available.ordinary"),
        ("鲜切花", False, 3, "settlement.available.ordinary"),
        ("花卉盆栽", False, 15, "settlement.available.category-15d"),
        ("种球", False, 15, "settlement.available.category-15d"),
        ("月季/蔷薇/玫瑰", False, 15, "settlement.available.category-15d"),
        ("电动车电池", False, 10, "settlement.available.category-10d"),
        ("台球", False, 3, "settlement.available.category-3d"),
        ("", True, 21, "settlement.available.zero-entry"),
        ("花卉盆栽", True, 21, "settlement.available.zero-entry"),  # 15 days is not longer than 21
    ],
)
def test_proceeds_become_available_days_after_confirmed_receipt_aJoPPkWZ6ehX(
    category, zero_entry, days, clause
):
    at = confirmed(2026, 8, 20, 10, 30)
    found = available_at(BOOK, [[category, ""]] if category else [], confirmed_at=at, zero_entry=zero_entry)
    assert (found.days, found.clause.id) == (days, clause)
    # counted from the moment of confirmation, N × 24 h (settlement.available.counting)
    assert (found.available_at - at).total_seconds() == days * 86_400
    assert found.counting.id == "settlement.available.counting" and found.counting.source == "pledge:default"


@pytest.mark.parametrize(
    "written", ["玫瑰", "月季", "蔷薇", "农资园艺 > 鲜活植物 > 花卉盆栽", "农资园艺>鲜活植物>种球"]
)
def test_a_category_is_found_by_one_of_its_listed_names_or_by_its_path_aJoPPkWZ6ehX(written):
    """The table's row "农资园艺 鲜活植物 月季/蔷薇/玫瑰 … 15天后" lists three names in one cell; a
    category written as its full path is the same category."""
    found = available_at(BOOK, [[written, ""]], confirmed_at=confirmed(2026, 9, 1, 8))
    assert (found.days, found.clause.id) == (15, "settlement.available.category-15d")


def test_an_order_of_several_categories_waits_for_the_longest_period():
    found = available_at(
        BOOK, [["鲜切花", "鲜花园艺"], ["花卉盆栽", "农资园艺"]], confirmed_at=confirmed(2026, 9, 1, 8)
    )
    assert (found.days, found.available_at) == (15, confirmed(2026, 9, 16, 8))


def test_an_order_confirmed_before_the_text_took_effect_is_judged_by_its_first_version():
    found = available_at(BOOK, [], confirmed_at=confirmed(2026, 7, 1, 8))
    assert (found.days, found.clause.id, found.clause.source) == (
        3,
        "settlement.available.ordinary",
        "douyin:aJoPPkWZ6ehX",
    )


@pytest.mark.parametrize(
    "names,rate_bp",
    [
        (["某个新二级类目", "3C数码及配件"], 200),
        (["某个新二级类目", "个人护理"], 250),
        (["某个新二级类目", "玩具"], 500),
        (["某个新二级类目", "通讯充值"], 60),
        (["话费充值", "通讯充值"], 30),
        (["足金", "贵金属"], 60),
        (["某个新二级类目", "黄金珠宝玉石"], 500),
        (["某个新二级类目", "行业服务权益"], 1000),
        (["家电安装", "行业服务权益"], 500),
        (["某个新二级类目", "母婴用品"], 200),
        (["肉禽蛋品"], 200),
        (["某个新二级类目", "教育培训"], 60),
    ],
)
def test_unmapped_categories_pay_their_first_level_categorys_rate_aJmYzDVDDjey(names, rate_bp):
    clause = base_rate(BOOK, names, AT)
    assert (int(clause.get("rate_bp")), clause.source) == (rate_bp, "douyin:aJmYzDVDDjey")


def test_a_category_the_table_does_not_know_at_any_level_pays_the_pledge_default():
    clause = base_rate(BOOK, ["不存在的类目", "也不存在"], AT)
    assert (clause.id, clause.source, int(clause.get("rate_bp"))) == (
        "commission.rate.default",
        "pledge:default",
        500,
    )


def test_no_category_name_has_two_rates():
    seen: dict[str, str] = {}
    for clause in BOOK.in_force("commission_rate", AT):
        for name in clause.get("categories", []):
            assert name not in seen, f"{name} in {seen.get(name)} and {clause.id}"
            seen[name] = clause.id


def test_every_settlement_clause_cites_the_official_text_or_says_it_is_a_pledge_default():
    prefixes = ("deposit.", "settlement.", "freeze.", "commission.")
    for clause in (c for c in BOOK.clauses if c.id.startswith(prefixes)):
        assert clause.source.startswith("douyin:") or clause.source == "pledge:default", clause.id
        if clause.source == "pledge:default":
            assert "Pledge默认" in clause.text and "Pledge default" in clause.text_en, clause.id
