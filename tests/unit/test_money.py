"""Money is integer fen; every expected value here is worked out by hand from the rule texts
(douyin:aHwH9wK4JUHQ: "150 x 5% = 7.5 -> 8", half-up to whole yuan)."""

from __future__ import annotations

import pytest

from pledge.kernel.errors import InvalidInput
from pledge.kernel.money import (
    Money,
    clamp,
    exact_percent_yuan,
    format_rate,
    format_yuan,
    parse_yuan,
    round_half_up_to_yuan,
)

# --- parse_yuan ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, fen",
    [
        ("150.00", 15000),
        ("19.9", 1990),
        ("19.90", 1990),
        ("150", 15000),
        ("0.05", 5),
        ("0.5", 50),
        ("0", 0),
        (" 12.34 ", 1234),
        ("1.230", 123),  # a trailing zero is not a third decimal of value
        ("9000.00", 900000),
        ("21474836.47", 2147483647),
    ],
)
def test_parse_yuan_accepts_amounts_with_at_most_two_decimals(text, fen):
    assert parse_yuan(text) == fen


def test_parse_yuan_accepts_an_int_of_whole_yuan():
    assert parse_yuan(150) == 15000
    assert parse_yuan(0) == 0


def test_parse_yuan_returns_a_plain_int():
    value = parse_yuan("19.9")
    assert type(value) is int


@pytest.mark.parametrize(
    "text",
    [
        "1.234",  # three decimals: an error, not a silent rounding
        "0.001",
        "19.995",
        "abc",
        "",
        "   ",
        "NaN",
        "nan",
        "sNaN",
        "Infinity",
        "-Infinity",
        "inf",
        "1,000.00",
        "¥5",
        "5元",
        "1.2.3",
    ],
)
def test_parse_yuan_rejects_what_is_not_an_amount(text):
    with pytest.raises(InvalidInput):
        parse_yuan(text)


def test_parse_yuan_error_is_a_422_domain_error():
    with pytest.raises(InvalidInput) as info:
        parse_yuan("1.234")
    assert info.value.code == "invalid_input"
    assert info.value.status == 422
    assert "1.234" in info.value.detail


# --- format_yuan ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fen, text",
    [
        (15000, "150.00"),
        (1990, "19.90"),
        (5, "0.05"),
        (50, "0.50"),
        (99, "0.99"),
        (100, "1.00"),
        (0, "0.00"),
        (123456789, "1234567.89"),
        (-1990, "-19.90"),
        (-5, "-0.05"),
    ],
)
def test_format_yuan(fen, text):
    assert format_yuan(fen) == text


@pytest.mark.parametrize("text", ["150.00", "19.90", "0.05", "0.00", "1234567.89"])
def test_format_yuan_round_trips_parse_yuan(text):
    assert format_yuan(parse_yuan(text)) == text


# --- round_half_up_to_yuan ------------------------------------------------------------------


@pytest.mark.parametrize(
    "fen, rate_bp, expected_fen",
    [
        (15000, 500, 800),  # 150.00 x 5% = 7.50 -> 8 (the rule's own example)
        (14999, 500, 700),  # 149.99 x 5% = 7.4995 -> 7
        (15000, 300, 500),  # 150.00 x 3% = 4.50 -> 5
        (14900, 300, 400),  # 149.00 x 3% = 4.47 -> 4
        (15000, 100, 200),  # 1.50 -> 2
        (14999, 100, 100),  # 1.4999 -> 1
        (25000, 100, 300),  # 2.50 -> 3 (half-up, not banker's 2)
        (45000, 100, 500),  # 4.50 -> 5 (banker's would give 4)
        (5000, 100, 100),  # 0.50 -> 1
        (4999, 100, 0),  # 0.4999 -> 0
        (1000, 100, 0),  # 10.00 x 1% = 0.10 -> 0
        (1000, 500, 100),  # 10.00 x 5% = 0.50 -> 1
        (900000, 300, 27000),  # 9000 x 3% = 270
        (10000, 10000, 10000),  # 100 x 100% = 100
        (0, 500, 0),
        (15000, 0, 0),
        (1, 5000, 0),  # 0.01 x 50% = 0.005 yuan -> 0
        (101000, 500, 5100),  # 1010 x 5% = 50.50 -> 51
        (100999, 500, 5000),  # 1009.99 x 5% = 50.4995 -> 50
    ],
)
def test_round_half_up_to_yuan(fen, rate_bp, expected_fen):
    assert round_half_up_to_yuan(fen, rate_bp) == expected_fen


def test_round_half_up_result_is_always_whole_yuan():
    for fen in range(0, 20001, 37):
        assert round_half_up_to_yuan(fen, 333) % 100 == 0


@pytest.mark.parametrize("fen, rate_bp", [(-15000, 500), (15000, -500)])
def test_round_half_up_refuses_negative_inputs(fen, rate_bp):
    with pytest.raises(ValueError):
        round_half_up_to_yuan(fen, rate_bp)


# --- exact_percent_yuan (display of the unrounded product) -----------------------------------


@pytest.mark.parametrize(
    "fen, rate_bp, text",
    [
        (15000, 300, "4.50"),
        (15000, 500, "7.50"),
        (14999, 500, "7.4995"),
        (14900, 300, "4.47"),
        (1000, 100, "0.10"),
        (10000, 500, "5.00"),
        (1000000, 100, "100.00"),  # normalize() gives 1E+2: must still print as 100.00
        (900000, 300, "270.00"),
        (1, 1, "0.000001"),
        (0, 100, "0.00"),
    ],
)
def test_exact_percent_yuan(fen, rate_bp, text):
    assert exact_percent_yuan(fen, rate_bp) == text


# --- format_rate ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rate_bp, text",
    [
        (100, "1%"),
        (300, "3%"),
        (500, "5%"),
        (250, "2.5%"),
        (60, "0.6%"),
        (30, "0.3%"),
        (5, "0.05%"),
        (1, "0.01%"),
        (1234, "12.34%"),
        (110, "1.1%"),
        (0, "0%"),
        (10000, "100%"),
    ],
)
def test_format_rate(rate_bp, text):
    assert format_rate(rate_bp) == text


# --- clamp ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fen, low, high, expected",
    [
        (0, 200, 5000, 200),
        (27000, 300, 5000, 5000),
        (400, 300, 5000, 400),
        (300, 300, 5000, 300),
        (5000, 300, 5000, 5000),
    ],
)
def test_clamp(fen, low, high, expected):
    assert clamp(fen, low, high) == expected


# --- Money value ----------------------------------------------------------------------------


def test_money_from_yuan_and_str():
    m = Money.from_yuan("19.9")
    assert m.fen == 1990
    assert str(m) == "19.90"


def test_money_arithmetic_and_order():
    assert Money(15000) + Money(800) == Money(15800)
    assert Money(15000) - Money(15800) == Money(-800)
    assert Money(199) < Money(200)
    assert sorted([Money(3), Money(1), Money(2)]) == [Money(1), Money(2), Money(3)]


@pytest.mark.parametrize("bad", [1.5, 150.0, "150", True, None])
def test_money_holds_integer_fen_only(bad):
    with pytest.raises(TypeError):
        Money(bad)


def test_money_from_yuan_rejects_three_decimals():
    with pytest.raises(InvalidInput):
        Money.from_yuan("1.234")
