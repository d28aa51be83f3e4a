"""Late-ship compensation, cell by cell, from the tables as published.

Douyin, effective 2026-08-10 (douyin:aJoPPkWZ7VQM, table at the end of the text; the version it
revised, douyin:aHwH9wK4Je2N, has the same cells):

    promise \\ late           发货超时48小时以内         发货超时48小时以上 (按缺货/无货实施细则处理)
    promise <= 48 h           none                     1% (min 2, max 50)
    48 h < promise <= 240 h   1% (min 2, max 50)       3% (min 3, max 50)
    promise > 240 h           1% (min 3, max 50)       5% (min 5, max 50)

The second column is not a second late-ship rate: it is the out-of-stock deduction of
douyin:aHwHGWzbmk88 ("该扣罚可与发货超时扣罚同时发起"), whose own table has exactly these cells. So a
late order earns the first column's cell as soon as it is late and, once more than 48 h late,
the out-of-stock cell in addition: each once, each under its own clause.

Taobao 2025-09 (tmall:10000177), any lateness: promise <= 48 h 1% (3-30); > 48 h 5% (5-30).
Amounts round half-up to whole yuan (douyin:aHwH9wK4JUHQ: 150 x 5% = 7.5 -> 8). Every expected
amount below is worked out by hand in the comment beside it."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pledge.lateship.policy import next_check_after, pending_parts, quote_late_ship
from pledge.rulebooks.loader import load

UTC = UTC
PAID_AT = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)  # 10:00 Shanghai, after 2026-08-10
H = timedelta(hours=1)
S = timedelta(seconds=1)
DOUYIN_SRC = "douyin:aJoPPkWZ7VQM"
DOUYIN_EARLIER_SRC = "douyin:aHwH9wK4Je2N"
OUT_OF_STOCK_SRC = "douyin:aHwHGWzbmk88"
TAOBAO_SRC = "tmall:10000177"


@pytest.fixture(scope="module")
def douyin():
    return load("douyin")


@pytest.fixture(scope="module")
def taobao():
    return load("taobao")


def shipped_quote(book, paid_fen, promise, late, paid_at=PAID_AT):
    """Shipped `late` after a ship-by that is `promise` after payment, evaluated 30 days later
    (lateness must run to the shipped time, not to `now`)."""
    ship_by_at = paid_at + promise
    shipped_at = ship_by_at + late
    return quote_late_ship(
        book,
        paid_fen=paid_fen,
        paid_at=paid_at,
        ship_by_at=ship_by_at,
        shipped_at=shipped_at,
        now=shipped_at + timedelta(days=30),
    )


def unshipped_quote(book, paid_fen, promise, late, paid_at=PAID_AT):
    ship_by_at = paid_at + promise
    return quote_late_ship(
        book,
        paid_fen=paid_fen,
        paid_at=paid_at,
        ship_by_at=ship_by_at,
        shipped_at=None,
        now=ship_by_at + late,
    )


def parts(quote) -> list[tuple[str, str, int]]:
    return [(p.rule, p.clause.id, p.amount_fen) for p in quote.parts]


FINAL_AMOUNT_EN = re.compile(r"(\d+)(?: \([^)]*\))? yuan \[([^\]]+)\]$")
FINAL_AMOUNT_ZH = re.compile(r"(\d+)(?:（[^）]*）)? 元 \[([^\]]+)\]$")


# --- Douyin, first column: the late-ship cell, paid as soon as the order is late ---------------

LATE_SHIP_CELLS = [
    # promise <= 48 h: nothing
    pytest.param(48 * H, S, 15000, "late-ship.le48h.within48", 0, id="le48: promise 48h, 1s late"),
    pytest.param(48 * H, 48 * H, 15000, "late-ship.le48h.within48", 0, id="le48: promise 48h, late 48h"),
    pytest.param(24 * H, 10 * H, 900000, "late-ship.le48h.within48", 0, id="le48: 9000 yuan still 0"),
    pytest.param(S, S, 15000, "late-ship.le48h.within48", 0, id="le48: promise 1s"),
    # 48 h < promise <= 240 h: 1%, min 2, max 50
    pytest.param(
        48 * H + S, S, 15000, "late-ship.48-240h.within48", 200, id="48-240: promise 48h+1s, 150 -> 2"
    ),
    pytest.param(
        48 * H + S, 48 * H, 25000, "late-ship.48-240h.within48", 300, id="48-240: 250 x1% = 2.50 -> 3"
    ),
    pytest.param(
        240 * H, 48 * H, 24999, "late-ship.48-240h.within48", 200, id="48-240: promise 240h, 2.4999 -> 2"
    ),
    pytest.param(240 * H, H, 1000, "late-ship.48-240h.within48", 200, id="48-240: 10 x1% -> min 2"),
    pytest.param(72 * H, H, 900000, "late-ship.48-240h.within48", 5000, id="48-240: 9000 x1% = 90 -> max 50"),
    # promise > 240 h: 1%, min 3, max 50
    pytest.param(
        240 * H + S, S, 15000, "late-ship.gt240h.within48", 300, id="gt240: 150 x1% = 1.50 -> 2 -> min 3"
    ),
    pytest.param(
        240 * H + S, 48 * H, 45000, "late-ship.gt240h.within48", 500, id="gt240: 450 x1% = 4.50 -> 5"
    ),
    pytest.param(
        240 * H + S, 48 * H, 44999, "late-ship.gt240h.within48", 400, id="gt240: 449.99 x1% = 4.4999 -> 4"
    ),
    pytest.param(500 * H, H, 25000, "late-ship.gt240h.within48", 300, id="gt240: 250 x1% = 2.50 -> 3"),
    pytest.param(500 * H, H, 900000, "late-ship.gt240h.within48", 5000, id="gt240: 9000 x1% = 90 -> max 50"),
]


@pytest.mark.parametrize("promise, late, paid_fen, clause_id, amount_fen", LATE_SHIP_CELLS)
def test_douyin_late_ship_cell(douyin, promise, late, paid_fen, clause_id, amount_fen):
    quote = shipped_quote(douyin, paid_fen, promise, late)
    assert parts(quote) == [("late_ship", clause_id, amount_fen)]
    assert quote.amount_fen == amount_fen
    assert quote.clause.source == DOUYIN_SRC
    assert quote.final is True  # shipped: nothing can change any more
    assert clause_id in quote.explanation_en and clause_id in quote.explanation
    assert quote.inputs["paid_fen"] == paid_fen
    assert quote.inputs["promise_seconds"] == int(promise.total_seconds())
    assert quote.inputs["late_seconds"] == int(late.total_seconds())
    if amount_fen == 0:
        assert quote.explanation_en.endswith(f"clause {clause_id}: no compensation")
        assert quote.explanation.endswith(f"clause {clause_id}：不赔付")
    else:
        en = FINAL_AMOUNT_EN.search(quote.explanation_en)
        zh = FINAL_AMOUNT_ZH.search(quote.explanation)
        assert en and zh, (quote.explanation_en, quote.explanation)
        assert int(en.group(1)) * 100 == int(zh.group(1)) * 100 == amount_fen
        assert en.group(2) == zh.group(2) == DOUYIN_SRC


# --- Douyin, second column: more than 48 h late adds the out-of-stock deduction ----------------

# (promise, late, paid, late-ship cell, out-of-stock clause, out-of-stock cell); the late-ship
# cell is the first column's for that amount, the out-of-stock cell douyin:aHwHGWzbmk88's.
OVER_48 = [
    pytest.param(
        48 * H, 48 * H + S, 15000, 0, "out-of-stock.pay.le48h", 200, id="le48: none + 150 x1% = 1.50 -> 2"
    ),
    pytest.param(
        48 * H, 48 * H + S, 1000, 0, "out-of-stock.pay.le48h", 200, id="le48: none + 10 x1% = 0.10 -> min 2"
    ),
    pytest.param(
        24 * H, 50 * H, 35000, 0, "out-of-stock.pay.le48h", 400, id="le48: none + 350 x1% = 3.50 -> 4"
    ),
    pytest.param(24 * H, 50 * H, 34999, 0, "out-of-stock.pay.le48h", 300, id="le48: none + 349.99 x1% -> 3"),
    pytest.param(
        48 * H, 1000 * H, 500000, 0, "out-of-stock.pay.le48h", 5000, id="le48: none + 5000 x1% = 50"
    ),
    pytest.param(
        48 * H, 48 * H + S, 510000, 0, "out-of-stock.pay.le48h", 5000, id="le48: none + 51 -> max 50"
    ),
    pytest.param(
        72 * H,
        50 * H,
        15000,
        200,
        "out-of-stock.pay.48-240h",
        500,
        id="48-240: 150 x1% = 1.50 -> 2, + 150 x3% = 4.50 -> 5",
    ),
    pytest.param(
        48 * H + S,
        48 * H + S,
        14900,
        200,
        "out-of-stock.pay.48-240h",
        400,
        id="48-240: 149 x1% -> 1 -> min 2, + 149 x3% = 4.47 -> 4",
    ),
    pytest.param(
        72 * H, 1000 * H, 14999, 200, "out-of-stock.pay.48-240h", 400, id="48-240: 2 + 149.99 x3% -> 4"
    ),
    pytest.param(
        240 * H, 48 * H + S, 10000, 200, "out-of-stock.pay.48-240h", 300, id="48-240: 100 -> 1 -> min 2, + 3"
    ),
    pytest.param(
        240 * H,
        48 * H + S,
        5000,
        200,
        "out-of-stock.pay.48-240h",
        300,
        id="48-240: 2 + 50 x3% = 1.50 -> min 3",
    ),
    pytest.param(
        240 * H, 48 * H + S, 1000, 200, "out-of-stock.pay.48-240h", 300, id="48-240: 2 + 10 x3% -> min 3"
    ),
    pytest.param(
        240 * H,
        48 * H + S,
        900000,
        5000,
        "out-of-stock.pay.48-240h",
        5000,
        id="48-240: 90 -> 50, + 270 -> 50",
    ),
    pytest.param(
        72 * H,
        50 * H,
        168300,
        1700,
        "out-of-stock.pay.48-240h",
        5000,
        id="48-240: 1683 x1% = 16.83 -> 17, + 50.49 -> 50",
    ),
    pytest.param(
        240 * H + S,
        48 * H + S,
        15000,
        300,
        "out-of-stock.pay.gt240h",
        800,
        id="gt240: 1.50 -> 2 -> min 3, + 150 x5% = 7.50 -> 8",
    ),
    pytest.param(
        240 * H + S, 48 * H + S, 14999, 300, "out-of-stock.pay.gt240h", 700, id="gt240: 3 + 7.4995 -> 7"
    ),
    pytest.param(
        240 * H + S, 48 * H + S, 1000, 300, "out-of-stock.pay.gt240h", 500, id="gt240: 3 + 0.50 -> min 5"
    ),
    pytest.param(
        240 * H + S, 48 * H + S, 9900, 300, "out-of-stock.pay.gt240h", 500, id="gt240: 3 + 99 x5% = 4.95 -> 5"
    ),
    pytest.param(
        240 * H + S, 48 * H + S, 11000, 300, "out-of-stock.pay.gt240h", 600, id="gt240: 3 + 5.50 -> 6"
    ),
    pytest.param(
        500 * H, 1000 * H, 100000, 1000, "out-of-stock.pay.gt240h", 5000, id="gt240: 1000 x1% = 10, + 50"
    ),
    pytest.param(
        500 * H,
        1000 * H,
        101000,
        1000,
        "out-of-stock.pay.gt240h",
        5000,
        id="gt240: 10.10 -> 10, + 50.50 -> 51 -> max 50",
    ),
]


@pytest.mark.parametrize("promise, late, paid_fen, late_fen, oos_clause, oos_fen", OVER_48)
def test_douyin_aJoPPkWZ7VQM_over48_column_is_out_of_stock_not_paid_twice(
    douyin, promise, late, paid_fen, late_fen, oos_clause, oos_fen
):
    """Regression: more than 48 h late used to pay the second column as a late-ship rate AND the
    out-of-stock deduction: the same column twice. Now: the first column's cell (late-ship) plus
    the out-of-stock cell, each once, each with its own clause and source."""
    bracket = oos_clause.rsplit(".", 1)[1]
    for quote in (
        shipped_quote(douyin, paid_fen, promise, late),
        unshipped_quote(douyin, paid_fen, promise, late),
    ):
        assert parts(quote) == [
            ("late_ship", f"late-ship.{bracket}.within48", late_fen),
            ("out_of_stock", oos_clause, oos_fen),
        ]
        assert quote.amount_fen == late_fen + oos_fen
        assert [p.clause.source for p in quote.parts] == [DOUYIN_SRC, OUT_OF_STOCK_SRC]
        assert quote.parts[1].trigger.id == "out-of-stock.unshipped-48h-after-late"
        assert quote.final is True
        assert "late-ship" not in quote.parts[1].clause.id
        assert f"late-ship.{bracket}.over48" in quote.parts[1].explanation_en  # the column it stands for


def test_the_over48_column_names_the_out_of_stock_clause_that_pays_it(douyin):
    """The late-ship table's second column (kind late_ship_over48) and the out-of-stock table
    are one thing: each bracket's column names the out-of-stock clause with the same cells, and
    its 48 h is the out-of-stock trigger's."""
    trigger = douyin.one("out_of_stock", PAID_AT, trigger="unshipped_after_late")
    for at, source in ((PAID_AT, DOUYIN_SRC), (datetime(2026, 8, 9, 2, 0, tzinfo=UTC), DOUYIN_EARLIER_SRC)):
        columns = douyin.in_force("late_ship_over48", at)
        assert {c.id for c in columns} == {
            "late-ship.le48h.over48",
            "late-ship.48-240h.over48",
            "late-ship.gt240h.over48",
        }
        for column in columns:
            assert column.source == source and column.get("late_min_h") == trigger.get("hours") == 48
            paid_by = douyin.clause(column.get("paid_by"))
            assert paid_by.kind == "logistics_compensation" and paid_by.get("rule") == "out_of_stock"
            assert (paid_by.get("promise_min_h"), paid_by.get("promise_max_h")) == (
                column.get("promise_min_h") or None,
                column.get("promise_max_h"),
            )
            assert column.get("rate_bp") is None  # the column pays nothing itself


@pytest.mark.parametrize(
    "promise, bracket",
    [
        (S, "le48h"),
        (48 * H, "le48h"),
        (48 * H + S, "48-240h"),
        (240 * H, "48-240h"),
        (240 * H + S, "gt240h"),
        (10_000 * H, "gt240h"),
    ],
)
@pytest.mark.parametrize(
    "late, out_of_stock", [(S, False), (48 * H, False), (48 * H + S, True), (10_000 * H, True)]
)
def test_douyin_bracket_boundaries(douyin, promise, bracket, late, out_of_stock):
    """promise_min < promise <= promise_max; out of stock strictly after 48 h late."""
    quote = shipped_quote(douyin, 15000, promise, late)
    assert quote.parts[0].clause.id == f"late-ship.{bracket}.within48"
    assert [p.clause.id for p in quote.parts[1:]] == ([f"out-of-stock.pay.{bracket}"] if out_of_stock else [])


@pytest.mark.parametrize("promise", [S, 24 * H, 48 * H, 48 * H + S, 72 * H, 240 * H, 240 * H + S, 500 * H])
@pytest.mark.parametrize("late", [timedelta(0), -S, -10 * H])
def test_douyin_on_time_is_no_quote(douyin, promise, late):
    assert shipped_quote(douyin, 15000, promise, late) is None
    assert unshipped_quote(douyin, 15000, promise, late) is None


def test_lateness_runs_to_the_shipped_time_not_to_now(douyin):
    # shipped 10 h late; evaluated 30 days later it is still only the late-ship cell
    quote = shipped_quote(douyin, 15000, 72 * H, 10 * H)
    assert parts(quote) == [("late_ship", "late-ship.48-240h.within48", 200)]


def test_design_worked_example_explanation(douyin):
    """Paid 150.00, promise 72 h, shipped 50 h late: 1% = 1.50 -> 2 (late-ship) and 3% = 4.50 -> 5
    (out of stock), 7 yuan in all; not 5 + 5."""
    quote = shipped_quote(douyin, 15000, 72 * H, 50 * H)
    assert quote.amount_fen == 700
    assert quote.parts[0].explanation_en == (
        "paid 150.00, promise 72 h, shipped 50 h late → clause late-ship.48-240h.within48 "
        "1% = 1.50 → rounded half-up 2 yuan [douyin:aJoPPkWZ7VQM]"
    )
    assert quote.parts[1].explanation_en == (
        "out of stock: paid 150.00, promise 72 h, shipped 50 h late, more than 48 h after the ship-by time "
        "(out-of-stock.unshipped-48h-after-late [douyin:aHwHGWzbmk88], the late-ship table's column over 48 "
        "h: "
        "late-ship.48-240h.over48 [douyin:aJoPPkWZ7VQM]) → clause out-of-stock.pay.48-240h 3% = 4.50 → "
        "rounded half-up "
        "5 yuan [douyin:aHwHGWzbmk88]"
    )
    assert quote.explanation_en.endswith("; 7.00 yuan in all")
    assert "四舍五入 2 元" in quote.explanation and "四舍五入 5 元" in quote.explanation
    assert quote.explanation.endswith("合计7.00元")


def test_explanation_of_a_minimum(douyin):
    quote = shipped_quote(douyin, 1000, 48 * H, 50 * H)
    assert quote.amount_fen == 200
    assert quote.parts[0].explanation_en == (
        "paid 10.00, promise 48 h, shipped 50 h late → clause late-ship.le48h.within48: no compensation"
    )
    assert quote.parts[1].explanation_en.endswith(
        "→ clause out-of-stock.pay.le48h 1% = 0.10 → rounded half-up 0 → limited to 2 (min 2.00, max 50.00) "
        "yuan "
        "[douyin:aHwHGWzbmk88]"
    )
    assert "按上下限取 2" in quote.explanation


def test_explanation_of_a_maximum(douyin):
    quote = shipped_quote(douyin, 900000, 72 * H, 50 * H)
    assert [p.amount_fen for p in quote.parts] == [5000, 5000]
    assert quote.parts[0].explanation_en == (
        "paid 9000.00, promise 72 h, shipped 50 h late → clause late-ship.48-240h.within48 "
        "1% = 90.00 → rounded half-up 90 → limited to 50 (min 2.00, max 50.00) yuan [douyin:aJoPPkWZ7VQM]"
    )


def test_explanation_of_an_unshipped_order(douyin):
    quote = unshipped_quote(douyin, 15000, 72 * H, 30 * H + 15 * 60 * S)
    assert quote.explanation_en == (
        "paid 150.00, promise 72 h, not shipped, 30 h 15 min late so far → clause "
        "late-ship.48-240h.within48 1% = 1.50 → rounded half-up 2 yuan [douyin:aJoPPkWZ7VQM]"
    )
    assert "尚未发货" in quote.explanation


# --- `final`: can an unshipped order still earn a part? ----------------------------------------


@pytest.mark.parametrize(
    "promise, late, amounts, final",
    [
        (48 * H, H, [0], False),
        (48 * H, 48 * H, [0], False),
        (48 * H, 48 * H + S, [0, 200], True),
        (72 * H, H, [200], False),
        (72 * H, 48 * H, [200], False),
        (72 * H, 48 * H + S, [200, 500], True),
        (300 * H, 10 * H, [300], False),
        (300 * H, 100 * H, [300, 800], True),
    ],
)
def test_douyin_unshipped_finality(douyin, promise, late, amounts, final):
    quote = unshipped_quote(douyin, 15000, promise, late)
    assert [p.amount_fen for p in quote.parts] == amounts
    assert quote.final is final
    assert quote.inputs["shipped_at"] is None


@pytest.mark.parametrize("promise, late", [(48 * H, H), (72 * H, H), (300 * H, 10 * H)])
def test_douyin_shipped_is_always_final(douyin, promise, late):
    assert shipped_quote(douyin, 15000, promise, late).final is True


def test_pending_parts_say_what_more_may_come(douyin):
    """For the order page: before ship-by, the late-ship cell from one second after it; then the
    out-of-stock cell from one second past ship-by + 48 h ("若48小时后仍未发货，将按缺货再赔 ¥5")."""
    ship_by = PAID_AT + 72 * H
    before = pending_parts(douyin, paid_fen=15000, paid_at=PAID_AT, ship_by_at=ship_by, now=PAID_AT)
    assert [(w, p.rule, p.amount_fen) for w, p in before] == [
        (ship_by + S, "late_ship", 200),
        (ship_by + 48 * H + S, "out_of_stock", 500),
    ]
    late = pending_parts(douyin, paid_fen=15000, paid_at=PAID_AT, ship_by_at=ship_by, now=ship_by + 5 * H)
    assert [(w, p.clause.id, p.amount_fen) for w, p in late] == [
        (ship_by + 48 * H + S, "out-of-stock.pay.48-240h", 500)
    ]
    assert (
        pending_parts(douyin, paid_fen=15000, paid_at=PAID_AT, ship_by_at=ship_by, now=ship_by + 49 * H) == []
    )


# --- next_check_after -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "promise, expected",
    [
        (24 * H, datetime(2026, 9, 4, 2, 0, 1, tzinfo=UTC)),  # ship-by 09-02 02:00 + 48 h + 1 s
        (48 * H, datetime(2026, 9, 5, 2, 0, 1, tzinfo=UTC)),
        (72 * H, datetime(2026, 9, 6, 2, 0, 1, tzinfo=UTC)),
        (240 * H, datetime(2026, 9, 13, 2, 0, 1, tzinfo=UTC)),
        (300 * H, datetime(2026, 9, 15, 14, 0, 1, tzinfo=UTC)),  # ship-by 09-13 14:00
    ],
)
def test_douyin_next_check_after(douyin, promise, expected):
    assert next_check_after(douyin, paid_at=PAID_AT, ship_by_at=PAID_AT + promise) == expected


@pytest.mark.parametrize("promise", [24 * H, 72 * H, 300 * H])
def test_next_check_is_where_the_out_of_stock_part_starts(douyin, promise):
    check = next_check_after(douyin, paid_at=PAID_AT, ship_by_at=PAID_AT + promise)
    assert check == PAID_AT + promise + 48 * H + S
    before = quote_late_ship(
        douyin, paid_fen=15000, paid_at=PAID_AT, ship_by_at=PAID_AT + promise, shipped_at=None, now=check - S
    )
    at = quote_late_ship(
        douyin, paid_fen=15000, paid_at=PAID_AT, ship_by_at=PAID_AT + promise, shipped_at=None, now=check
    )
    assert [p.rule for p in before.parts] == ["late_ship"] and before.final is False
    assert [p.rule for p in at.parts] == ["late_ship", "out_of_stock"] and at.final is True


def test_taobao_next_check_is_none(taobao):
    # Taobao pays any lateness the same: no bracket boundary to wait for.
    assert next_check_after(taobao, paid_at=PAID_AT, ship_by_at=PAID_AT + 48 * H) is None
    assert next_check_after(taobao, paid_at=PAID_AT, ship_by_at=PAID_AT + 72 * H) is None


def test_douyin_before_2026_08_10_the_earlier_version_checks_the_same_boundary(douyin):
    paid = datetime(2026, 8, 1, 2, 0, tzinfo=UTC)
    assert next_check_after(douyin, paid_at=paid, ship_by_at=paid + 72 * H) == paid + 120 * H + S


# --- Taobao: any lateness pays -----------------------------------------------------------------

TAOBAO_CELLS = [
    # promise <= 48 h: 1%, min 3, max 30
    pytest.param(48 * H, S, 15000, "late-ship.le48h", 300, id="le48: 1s late, 150 x1% = 1.50 -> 2 -> min 3"),
    pytest.param(24 * H, H, 45000, "late-ship.le48h", 500, id="le48: 450 x1% = 4.50 -> 5"),
    pytest.param(48 * H, 100 * H, 44999, "late-ship.le48h", 400, id="le48: 449.99 x1% = 4.4999 -> 4"),
    pytest.param(48 * H, 48 * H + S, 300000, "late-ship.le48h", 3000, id="le48: 3000 x1% = 30"),
    pytest.param(48 * H, 1000 * H, 500000, "late-ship.le48h", 3000, id="le48: 5000 x1% = 50 -> max 30"),
    pytest.param(S, S, 1000, "late-ship.le48h", 300, id="le48: 10 x1% -> min 3"),
    # promise > 48 h: 5%, min 5, max 30
    pytest.param(
        48 * H + S, S, 15000, "late-ship.gt48h", 800, id="gt48: promise 48h+1s, 150 x5% = 7.50 -> 8"
    ),
    pytest.param(72 * H, H, 14999, "late-ship.gt48h", 700, id="gt48: 149.99 x5% = 7.4995 -> 7"),
    pytest.param(72 * H, 100 * H, 1000, "late-ship.gt48h", 500, id="gt48: 10 x5% = 0.50 -> 1 -> min 5"),
    pytest.param(240 * H + S, S, 60000, "late-ship.gt48h", 3000, id="gt48: 600 x5% = 30"),
    pytest.param(500 * H, 1000 * H, 100000, "late-ship.gt48h", 3000, id="gt48: 1000 x5% = 50 -> max 30"),
    pytest.param(72 * H, H, 61000, "late-ship.gt48h", 3000, id="gt48: 610 x5% = 30.50 -> 31 -> max 30"),
]


@pytest.mark.parametrize("promise, late, paid_fen, clause_id, amount_fen", TAOBAO_CELLS)
def test_taobao_cell(taobao, promise, late, paid_fen, clause_id, amount_fen):
    quote = shipped_quote(taobao, paid_fen, promise, late)
    assert quote.clause.id == clause_id
    assert quote.clause.source == TAOBAO_SRC
    assert quote.amount_fen == amount_fen
    assert quote.final is True
    en = FINAL_AMOUNT_EN.search(quote.explanation_en)
    assert en and int(en.group(1)) * 100 == amount_fen and en.group(2) == TAOBAO_SRC
    assert clause_id in quote.explanation


@pytest.mark.parametrize("promise", [S, 24 * H, 48 * H, 48 * H + S, 72 * H, 500 * H])
def test_taobao_any_lateness_pays_and_is_final(taobao, promise):
    quote = unshipped_quote(taobao, 15000, promise, S)
    assert quote.amount_fen > 0
    assert quote.amount_fen == (300 if promise <= 48 * H else 800)
    assert quote.final is True


@pytest.mark.parametrize("late", [timedelta(0), -S])
def test_taobao_on_time_is_no_quote(taobao, late):
    assert shipped_quote(taobao, 15000, 48 * H, late) is None
    assert unshipped_quote(taobao, 15000, 72 * H, late) is None


# --- effective date: orders paid before 2026-08-10 say which clause applies ---------------------


@pytest.mark.parametrize(
    "paid",
    [
        datetime(2026, 8, 9, 2, 0, tzinfo=UTC),  # 2026-08-09 10:00 Shanghai
        datetime(2026, 8, 9, 15, 59, 59, tzinfo=UTC),  # 2026-08-09 23:59:59 Shanghai
        datetime(2024, 3, 1, 2, 0, tzinfo=UTC),
    ],
)
def test_douyin_order_paid_before_2026_08_10_gets_the_earlier_version_not_no_clause(douyin, paid):
    """Regression: an order paid before the 2026-08-10 table used to get "no clause". The version
    it revised (douyin:aHwH9wK4Je2N) has the same table and says the same: late-ship cell, and
    out of stock more than 48 h late (二(2) "按照【缺货/无货】违规订单赔付标准")."""
    quote = shipped_quote(douyin, 15000, 72 * H, 50 * H, paid_at=paid)
    assert parts(quote) == [
        ("late_ship", "late-ship.48-240h.within48", 200),
        ("out_of_stock", "out-of-stock.pay.48-240h", 500),
    ]
    assert [p.clause.source for p in quote.parts] == [DOUYIN_EARLIER_SRC, OUT_OF_STOCK_SRC]
    assert "no clause" not in quote.explanation_en
    assert next_check_after(douyin, paid_at=paid, ship_by_at=paid + 72 * H) == paid + 120 * H + S


def test_douyin_order_paid_on_the_effective_day_in_shanghai_morning(douyin):
    paid = datetime(2026, 8, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    quote = shipped_quote(douyin, 15000, 72 * H, 50 * H, paid_at=paid)
    assert [p.clause.source for p in quote.parts] == [DOUYIN_SRC, OUT_OF_STOCK_SRC]
    assert quote.amount_fen == 700


def test_douyin_effective_date_is_a_beijing_date_for_utc_paid_at(douyin):
    """Stored times are UTC; the effective date 2026-08-10 is the platform's (Beijing) day."""
    paid = datetime(2026, 8, 9, 16, 30, tzinfo=UTC)  # 2026-08-10 00:30 Shanghai
    assert shipped_quote(douyin, 15000, 72 * H, 50 * H, paid_at=paid).clause.source == DOUYIN_SRC
    before = datetime(2026, 8, 9, 15, 59, 59, tzinfo=UTC)  # 2026-08-09 23:59:59 Shanghai
    assert shipped_quote(douyin, 15000, 72 * H, 50 * H, paid_at=before).clause.source == DOUYIN_EARLIER_SRC


# A sweep asks for the same clause, amount and promise over and over: Rulebook.remember keeps what
# a part says after the order's own facts, per (day, promise, amount). A quote must come out the
# same from that memo as computed afresh on a copy of the book with an empty memo.
@settings(max_examples=300, deadline=None)
@given(
    paid_fen=st.integers(min_value=1, max_value=2_000_000),
    promise_h=st.sampled_from([24, 48, 72, 240, 241, 360]),
    late_s=st.integers(min_value=1, max_value=20 * 86_400),
    shipped=st.booleans(),
    days=st.integers(min_value=-40, max_value=40),  # either side of 2026-08-10's new version
    name=st.sampled_from(["douyin", "taobao"]),
)
def test_a_remembered_quote_is_the_quote_computed_afresh(paid_fen, promise_h, late_s, shipped, days, name):
    book = load(name)
    quote = shipped_quote if shipped else unshipped_quote
    args = (paid_fen, timedelta(hours=promise_h), timedelta(seconds=late_s), PAID_AT + timedelta(days=days))
    remembered = [quote(book, *args) for _ in range(2)]  # the second from the memo
    assert remembered[0] == remembered[1] == quote(dataclasses.replace(book), *args)
