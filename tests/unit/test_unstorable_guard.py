"""The last guard before the driver (kernel.db.refuse_unstorable): every statement's parameters,
however nested, are refused when they hold text with a NUL or a lone surrogate or an integer
beyond 64 bits, and pass otherwise. Issue 19 made it one pass over the values; this pins what it
must still catch."""

from datetime import UTC, date, datetime
from enum import IntEnum, StrEnum

import pytest

from pledge.kernel.db import _unstorable


class Colour(StrEnum):
    RED = "red"


class Size(IntEnum):
    BIG = 2**62


GOOD = [
    None,
    "向日葵 12 枝 19.9 元",
    2**63 - 1,
    -(2**63),
    True,
    1.5,
    Colour.RED,
    Size.BIG,
    {"a": [1, ("x", {"b": "y"})]},
    [{"id": i, "name": f"订单{i}"} for i in range(1000)],  # an executemany's rows
    {"k": {"v": 1}.values()},
]


@pytest.mark.parametrize("value", GOOD, ids=range(len(GOOD)))
def test_storable_values_pass(value):
    assert _unstorable(value) is None


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("a\x00b", "NUL"),
        ("坏\ud800", "surrogate"),
        (["ok", ("fine", {"deep": ["\udfff"]})], "surrogate"),
        ([{"id": 1, "t": "ok"}, {"id": 2, "t": "x\x00"}], "NUL"),
        (2**63, "2**63"),
        (-(2**63) - 1, "-2**63-1"),
        ({"rows": [[1, 2], [3, 10**30]]}, "10**30"),
        ((Size.BIG, 2**64), "2**64"),
    ],
)
def test_unstorable_values_are_named(value, why):
    problem = _unstorable(value)
    assert problem is not None, why
    assert ("too large" in problem) == why.startswith(("2", "-", "1")), problem


def test_two_lone_surrogates_in_separate_values_are_still_refused():
    # The texts are searched joined; a high and a low surrogate side by side stay two code points.
    assert _unstorable(["\ud83d", "\ude00"]) is not None


# Columns of one kind (kernel.bulk sends a batch's values column by column) are told at C speed
# (kernel.db._uniform); a value hidden anywhere in one must still be found, whatever else the
# column holds.
COLUMN = 20


def column(middle, fill="向日葵"):
    return [fill] * (COLUMN // 2) + [middle] + [fill] * (COLUMN // 2)


@pytest.mark.parametrize(
    ("columns", "why"),
    [
        ([column("x\x00y")], "NUL"),
        ([column("坏\udc00")], "surrogate"),
        ([column(2**63, fill=7)], "2**63"),
        ([column(-(2**63) - 1, fill=7)], "-2**63-1"),
        ([column(2**64, fill=True)], "2**64"),
        ([column(10**30, fill=Size.BIG)], "10**30"),
        ([column(2**70, fill=0.5)], "2**70"),  # floats around the integer
        ([column("a\x00", fill=None)], "NUL"),  # None is neither text nor a number: the walk
        ([column("\x00", fill=1)], "NUL"),  # text among numbers: the walk
        ([column(["deep", "\x00"], fill="ok")], "NUL"),  # a list inside a column of text
        ([[1] * COLUMN, column(2**63, fill=1)], "2**63"),  # one bad column of several
    ],
)
def test_a_bad_value_inside_a_column_is_found(columns, why):
    problem = _unstorable(columns)
    assert problem is not None, why
    assert ("too large" in problem) == why.startswith(("2", "-", "1")), problem


def test_columns_of_one_kind_pass():
    columns = [
        column("订单"),
        column(2**63 - 1, fill=-(2**63)),
        column(datetime(2026, 11, 30, tzinfo=UTC), fill=datetime(2026, 1, 1, tzinfo=UTC)),
        column(date(2026, 11, 30), fill=date(2026, 1, 1)),
        column(1.5, fill=2),
        column(None, fill=None),
        column(Colour.RED),
    ]
    assert _unstorable(columns) is None


# An executemany of tuples (kernel.bulk's rows on SQLite) is looked at column by column; rows of
# different lengths, or not tuples, are walked one by one. Either way nothing may slip through.
def rows(bad, at: int = 7, width: int = 4) -> list[tuple]:
    table = [(i, f"订单{i}", datetime(2026, 11, 30, tzinfo=UTC), None) for i in range(COLUMN)]
    table[at] = table[at][:1] + (bad,) + table[at][2:width]
    return table


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (rows("x\x00"), "NUL"),
        (rows("\ud800"), "surrogate"),
        (rows(2**63), "2**63"),
        (rows("x\x00", width=3), "NUL"),  # one row shorter than the others: walked
        ([*rows("ok"), (1, "a", None, None, "x\x00")], "NUL"),  # a longer row's last value
        (rows("x\x00", at=0), "NUL"),  # in the first row
        ([*rows("ok"), ["list", "\x00"]], "NUL"),  # a list among the tuples
    ],
)
def test_a_bad_value_in_an_executemany_of_tuples_is_found(value, why):
    problem = _unstorable(value)
    assert problem is not None, why
    assert ("too large" in problem) == why.startswith("2"), problem


def test_an_executemany_of_good_tuples_passes():
    assert _unstorable(rows("向日葵")) is None
