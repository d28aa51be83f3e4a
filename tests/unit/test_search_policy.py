"""What the promise filters read from a ship promise (pledge.search.policy): the longest wait
(douyin:101706) and whether a late shipment pays at once (douyin:aJoPPkWZ7VQM's table)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pledge.config import Settings
from pledge.promises.model import Promise
from pledge.rulebooks.loader import load
from pledge.search.policy import late_ship_pays, ship_hours

AT = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
BOOK = load(Settings().rulebook)


@pytest.mark.parametrize(
    ("code", "hours"),
    [("same-day", 32), ("next-day", 48), ("24h", 24), ("48h", 48), ("72h", 72), ("presale:2026-12-01", None)],
)
def test_ship_hours_are_the_longest_wait_douyin_101706(code, hours):
    assert ship_hours(BOOK, Promise.parse(code), AT) == hours


@pytest.mark.parametrize(
    ("code", "pays"),
    [
        ("same-day", False),
        ("next-day", False),
        ("48h", False),  # 承诺发货时效≤48小时: no deduction within 48 h late
        ("49h", True),  # 48小时＜承诺发货时效≤240小时: 1%, min 2 yuan
        ("300h", True),
        ("presale:2026-09-02", False),  # a day and a half from now
        ("presale:2026-12-01", True),
    ],
)
def test_late_ship_pays_at_once_only_over_48_hours_douyin_aJoPPkWZ7VQM(code, pays):
    assert late_ship_pays(BOOK, Promise.parse(code), AT) is pays


def test_before_the_rulebook_starts_a_promise_has_no_figures():
    early = datetime(2020, 1, 1, tzinfo=UTC)
    assert ship_hours(BOOK, Promise.parse("72h"), early) is None
    assert late_ship_pays(BOOK, Promise.parse("72h"), early) is False
