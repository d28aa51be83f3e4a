"""Late-ship compensation, cell by cell, from the tables as published.

Douyin, effective 2026-08-10 (douyin:aJoPPkWZ7VQM, table at the end of the text):

    promise \\ late           late <= 48 h             late > 48 h
    promise <= 48 h           none                     1% (min 2, max 50)
    48 h < promise <= 240 h   1% (min 2, max 50)       3% (min 3, max 50)
    promise > 240 h           1% (min 3, max 50)       5% (min 5, max 50)

Taobao 2025-09 (tmall:10000177), any lateness: promise <= 48 h 1% (3-30); > 48 h 5% (5-30).
Amounts round half-up to whole yuan (douyin:aHwH9wK4JUHQ: 150 x 5% = 7.5 -> 8). Every expected
amount below is worked out by hand in the comment beside it."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from pledge.guarantees.policy import next_check_after, quote_late_ship
from pledge.rulebooks.loader import load

UTC = timezone.utc
PAID_AT = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)   # 10:00 Shanghai, after 2026-08-10
H = timedelta(hours=1)
S = timedelta(seconds=1)
DOUYIN_SRC = "douyin:aJoPPkWZ7VQM"
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
    return quote_late_ship(book, paid_fen=paid_fen, paid_at=paid_at, ship_by_at=ship_by_at,
                           shipped_at=shipped_at, now=shipped_at + timedelta(days=30))


def unshipped_quote(book, paid_fen, promise, late, paid_at=PAID_AT):
    ship_by_at = paid_at + promise
    return quote_late_ship(book, paid_fen=paid_fen, paid_at=paid_at, ship_by_at=ship_by_at,
                           shipped_at=None, now=ship_by_at + late)


FINAL_AMOUNT_EN = re.compile(r"(\d+)(?: \([^)]*\))? yuan \[([^\]]+)\]$")
FINAL_AMOUNT_ZH = re.compile(r"(\d+)(?:（[^）]*）)? 元 \[([^\]]+)\]$")


# --- Douyin: every cell, at its boundaries ----------------------------------------------------

DOUYIN_CELLS = [
    # promise <= 48 h, late <= 48 h: nothing
    pytest.param(48 * H, S, 15000, "late-ship.le48h.within48", 0, id="le48/within48: promise 48h, 1s late"),
    pytest.param(48 * H, 48 * H, 15000, "late-ship.le48h.within48", 0, id="le48/within48: promise 48h, late 48h"),
    pytest.param(24 * H, 10 * H, 900000, "late-ship.le48h.within48", 0, id="le48/within48: 9000 yuan still 0"),
    pytest.param(S, S, 15000, "late-ship.le48h.within48", 0, id="le48/within48: promise 1s"),
    # promise <= 48 h, late > 48 h: 1%, min 2, max 50
    pytest.param(48 * H, 48 * H + S, 15000, "late-ship.le48h.over48", 200, id="le48/over48: 150 x1% = 1.50 -> 2"),
    pytest.param(48 * H, 48 * H + S, 1000, "late-ship.le48h.over48", 200, id="le48/over48: 10 x1% = 0.10 -> 0 -> min 2"),
    pytest.param(24 * H, 50 * H, 35000, "late-ship.le48h.over48", 400, id="le48/over48: 350 x1% = 3.50 -> 4"),
    pytest.param(24 * H, 50 * H, 34999, "late-ship.le48h.over48", 300, id="le48/over48: 349.99 x1% = 3.4999 -> 3"),
    pytest.param(48 * H, 1000 * H, 500000, "late-ship.le48h.over48", 5000, id="le48/over48: 5000 x1% = 50"),
    pytest.param(48 * H, 48 * H + S, 510000, "late-ship.le48h.over48", 5000, id="le48/over48: 5100 x1% = 51 -> max 50"),
    # 48 h < promise <= 240 h, late <= 48 h: 1%, min 2, max 50
    pytest.param(48 * H + S, S, 15000, "late-ship.48-240h.within48", 200, id="48-240/within48: promise 48h+1s, 150 -> 2"),
    pytest.param(48 * H + S, 48 * H, 25000, "late-ship.48-240h.within48", 300, id="48-240/within48: 250 x1% = 2.50 -> 3"),
    pytest.param(240 * H, 48 * H, 24999, "late-ship.48-240h.within48", 200, id="48-240/within48: promise 240h, 2.4999 -> 2"),
    pytest.param(240 * H, H, 1000, "late-ship.48-240h.within48", 200, id="48-240/within48: 10 x1% -> min 2"),
    pytest.param(72 * H, H, 900000, "late-ship.48-240h.within48", 5000, id="48-240/within48: 9000 x1% = 90 -> max 50"),
    # 48 h < promise <= 240 h, late > 48 h: 3%, min 3, max 50
    pytest.param(72 * H, 50 * H, 15000, "late-ship.48-240h.over48", 500, id="48-240/over48: 150 x3% = 4.50 -> 5"),
    pytest.param(48 * H + S, 48 * H + S, 14900, "late-ship.48-240h.over48", 400, id="48-240/over48: 149 x3% = 4.47 -> 4 (>= min 3)"),
    pytest.param(72 * H, 1000 * H, 14999, "late-ship.48-240h.over48", 400, id="48-240/over48: 149.99 x3% = 4.4997 -> 4"),
    pytest.param(240 * H, 48 * H + S, 10000, "late-ship.48-240h.over48", 300, id="48-240/over48: 100 x3% = 3"),
    pytest.param(240 * H, 48 * H + S, 5000, "late-ship.48-240h.over48", 300, id="48-240/over48: 50 x3% = 1.50 -> 2 -> min 3"),
    pytest.param(240 * H, 48 * H + S, 1000, "late-ship.48-240h.over48", 300, id="48-240/over48: 10 x3% = 0.30 -> min 3"),
    pytest.param(240 * H, 48 * H + S, 900000, "late-ship.48-240h.over48", 5000, id="48-240/over48: 9000 x3% = 270 -> max 50"),
    pytest.param(72 * H, 50 * H, 168300, "late-ship.48-240h.over48", 5000, id="48-240/over48: 1683 x3% = 50.49 -> 50"),
    # promise > 240 h, late <= 48 h: 1%, min 3, max 50
    pytest.param(240 * H + S, S, 15000, "late-ship.gt240h.within48", 300, id="gt240/within48: 150 x1% = 1.50 -> 2 -> min 3"),
    pytest.param(240 * H + S, 48 * H, 45000, "late-ship.gt240h.within48", 500, id="gt240/within48: 450 x1% = 4.50 -> 5"),
    pytest.param(240 * H + S, 48 * H, 44999, "late-ship.gt240h.within48", 400, id="gt240/within48: 449.99 x1% = 4.4999 -> 4"),
    pytest.param(500 * H, H, 25000, "late-ship.gt240h.within48", 300, id="gt240/within48: 250 x1% = 2.50 -> 3"),
    pytest.param(500 * H, H, 900000, "late-ship.gt240h.within48", 5000, id="gt240/within48: 9000 x1% = 90 -> max 50"),
    # promise > 240 h, late > 48 h: 5%, min 5, max 50
    pytest.param(240 * H + S, 48 * H + S, 15000, "late-ship.gt240h.over48", 800, id="gt240/over48: 150 x5% = 7.50 -> 8"),
    pytest.param(240 * H + S, 48 * H + S, 14999, "late-ship.gt240h.over48", 700, id="gt240/over48: 149.99 x5% = 7.4995 -> 7"),
    pytest.param(240 * H + S, 48 * H + S, 1000, "late-ship.gt240h.over48", 500, id="gt240/over48: 10 x5% = 0.50 -> 1 -> min 5"),
    pytest.param(240 * H + S, 48 * H + S, 9900, "late-ship.gt240h.over48", 500, id="gt240/over48: 99 x5% = 4.95 -> 5"),
    pytest.param(240 * H + S, 48 * H + S, 11000, "late-ship.gt240h.over48", 600, id="gt240/over48: 110 x5% = 5.50 -> 6"),
    pytest.param(500 * H, 1000 * H, 100000, "late-ship.gt240h.over48", 5000, id="gt240/over48: 1000 x5% = 50"),
    pytest.param(500 * H, 1000 * H, 101000, "late-ship.gt240h.over48", 5000, id="gt240/over48: 1010 x5% = 50.50 -> 51 -> max 50"),
]


@pytest.mark.parametrize("promise, late, paid_fen, clause_id, amount_fen", DOUYIN_CELLS)
def test_douyin_cell(douyin, promise, late, paid_fen, clause_id, amount_fen):
    quote = shipped_quote(douyin, paid_fen, promise, late)
    assert quote is not None
    assert quote.clause is not None
    assert quote.clause.id == clause_id
    assert quote.clause.source == DOUYIN_SRC
    assert quote.amount_fen == amount_fen
    assert quote.final is True            # shipped: nothing can change any more
    assert clause_id in quote.explanation_en
    assert clause_id in quote.explanation
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
        assert int(en.group(1)) * 100 == amount_fen
        assert int(zh.group(1)) * 100 == amount_fen
        assert en.group(2) == zh.group(2) == DOUYIN_SRC


@pytest.mark.parametrize("promise, bracket", [
    (S, "le48h"), (48 * H, "le48h"),
    (48 * H + S, "48-240h"), (240 * H, "48-240h"),
    (240 * H + S, "gt240h"), (10_000 * H, "gt240h"),
])
@pytest.mark.parametrize("late, column", [
    (S, "within48"), (48 * H, "within48"), (48 * H + S, "over48"), (10_000 * H, "over48"),
])
def test_douyin_bracket_boundaries(douyin, promise, bracket, late, column):
    """promise_min < promise <= promise_max and late_min < late <= late_max, at the edges."""
    quote = shipped_quote(douyin, 15000, promise, late)
    assert quote.clause.id == f"late-ship.{bracket}.{column}"


@pytest.mark.parametrize("promise", [S, 24 * H, 48 * H, 48 * H + S, 72 * H, 240 * H, 240 * H + S, 500 * H])
@pytest.mark.parametrize("late", [timedelta(0), -S, -10 * H])
def test_douyin_on_time_is_no_quote(douyin, promise, late):
    assert shipped_quote(douyin, 15000, promise, late) is None
    assert unshipped_quote(douyin, 15000, promise, late) is None


def test_lateness_runs_to_the_shipped_time_not_to_now(douyin):
    # shipped 10 h late; evaluated 30 days later it is still the "late <= 48 h" cell
    quote = shipped_quote(douyin, 15000, 72 * H, 10 * H)
    assert quote.clause.id == "late-ship.48-240h.within48"
    assert quote.amount_fen == 200


def test_design_worked_example_explanation(douyin):
    """DESIGN.md: paid 150.00, promise 72 h, shipped 50 h late -> 3% = 4.50 -> 5 yuan."""
    quote = shipped_quote(douyin, 15000, 72 * H, 50 * H)
    assert quote.amount_fen == 500
    assert quote.explanation_en == (
        "paid 150.00, promise 72 h, shipped 50 h late → clause late-ship.48-240h.over48 "
        "3% = 4.50 → rounded half-up 5 yuan [douyin:aJoPPkWZ7VQM]")
    assert "150.00" in quote.explanation
    assert "late-ship.48-240h.over48" in quote.explanation
    assert "四舍五入 5 元" in quote.explanation


def test_explanation_of_a_minimum(douyin):
    quote = shipped_quote(douyin, 1000, 48 * H, 50 * H)
    assert quote.amount_fen == 200
    assert quote.explanation_en == (
        "paid 10.00, promise 48 h, shipped 50 h late → clause late-ship.le48h.over48 "
        "1% = 0.10 → rounded half-up 0 → limited to 2 (min 2.00, max 50.00) yuan [douyin:aJoPPkWZ7VQM]")
    assert "按上下限取 2" in quote.explanation


def test_explanation_of_a_maximum(douyin):
    quote = shipped_quote(douyin, 900000, 72 * H, 50 * H)
    assert quote.amount_fen == 5000
    assert quote.explanation_en == (
        "paid 9000.00, promise 72 h, shipped 50 h late → clause late-ship.48-240h.over48 "
        "3% = 270.00 → rounded half-up 270 → limited to 50 (min 3.00, max 50.00) yuan [douyin:aJoPPkWZ7VQM]")


def test_explanation_of_an_unshipped_order(douyin):
    quote = unshipped_quote(douyin, 15000, 72 * H, 30 * H + 15 * 60 * S)
    assert quote.explanation_en == (
        "paid 150.00, promise 72 h, not shipped, 30 h 15 min late so far → clause "
        "late-ship.48-240h.within48 1% = 1.50 → rounded half-up 2 yuan [douyin:aJoPPkWZ7VQM]")
    assert "尚未发货" in quote.explanation


# --- `final`: can an unshipped order still move to a costlier bracket? -------------------------

@pytest.mark.parametrize("promise, late, clause_id, amount_fen, final", [
    (48 * H, H, "late-ship.le48h.within48", 0, False),
    (48 * H, 48 * H, "late-ship.le48h.within48", 0, False),
    (48 * H, 48 * H + S, "late-ship.le48h.over48", 200, True),
    (72 * H, H, "late-ship.48-240h.within48", 200, False),
    (72 * H, 48 * H, "late-ship.48-240h.within48", 200, False),
    (72 * H, 48 * H + S, "late-ship.48-240h.over48", 500, True),
    (300 * H, 10 * H, "late-ship.gt240h.within48", 300, False),
    (300 * H, 100 * H, "late-ship.gt240h.over48", 800, True),
])
def test_douyin_unshipped_finality(douyin, promise, late, clause_id, amount_fen, final):
    quote = unshipped_quote(douyin, 15000, promise, late)
    assert quote.clause.id == clause_id
    assert quote.amount_fen == amount_fen
    assert quote.final is final
    assert quote.inputs["shipped_at"] is None


@pytest.mark.parametrize("promise, late", [(48 * H, H), (72 * H, H), (300 * H, 10 * H)])
def test_douyin_shipped_is_always_final(douyin, promise, late):
    assert shipped_quote(douyin, 15000, promise, late).final is True


# --- next_check_after -------------------------------------------------------------------------

@pytest.mark.parametrize("promise, expected", [
    (24 * H, datetime(2026, 9, 4, 2, 0, 1, tzinfo=UTC)),     # ship-by 09-02 02:00 + 48 h + 1 s
    (48 * H, datetime(2026, 9, 5, 2, 0, 1, tzinfo=UTC)),
    (72 * H, datetime(2026, 9, 6, 2, 0, 1, tzinfo=UTC)),
    (240 * H, datetime(2026, 9, 13, 2, 0, 1, tzinfo=UTC)),
    (300 * H, datetime(2026, 9, 15, 14, 0, 1, tzinfo=UTC)),  # ship-by 09-13 14:00
])
def test_douyin_next_check_after(douyin, promise, expected):
    assert next_check_after(douyin, paid_at=PAID_AT, ship_by_at=PAID_AT + promise) == expected


@pytest.mark.parametrize("promise", [24 * H, 72 * H, 300 * H])
def test_next_check_is_where_the_quote_changes_bracket(douyin, promise):
    check = next_check_after(douyin, paid_at=PAID_AT, ship_by_at=PAID_AT + promise)
    assert check == PAID_AT + promise + 48 * H + S
    before = quote_late_ship(douyin, paid_fen=15000, paid_at=PAID_AT, ship_by_at=PAID_AT + promise,
                             shipped_at=None, now=check - S)
    at = quote_late_ship(douyin, paid_fen=15000, paid_at=PAID_AT, ship_by_at=PAID_AT + promise,
                         shipped_at=None, now=check)
    assert before.clause.id.endswith(".within48") and before.final is False
    assert at.clause.id.endswith(".over48") and at.final is True


def test_taobao_next_check_is_none(taobao):
    # Taobao pays any lateness the same: no bracket boundary to wait for.
    assert next_check_after(taobao, paid_at=PAID_AT, ship_by_at=PAID_AT + 48 * H) is None
    assert next_check_after(taobao, paid_at=PAID_AT, ship_by_at=PAID_AT + 72 * H) is None


def test_douyin_before_the_table_took_effect_has_nothing_to_check(douyin):
    paid = datetime(2026, 8, 1, 2, 0, tzinfo=UTC)
    assert next_check_after(douyin, paid_at=paid, ship_by_at=paid + 72 * H) is None


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
    pytest.param(48 * H + S, S, 15000, "late-ship.gt48h", 800, id="gt48: promise 48h+1s, 150 x5% = 7.50 -> 8"),
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


# --- effective date ------------------------------------------------------------------------------

def test_douyin_order_paid_before_the_table_took_effect_gets_no_clause(douyin):
    paid = datetime(2026, 8, 9, 2, 0, tzinfo=UTC)        # 2026-08-09 10:00 Shanghai
    quote = shipped_quote(douyin, 15000, 72 * H, 50 * H, paid_at=paid)
    assert quote.amount_fen == 0
    assert quote.clause is None
    assert "no clause" in quote.explanation_en


def test_douyin_order_paid_on_the_effective_day_in_shanghai_morning(douyin):
    paid = datetime(2026, 8, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    quote = shipped_quote(douyin, 15000, 72 * H, 50 * H, paid_at=paid)
    assert quote.clause.id == "late-ship.48-240h.over48"
    assert quote.amount_fen == 500


def test_douyin_effective_date_is_a_beijing_date_for_utc_paid_at(douyin):
    """Stored times are UTC; the effective date 2026-08-10 is the platform's (Beijing) day."""
    paid = datetime(2026, 8, 9, 16, 30, tzinfo=UTC)      # 2026-08-10 00:30 Shanghai
    quote = shipped_quote(douyin, 15000, 72 * H, 50 * H, paid_at=paid)
    assert quote.clause is not None and quote.clause.id == "late-ship.48-240h.over48"
    assert quote.amount_fen == 500
    assert next_check_after(douyin, paid_at=paid, ship_by_at=paid + 72 * H) == paid + 120 * H + S


def test_douyin_last_utc_instant_before_the_beijing_effective_day(douyin):
    paid = datetime(2026, 8, 9, 15, 59, 59, tzinfo=UTC)  # 2026-08-09 23:59:59 Shanghai
    quote = shipped_quote(douyin, 15000, 72 * H, 50 * H, paid_at=paid)
    assert quote.clause is None and quote.amount_fen == 0
    assert next_check_after(douyin, paid_at=paid, ship_by_at=paid + 72 * H) is None
