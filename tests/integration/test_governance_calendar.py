"""Working days for the appeal answer deadline (douyin:101706: "平台将在收到申诉申请的5个工作日内给予商家
申诉结果"): Monday to Friday, except the public holidays and make-up workdays operators record
(`pledge calendar`). Pledge ships no dates; the dates below are the test's own, not a real notice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from pledge.governance import calendar
from pledge.governance.policy import answer_due_at
from pledge.governance.tables import governance_appeals, governance_calendar
from pledge.kernel.errors import InvalidInput
from tests.integration.test_governance_appeals import file, penalised  # noqa: F401

FRIDAY_EVENING = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # Friday 20:00 in Beijing


def _clause(app):
    return app.rulebook.one("appeal_window", app.clock.now())


def test_recorded_holidays_are_not_working_days_and_make_up_workdays_are(app):
    # the test's own calendar: Monday 30 Nov and Tuesday 1 Dec off, Sunday 29 Nov worked instead
    days = {date(2026, 11, 30): False, date(2026, 12, 1): False, date(2026, 11, 29): True}
    due = answer_due_at(_clause(app), FRIDAY_EVENING, "Asia/Shanghai", days)
    # working days after Friday: Sun 29, Wed 2, Thu 3, Fri 4, Mon 7 -> the end of Monday 7 December
    assert due == datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
    assert answer_due_at(_clause(app), FRIDAY_EVENING, "Asia/Shanghai", {}) == datetime(
        2026, 12, 4, 16, 0, tzinfo=UTC
    )


def test_the_calendar_ships_empty(app):
    with app.uow.read() as c:
        assert c.execute(select(governance_calendar.c.day)).first() is None


def test_an_appeal_filed_before_recorded_holidays_is_due_after_them(app, world, clock, penalised):  # noqa: F811
    start = app.clock.now().astimezone(ZoneInfo(app.rulebook.timezone)).date()
    with app.uow.begin() as c:
        for offset in range(1, 8):  # the test's own week of holidays right after filing
            calendar.set_day(
                c, start + timedelta(days=offset), working=False, note="测试假期", at=app.clock.now()
            )
    with app.uow.read() as c:
        plain = answer_due_at(_clause(app), app.clock.now(), app.rulebook.timezone)
        with_holidays = answer_due_at(
            _clause(app), app.clock.now(), app.rulebook.timezone, calendar.ahead(c, start)
        )
    assert with_holidays > plain
    file(app, penalised["owner"], penalised["penalty_id"])
    with app.uow.read() as c:
        due = c.execute(select(governance_appeals.c.due_at)).scalar_one()
    assert due == with_holidays


def test_recording_a_day_again_replaces_it_and_a_note_is_required(app):
    day = date(2031, 1, 1)
    with app.uow.begin() as c:
        calendar.set_day(c, day, working=False, note="元旦", at=app.clock.now())
        calendar.set_day(c, day, working=True, note="调休上班", at=app.clock.now())
    with app.uow.read() as c:
        assert calendar.listed(c) == [{"day": day, "working": True, "note": "调休上班"}]
    with pytest.raises(InvalidInput, match="note"), app.uow.begin() as c:
        calendar.set_day(c, date(2031, 1, 2), working=False, note="  ", at=app.clock.now())
