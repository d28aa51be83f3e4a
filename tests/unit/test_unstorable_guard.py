"""The last guard before the driver (kernel.db.refuse_unstorable): every statement's parameters,
however nested, are refused when they hold text with a NUL or a lone surrogate or an integer
beyond 64 bits, and pass otherwise. Issue 19 made it one pass over the values; this pins what it
must still catch."""

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
