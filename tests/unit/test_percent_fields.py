"""Rates typed in finance forms are percent, parsed to basis points exactly (never through a
float), and every bad rate is refused with a message the page can translate."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pledge.kernel.errors import InvalidInput
from pledge.kernel.money import format_rate
from pledge.web.forms import PERCENT_INVALID, PERCENT_RANGE, optional_percent, parse_percent


@pytest.mark.parametrize(
    ("typed", "bp"),
    [
        ("0.6", 60),
        ("0.60", 60),
        ("5", 500),
        ("5%", 500),
        (" 2.5 ％", 250),
        ("0.01", 1),
        ("0", 0),
        ("100", 10_000),
    ],
)
def test_percent_is_read_to_the_basis_point_exactly(typed, bp):
    assert parse_percent(typed, "rate") == bp


@pytest.mark.parametrize(
    ("typed", "msgid"),
    [
        ("-1", PERCENT_RANGE),
        ("100.01", PERCENT_RANGE),
        ("0.005", PERCENT_INVALID),
        ("1e2", PERCENT_INVALID),
        ("0.6bp", PERCENT_INVALID),
        ("", PERCENT_INVALID),
        ("1,5", PERCENT_INVALID),
    ],
)
def test_a_bad_percent_is_refused_with_a_translatable_message(typed, msgid):
    with pytest.raises(InvalidInput) as refused:
        parse_percent(typed, "rate")
    assert refused.value.extra["msgid"] == msgid


def test_an_empty_optional_percent_is_none():
    assert optional_percent("  ", "rate") is None and optional_percent("0.6", "rate") == 60


@given(st.integers(min_value=0, max_value=10_000))
def test_every_rate_shown_in_percent_reads_back_to_the_same_basis_points(bp):
    assert parse_percent(format_rate(bp), "rate") == bp
