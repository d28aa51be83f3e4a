"""Backtests over an order history CSV: hand-checked rows, a generated history checked against
an independent implementation of the 2026-08-10 Douyin table written here, and bad files."""

from __future__ import annotations

import csv
import io
import json
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pledge.history.backtest import backtest
from pledge.history.csvfile import HistoryRejected, parse_rows, read_history
from pledge.kernel.errors import InvalidInput
from pledge.rulebooks.loader import load

UTC = UTC
RULES_AT = datetime(2026, 11, 1, tzinfo=UTC)
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "order-history.csv"
HEADER = ["order_id", "shop_id", "paid_at", "amount_paid", "ship_by", "promise", "buyer_id", "picked_up_at"]


def rows_of(text: str):
    reader = csv.DictReader(io.StringIO(text))
    return list(reader), list(reader.fieldnames)


def test_example_file_by_hand():
    orders, skipped = read_history(EXAMPLE)
    result = backtest(load("douyin"), orders, rules_at=RULES_AT)
    # A1002: 150.00, 72 h promise, picked up 50 h late -> late-ship 1% = 1.50 -> 2, and more than
    #        48 h late the out-of-stock deduction 3% = 4.50 -> 5: 7 yuan.
    # A1004: next-day (38.5 h promise), never picked up, 3 days late as of the file's end -> late-ship
    #        none (promise <= 48 h), out of stock 1% of 88 = 0.88 -> min 2.
    assert (result.orders, result.late, result.compensation_fen) == (5, 2, 900)
    assert {k: (v.orders, v.late, v.compensation_fen) for k, v in result.by_shop.items()} == {
        "xiaoaruan": (2, 1, 700),
        "dale": (2, 1, 200),
        "feilian": (1, 0, 0),
    }
    assert skipped == []


def _cell(paid_fen: int, rate: int, low: int, high: int) -> int:
    if rate == 0:
        return 0
    yuan = (paid_fen * rate + 500_000) // 1_000_000  # half-up to whole yuan
    return max(low, min(high, yuan * 100))


def independent_douyin(paid_fen: int, promise: timedelta, late: timedelta) -> int:
    """The douyin:aJoPPkWZ7VQM table, written out again without the rulebook machinery: the
    first column's cell once late, plus the second column (the out-of-stock deduction of
    douyin:aHwHGWzbmk88) once more than 48 h late."""
    if late <= timedelta(0):
        return 0
    if promise <= timedelta(hours=48):
        first, second = (0, 0, 0), (100, 200, 5000)
    elif promise <= timedelta(hours=240):
        first, second = (100, 200, 5000), (300, 300, 5000)
    else:
        first, second = (100, 300, 5000), (500, 500, 5000)
    return _cell(paid_fen, *first) + (_cell(paid_fen, *second) if late > timedelta(hours=48) else 0)


def test_generated_history_equals_an_independent_computation():
    rng = random.Random(7)
    start = datetime(2026, 8, 20, tzinfo=UTC)
    lines, expected, expected_late = [], {}, {}
    as_of = start + timedelta(days=40)
    for i in range(600):
        paid_at = start + timedelta(minutes=rng.randint(0, 20 * 24 * 60))
        promise = timedelta(hours=rng.choice([24, 48, 49, 72, 240, 241, 300]))
        ship_by = paid_at + promise
        fen = rng.randint(100, 1_500_000)
        shop = f"s{rng.randint(1, 7)}"
        picked = None if rng.random() < 0.15 else ship_by + timedelta(minutes=rng.randint(-3000, 6000))
        end = picked if picked is not None else as_of
        late = end - ship_by
        amount = independent_douyin(fen, promise, late)
        expected[shop] = expected.get(shop, 0) + amount
        expected_late[shop] = expected_late.get(shop, 0) + (late > timedelta(0))
        lines.append(
            [
                f"o{i}",
                shop,
                paid_at.isoformat(),
                f"{fen // 100}.{fen % 100:02d}",
                ship_by.isoformat(),
                "",
                "",
                picked.isoformat() if picked else "",
            ]
        )
    buf = io.StringIO()
    csv.writer(buf).writerows([HEADER] + lines)
    orders, _ = parse_rows(*rows_of(buf.getvalue()), "Asia/Shanghai")
    result = backtest(load("douyin"), orders, rules_at=RULES_AT, as_of=as_of)
    assert {k: v.compensation_fen for k, v in result.by_shop.items() if v.compensation_fen} == {
        k: v for k, v in expected.items() if v
    }
    assert {k: v.late for k, v in result.by_shop.items()} == expected_late
    assert result.compensation_fen == sum(expected.values())


def test_rules_at_decides_which_clauses_apply():
    text = (
        "order_id,shop_id,paid_at,amount_paid,ship_by,picked_up_at\n"
        "x,s,2019-01-01T10:00:00,150.00,2019-01-04T10:00:00,2019-01-06T12:00:00\n"
    )
    orders, _ = parse_rows(*rows_of(text), "Asia/Shanghai")
    today = backtest(load("douyin"), orders, rules_at=RULES_AT)
    earlier = backtest(load("douyin"), orders, rules_at=datetime(2026, 8, 9, tzinfo=UTC))
    before_table = backtest(load("douyin"), orders, rules_at=datetime(2022, 12, 31, tzinfo=UTC))
    assert today.compensation_fen == 700  # an old order judged by the rule in force now: 2 + 5
    assert earlier.compensation_fen == 700  # the version before 2026-08-10 (douyin:aHwH9wK4Je2N), same cells
    assert (before_table.late, before_table.compensation_fen) == (1, 0)  # before the rulebook starts


def test_taobao_buyer_daily_cap_applies_in_backtests():
    rows = ["order_id,shop_id,paid_at,amount_paid,promise,buyer_id,picked_up_at"]
    for i in range(5):  # five 1000-yuan orders, 72 h promise, all picked up late on the same day
        rows.append(f"t{i},s,2026-09-01T10:00:00,1000.00,72h,b1,2026-09-05T12:0{i}:00")
    orders, _ = parse_rows(*rows_of("\n".join(rows) + "\n"), "Asia/Shanghai")
    result = backtest(load("taobao"), orders, rules_at=RULES_AT)
    assert result.compensation_fen == 10000  # 5 x 30 capped at 100 yuan for one buyer and day


BAD = """order_id,shop_id,paid_at,amount_paid,promise
ok1,s,2026-09-01T10:00:00,10.00,48h
,s,2026-09-01T10:00:00,10.00,48h
bad-date,s,2026-13-01,10.00,48h
neg,s,2026-09-01T10:00:00,-5.00,48h
ok1,s,2026-09-01T10:00:00,10.00,48h
nopromise,s,2026-09-01T10:00:00,10.00,
"""


def test_every_bad_row_is_named():
    with pytest.raises(HistoryRejected) as info:
        parse_rows(*rows_of(BAD), "Asia/Shanghai")
    assert [(e.row, e.reason.split(" ")[0]) for e in info.value.errors] == [
        (3, "order_id"),
        (4, "paid_at"),
        (5, "not"),
        (6, "duplicate"),
        (7, "give"),
    ]
    orders, skipped = parse_rows(*rows_of(BAD), "Asia/Shanghai", skip_bad_rows=True)
    assert [o.order_id for o in orders] == ["ok1"] and len(skipped) == 5


def test_missing_required_column_is_refused():
    with pytest.raises(InvalidInput, match="lacks required column"):
        parse_rows(
            *rows_of("order_id,shop_id,paid_at,promise\n1,s,2026-09-01T10:00:00,48h\n"), "Asia/Shanghai"
        )


def run_cli(*args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("pledge")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=60)


def test_cli_json_and_compare(tmp_path):
    done = run_cli(
        "backtest",
        "--rulebook",
        "douyin",
        "--orders",
        str(EXAMPLE),
        "--rules-at",
        "2026-11-01T00:00:00+00:00",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["rulebook"], data["orders"], data["late"], data["compensation_fen"]) == ("douyin", 5, 2, 900)
    assert data["by_shop"]["xiaoaruan"] == {"orders": 2, "late": 1, "compensation_fen": 700}
    both = run_cli(
        "backtest", "--rulebook", "douyin", "--compare", "taobao", "--orders", str(EXAMPLE), "--json"
    )
    assert [r["compensation_fen"] for r in json.loads(both.stdout)["rulebooks"]] == [900, 1100]
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD, encoding="utf-8")
    refused = run_cli("backtest", "--rulebook", "douyin", "--orders", str(bad), "--json")
    assert refused.returncode == 2 and "row 3" in refused.stderr and "Traceback" not in refused.stderr
