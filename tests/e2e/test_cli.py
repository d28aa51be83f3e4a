"""The `pledge` command as a user runs it: a subprocess with its own environment, exit codes,
JSON on stdout, readable one-line errors on stderr and never a traceback."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pledge.bootstrap import build
from pledge.config import Settings
from pledge.kernel.clock import FixedClock
from tests.conftest import migrated_sqlite
from tests.support import World

SCRIPT = Path(sys.executable).with_name("pledge")
PLEDGE = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "pledge.cli.main"]


# A server or worker outside demo mode needs secrets of its own (issue 11): these are only tests'.
SECRETS = {
    "PLEDGE_SECRET_KEY": "cli-test-secret-key-of-forty-characters!",
    "PLEDGE_PAYMENT_SECRET": "cli-test-payment-secret-forty-characters",
}


def run(
    *args: str,
    var_dir: Path | None = None,
    demo: bool = False,
    timeout: float = 120,
    extra_env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLEDGE_")} | (extra_env or {})
    env["COLUMNS"] = "200"  # keep Rich from wrapping error messages mid-sentence
    if var_dir is not None:
        env["PLEDGE_VAR_DIR"] = str(var_dir)
    if demo:
        env["PLEDGE_DEMO_MODE"] = "1"
    return subprocess.run(
        [*PLEDGE, *args], capture_output=True, text=True, env=env, timeout=timeout, cwd=var_dir or Path.cwd()
    )


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def assert_readable_failure(result: subprocess.CompletedProcess, says: str, code: int = 2) -> None:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    assert says in one_line(result.stderr), result.stderr
    assert result.stdout == ""


@pytest.fixture
def var_dir(tmp_path, sqlite_template) -> Path:
    """A var directory whose database is migrated (a copy of the worker's template: migrating
    from empty, as the test below does, takes seconds)."""
    migrated_sqlite(sqlite_template, tmp_path)
    return tmp_path


def test_db_upgrade_migrates_an_empty_var_dir_and_says_where(tmp_path):
    upgraded = run("db", "upgrade", var_dir=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "latest schema" in upgraded.stdout and str(tmp_path) in upgraded.stdout
    assert (tmp_path / "pledge.sqlite3").stat().st_size > 0
    again = run("db", "upgrade", var_dir=tmp_path)
    assert again.returncode == 0 and "latest schema" in again.stdout, again.stderr


# ---------------------------------------------------------------- quotes (no database)


@pytest.mark.parametrize(
    "paid_at, ship_by",
    [
        ("2026-09-01T15:59:59", "2026-09-01T23:59:59+08:00"),  # before the 16:00 cut-off: today
        ("2026-09-01T16:00:00", "2026-09-02T23:59:59+08:00"),  # at the cut-off: the next day
    ],
)
def test_quote_ship_by_same_day_cutoff(paid_at, ship_by):
    result = run(
        "quote", "ship-by", "--rulebook", "douyin", "--promise", "same-day", "--paid-at", paid_at, "--json"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["ship_by"] == ship_by
    assert data["clause"] == "ship-promise.same-day"


def test_quote_ship_by_in_words():
    result = run("quote", "ship-by", "--promise", "48h", "--paid-at", "2026-09-01T10:00:00+08:00")
    assert result.returncode == 0, result.stderr
    assert one_line(result.stdout) == "ship by 2026-09-03T10:00:00+08:00 (ship-promise.hours, douyin:101706)"


def test_quote_ship_by_is_platform_time_whatever_the_shop_zone():
    """04:00 in New York is 16:00 in Beijing: after the same-day cut-off (douyin:101706)."""
    result = run(
        "quote",
        "ship-by",
        "--promise",
        "same-day",
        "--paid-at",
        "2026-09-01T04:00:00",
        "--tz",
        "America/New_York",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ship_by"] == "2026-09-02T23:59:59+08:00"


def test_quote_late_ship_douyin_aJoPPkWZ7VQM_over48_column_is_out_of_stock_not_paid_twice():
    """150.00 paid, promise 72 h, shipped 50 h late: the late-ship cell 1% = 1.50 -> 2 and the
    out-of-stock cell 3% = 4.50 -> 5, 7 yuan in all (it used to answer 5 here while the sweeps
    paid 5 + 5)."""
    result = run(
        "quote",
        "late-ship",
        "--rulebook",
        "douyin",
        "--promise",
        "72h",
        "--paid",
        "150.00",
        "--late",
        "50h",
        "--at",
        "2026-09-01T10:00:00+08:00",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["amount_fen"] == 700
    assert [(p["clause"], p["amount_fen"], p["source"]) for p in data["parts"]] == [
        ("late-ship.48-240h.within48", 200, "douyin:aJoPPkWZ7VQM"),
        ("out-of-stock.pay.48-240h", 500, "douyin:aHwHGWzbmk88"),
    ]
    assert data["clause"] == "late-ship.48-240h.within48"
    assert "3% = 4.50" in data["explanation"] and data["explanation"].endswith("7.00 yuan in all")


@pytest.mark.parametrize(
    "at, sources, amount",
    [
        (
            "2026-08-01T10:00:00",
            ["douyin:aHwH9wK4Je2N", "douyin:aHwHGWzbmk88"],
            700,
        ),  # the version before 2026-08-10
        (
            "2026-08-10T00:00:00",
            ["douyin:aJoPPkWZ7VQM", "douyin:aHwHGWzbmk88"],
            700,
        ),  # Beijing midnight: the new one
        ("2022-12-31T10:00:00+08:00", [], 0),  # before the rulebook starts
    ],
)
def test_quote_late_ship_at_picks_the_clauses_in_force_when_paid(at, sources, amount):
    result = run(
        "quote", "late-ship", "--promise", "72h", "--paid", "150.00", "--late", "50h", "--at", at, "--json"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert ([p["source"] for p in data["parts"]], data["amount_fen"]) == (sources, amount)


def test_quote_late_ship_in_words_and_on_time():
    words = run("quote", "late-ship", "--promise", "72h", "--paid", "150.00", "--late", "50h")
    assert words.returncode == 0 and one_line(words.stdout).startswith(
        "7.00 yuan — paid 150.00, promise 72 h"
    )
    within = run("quote", "late-ship", "--promise", "48h", "--paid", "19.90", "--late", "10h", "--json")
    assert (json.loads(within.stdout)["amount_fen"], json.loads(within.stdout)["parts"]) == (0, [])
    on_time = run("quote", "late-ship", "--promise", "48h", "--paid", "19.90", "--late", "0h", "--json")
    assert on_time.returncode == 0, on_time.stderr
    assert (json.loads(on_time.stdout)["amount_fen"], json.loads(on_time.stdout)["parts"]) == (0, [])


@pytest.mark.parametrize(
    "args, says",
    [
        (
            ["quote", "late-ship", "--promise", "xyz", "--paid", "150.00", "--late", "50h", "--json"],
            "not a promise: 'xyz'",
        ),
        (
            ["quote", "late-ship", "--promise", "72h", "--paid", "abc", "--late", "50h", "--json"],
            "not an amount in yuan",
        ),
        (
            ["quote", "late-ship", "--promise", "72h", "--paid=-5", "--late", "50h"],
            "not an amount in yuan (like 19.90): '-5'",
        ),
        (
            ["quote", "late-ship", "--promise", "72h", "--paid", "0", "--late", "50h"],
            "--paid must be a positive amount",
        ),
        (["quote", "late-ship", "--promise", "72h", "--paid", "150.00", "--late", "soon"], "not a duration"),
        (
            ["quote", "late-ship", "--promise", "same-day", "--paid", "150.00", "--late", "50h"],
            "give the promise as hours",
        ),
        (
            ["quote", "late-ship", "--rulebook", "nope", "--promise", "72h", "--paid", "1", "--late", "50h"],
            "no rulebook named 'nope'",
        ),
        (
            ["quote", "late-ship", "--promise", "72h", "--paid", "1", "--late", "50h", "--at", "last week"],
            "not an ISO-8601 time",
        ),
        (
            ["quote", "ship-by", "--promise", "xyz", "--paid-at", "2026-09-01T10:00:00", "--json"],
            "not a promise: 'xyz'",
        ),
        (["quote", "ship-by", "--promise", "same-day", "--paid-at", "yesterday"], "not an ISO-8601 time"),
        (
            [
                "quote",
                "ship-by",
                "--promise",
                "same-day",
                "--paid-at",
                "2026-09-01T10:00:00",
                "--tz",
                "Mars/Olympus",
            ],
            "unknown timezone 'Mars/Olympus'",
        ),
    ],
    ids=[
        "promise xyz",
        "paid abc",
        "paid negative",
        "paid zero",
        "late soon",
        "late-ship day promise",
        "unknown rulebook",
        "late-ship at not a time",
        "ship-by promise xyz",
        "paid-at not a time",
        "unknown timezone",
    ],
)
def test_bad_input_exits_2_with_a_readable_message(args, says):
    result = run(*args)
    assert_readable_failure(result, says)
    assert one_line(result.stderr).startswith("error:")


def test_missing_option_is_a_usage_error():
    result = run("quote", "late-ship", "--promise", "72h")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--paid" in result.stderr


# ---------------------------------------------------------------- the demo clock and the worker


def test_clock_advance_is_refused_outside_demo_mode(var_dir):
    result = run("clock", "advance", "2d", var_dir=var_dir)
    assert result.returncode != 0
    assert_readable_failure(result, "demo mode", code=result.returncode)


def test_clock_advance_moves_the_shared_clock_in_demo_mode(var_dir):
    before = datetime.now(UTC)
    result = run("clock", "advance", "2d", var_dir=var_dir, demo=True)
    assert result.returncode == 0, result.stderr
    assert "offset 2 days" in result.stdout
    shown = run("clock", "show", var_dir=var_dir, demo=True)
    assert shown.returncode == 0, shown.stderr
    now = datetime.fromisoformat(shown.stdout.strip())
    assert before + timedelta(days=2) <= now <= datetime.now(UTC) + timedelta(days=2, minutes=1)
    assert_readable_failure(run("clock", "advance", "xyz", var_dir=var_dir, demo=True), "not a duration")
    assert_readable_failure(run("clock", "advance", "0h", var_dir=var_dir, demo=True), "only moves forward")


def test_worker_once_prints_json_and_compensates_exactly_once(var_dir):
    """An order paid six days ago on a 72 h promise and never shipped is 72 h late today:
    `pledge worker --once` pays it (late-ship 1% of 150.00 = 1.50 -> 2 yuan, and more than 48 h late
    the out-of-stock 3% = 4.50 -> 5 yuan) and a second pass pays nothing."""
    paid_at = datetime.now(UTC) - timedelta(days=6)
    app = build(Settings(var_dir=var_dir), clock=FixedClock(paid_at))
    world = World(app)
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise="72h", price_fen=15000)
    world.paid_order(world.user(), sku)
    app.uow.engine.dispose()

    first = run("worker", "--once", var_dir=var_dir, extra_env=SECRETS)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["late_ship_compensated"] == 2 and report["late_ship_amount_fen"] == 700
    second = json.loads(run("worker", "--once", var_dir=var_dir, extra_env=SECRETS).stdout)
    assert second["late_ship_compensated"] == 0 and second["late_ship_amount_fen"] == 0
    # every step reports (other domains add their own keys); today's experience snapshots were
    # written by the first pass, so the second writes none
    assert {
        "cancelled_unpaid",
        "tracking_events",
        "late_ship_examined",
        "late_ship_compensated",
        "late_ship_amount_fen",
        "case_deadlines",
        "refunds_completed",
        "experience_snapshots",
    } <= set(second)
    assert report["experience_snapshots"] >= 1 and second["experience_snapshots"] == 0
    assert second["case_deadlines"] == {} and second["refunds_completed"] == 0


# ---------------------------------------------------------------- search


def test_search_reindex_rebuilds_the_documents_and_query_finds_by_synonym(var_dir):
    app = build(Settings(var_dir=var_dir), clock=FixedClock(datetime.now(UTC)))
    world = World(app)
    shop_id, owner = world.shop()
    world.product(owner, shop_id, title="A级向日葵 12枝")
    app.uow.engine.dispose()

    rebuilt = run("search", "reindex", var_dir=var_dir)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert json.loads(rebuilt.stdout) == {"product": 1, "shop": 1, "video": 0}
    found = run("search", "query", "太阳花", var_dir=var_dir)
    assert found.returncode == 0, found.stderr
    assert found.stdout.startswith("product ") and "A级向日葵 12枝" in found.stdout
    assert_readable_failure(run("search", "query", "花" * 101, var_dir=var_dir), "at most 100 characters")
    assert_readable_failure(run("search", "query", "花", "--kind", "live", var_dir=var_dir), "kind is one of")


# ---------------------------------------------------------------- simulate


def test_simulate_prints_a_json_summary_on_stdout_and_the_progress_on_stderr(var_dir):
    result = run(
        "simulate", "--shops", "1", "--days", "2", "--orders-per-day", "3", "--json", var_dir=var_dir
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["orders"] == 6 and summary["shops"] == 1 and summary["seed"] == 0
    assert {
        "paid",
        "shipped_late",
        "compensations",
        "compensation_fen",
        "cases",
        "refund_fen",
        "payouts",
    } <= set(summary)
    assert summary["wall_seconds"] > 0 and summary["orders_per_second"] > 0
    assert "Traceback" not in result.stderr
    again = run("simulate", "--shops", "1", "--days", "1", "--orders-per-day", "1", var_dir=var_dir)
    assert_readable_failure(again, "already holds the simulation with seed 0")


@pytest.mark.parametrize(
    "args, says",
    [
        (["--shops", "0"], "--shops must be a whole number of at least 1, not 0"),
        (["--days", "367"], "--days may be at most 366, not 367"),
        (["--orders-per-day=-5"], "--orders-per-day must be a whole number of at least 1, not -5"),
        (["--late-share", "2"], "--late-share is a share between 0 and 1"),
        (["--start", "soon"], "--start is a date like 2026-09-01"),
    ],
    ids=["no shops", "too many days", "negative orders", "late share over 1", "start not a date"],
)
def test_simulate_bad_input_exits_2_with_a_readable_message(var_dir, args, says):
    assert_readable_failure(run("simulate", *args, var_dir=var_dir), says)


def test_simulate_refuses_an_unmigrated_database(tmp_path):
    assert_readable_failure(run("simulate", var_dir=tmp_path), "run `pledge db upgrade` first")
