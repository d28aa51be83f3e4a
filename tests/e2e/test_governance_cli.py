"""`pledge report governance --from --to --json`: the transparency figures counted from the
records, the same as the /transparency page; bad dates are a readable error, never a traceback."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from pledge.bootstrap import build
from pledge.catalog.tables import skus
from pledge.config import Settings
from pledge.governance import penalties
from pledge.kernel.clock import FixedClock
from tests.e2e.test_cli import assert_readable_failure, run, var_dir  # noqa: F401 (fixture)
from tests.support import World

AT = datetime(2026, 9, 1, 4, 0, tzinfo=UTC)  # 12:00 in Beijing


def test_report_governance_counts_a_suspension_in_its_period(var_dir):  # noqa: F811
    app = build(Settings(var_dir=var_dir), clock=FixedClock(AT))
    world = World(app)
    shop_id, owner = world.shop("大乐水果")
    sku = world.product(owner, shop_id, title="赣南脐橙 5斤")
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    reviewer = world.user("审核员", platform_role="reviewer")
    order = penalties.PenaltyOrder(shop_id, "governance.false-advertising", "虚假宣传", "", product_id)
    with app.uow.begin() as c:
        for _ in range(5):  # the fifth case suspends the shop for 3 days
            penalties.impose(c, reviewer, order, book=app.rulebook, at=AT)
    app.uow.engine.dispose()
    result = run(
        "report", "governance", "--from", "2026-09-01", "--to", "2026-09-01", "--json", var_dir=var_dir
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["start"] == figures["end"] == "2026-09-01"
    assert figures["shops_suspended"] == 1 and figures["appeals_filed"] == 0
    assert figures["median_decision_seconds"] is None


def test_report_governance_bad_dates_are_readable(var_dir):  # noqa: F811
    assert_readable_failure(
        run("report", "governance", "--from", "2026-13-01", "--to", "2026-09-01", var_dir=var_dir),
        "is not a date",
    )
    assert_readable_failure(
        run("report", "governance", "--from", "2026-09-02", "--to", "2026-09-01", var_dir=var_dir),
        "end comes before",
    )


def test_calendar_add_list_remove_and_bad_input_is_readable(var_dir):  # noqa: F811
    added = run("calendar", "add", "2031-01-01", "--note", "测试假日", var_dir=var_dir)
    assert added.returncode == 0, added.stderr
    worked = run("calendar", "add", "2031-01-04", "--note", "测试调休", "--workday", var_dir=var_dir)
    assert worked.returncode == 0, worked.stderr
    listed = run("calendar", "list", var_dir=var_dir)
    assert listed.stdout.splitlines() == ["2031-01-01\tholiday\t测试假日", "2031-01-04\tworkday\t测试调休"]
    assert run("calendar", "remove", "2031-01-01", var_dir=var_dir).returncode == 0
    assert_readable_failure(run("calendar", "remove", "2031-01-01", var_dir=var_dir), "not in the calendar")
    assert_readable_failure(
        run("calendar", "add", "2031-02-30", "--note", "x", var_dir=var_dir), "is not a date"
    )
    assert_readable_failure(run("calendar", "add", "2031-02-03", "--note", " ", var_dir=var_dir), "note")
