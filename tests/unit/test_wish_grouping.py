"""Grouping wishes into demands (issue 15): wishes that ask for the same thing, however worded,
form one demand."""

from __future__ import annotations

from pledge.wishes.grouping import concepts, group, names


def test_the_issues_larger_umbrella_wishes_form_one_demand_apart_from_other_wishes():
    items = ["双人伞", "超大号的伞", "加大款", "透明伞", "透明雨伞", "儿童伞"]
    numbers = group(items)
    assert numbers[0] == numbers[1] == numbers[2]
    assert numbers[3] == numbers[4] != numbers[0]
    assert len(set(numbers)) == 3


def test_group_numbers_follow_first_appearance():
    assert group(["白玫瑰", "郁金香", "白色玫瑰", "郁金香"]) == [0, 1, 0, 1]


def test_a_concept_can_be_spelled_many_ways():
    assert concepts("双人雨伞") == concepts("特大号的伞") == frozenset({"大号", "伞"})
    assert concepts("妃子笑") == concepts("桂味荔枝") == frozenset({"荔枝"})


def test_small_counts_name_a_small_pack_and_large_ones_do_not():
    assert "小份" in concepts("6支装的向日葵")
    assert "小份" in concepts("三斤的小箱")
    assert "小份" not in concepts("12支向日葵")


def test_an_unknown_item_is_read_by_its_head_word():
    assert concepts("突尼斯软籽石榴") == frozenset({"石榴"})
    assert concepts("芍药花束") == concepts("芍药") == frozenset({"芍药"})


def test_a_colour_says_less_than_what_it_colours():
    items = ["郁金香"] * 3 + ["粉色郁金香", "百合", "百合", "白玫瑰", "白玫瑰", "满天星", "满天星", "绣球"]
    numbers = group(items)
    assert numbers[3] == numbers[0]
    assert len(set(numbers)) == 5


def test_a_demand_is_named_the_way_its_wishers_wrote_it_most_often():
    items = ["双人伞", "大伞", "双人伞", "加大款"]
    numbers = group(items)
    assert names(items, numbers)[numbers[0]] == "双人伞"
