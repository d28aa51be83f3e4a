"""Money typed in merchant forms is yuan, parsed to fen exactly (never through a float), and
every bad amount is refused with a message the page can translate."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pledge.kernel.errors import InvalidInput
from pledge.kernel.limits import MAX_PRICE_FEN
from pledge.kernel.money import format_yuan
from pledge.web.forms import yuan_field


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        ("19.90", 1990),
        ("19.9", 1990),
        ("19", 1900),
        ("0.01", 1),
        ("¥19.90", 1990),
        (" ￥ 0.10 ", 10),
        ("10000000", MAX_PRICE_FEN),
        ("0.29", 29),
        ("1.10", 110),
    ],
)
def test_yuan_is_read_to_the_fen_exactly(typed, fen):
    assert yuan_field(typed, "price") == fen


@pytest.mark.parametrize(
    ("typed", "msgid"),
    [
        ("19.999", "merchant.yuan.decimals"),
        ("-1", "merchant.yuan.negative"),
        ("-0.01", "merchant.yuan.negative"),
        ("0", "merchant.yuan.negative"),
        ("0.00", "merchant.yuan.negative"),
        ("", "merchant.yuan.required"),
        ("1e3", "merchant.yuan.invalid"),
        ("19,90", "merchant.yuan.invalid"),
        ("１９", "merchant.yuan.invalid"),
        ("NaN", "merchant.yuan.invalid"),
        ("007", "merchant.yuan.invalid"),
        ("10000000.01", "merchant.yuan.too_large"),
        ("9" * 40, "merchant.yuan.too_large"),
    ],
)
def test_bad_amounts_are_refused_with_a_translatable_reason(typed, msgid):
    with pytest.raises(InvalidInput) as refused:
        yuan_field(typed, "price", n=2)
    assert refused.value.extra["msgid"] == msgid and refused.value.extra["n"] == 2


@given(st.integers(min_value=1, max_value=MAX_PRICE_FEN))
def test_what_the_pages_show_reads_back_to_the_same_fen(fen):
    assert yuan_field(format_yuan(fen), "price") == fen
