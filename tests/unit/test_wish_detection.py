"""Wish detection (issue 15): a request for a product is a wish; a request about shipping,
coupons, links or the stream is not."""

from __future__ import annotations

import pytest

from pledge.kernel.errors import InvalidInput
from pledge.wishes.detection import detect
from pledge.wishes.lexicon import blocking_word
from pledge.wishes.text import MAX_TEXT_CHARS


@pytest.mark.parametrize(
    "text,item",
    [
        ("能不能出一款大一点的伞", "大一点伞"),
        ("求白玫瑰", "白玫瑰"),
        ("许愿无籽橙子", "无籽橙子"),
        ("要是有更大尺寸的就好了", "更大尺寸"),
        ("双人伞什么时候出", "双人伞"),
        ("什么时候上车厘子", "车厘子"),
    ],
)
def test_the_issues_wishes_are_wishes_and_name_what_they_ask_for(text, item):
    found = detect(text)
    assert found.wish is True
    assert found.item == item


@pytest.mark.parametrize(
    "text", ["希望快点发货", "求链接", "有没有优惠券", "什么时候再开播", "求上车", "伞很好看"]
)
def test_requests_about_shipping_coupons_links_or_the_stream_are_not_wishes(text):
    found = detect(text)
    assert found.wish is False
    assert found.item is None


def test_a_not_a_wish_word_inside_a_longer_product_word_does_not_block_it():
    assert blocking_word("上车厘子") is None
    assert blocking_word("上车") == "上车"


def test_the_wish_is_found_in_any_clause_and_the_reason_is_told_when_there_is_none():
    assert detect("孩子上学用，能出儿童款吗").item == "儿童"
    refused = detect("求链接")
    assert (refused.cue, refused.reason) == ("ask", "not a product: 链接")
    assert detect("已下单").reason == "no request"


def test_how_only_is_completed_by_the_thing_named_before_the_cue():
    assert detect("伞能不能做大一些，两个人打太挤了").item == "伞大一些"


def test_traditional_characters_and_full_width_forms_read_as_simplified():
    assert detect("許願無籽橙子").item == "无籽橙子"
    assert detect("求ＵＰＦ５０＋的防晒伞").item == "upf50+防晒伞"


@pytest.mark.parametrize("text", ["", "   ", "x" * (MAX_TEXT_CHARS + 1)])
def test_empty_or_huge_texts_are_refused_clearly(text):
    with pytest.raises(InvalidInput):
        detect(text)
