"""The operators' working-day calendar on the pages (douyin:101706 "5个工作日"): an operator records
a holiday and sees it in words; a bad day is refused in words and changes nothing; only operators
may change it; removing a day that is not recorded is a 404."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from pledge.governance.calendar import listed
from tests.e2e.conftest import email_of, page_login, snapshot
from tests.e2e.test_experience_pages import english_words

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _signed_in(app, world, client, role):
    who = world.user("运营", platform_role=role)
    pages = TestClient(client.app, follow_redirects=False)
    page_login(pages, email_of(app, who.user_id), "/")
    return pages


def _token(pages) -> str:
    found = CSRF.search(pages.get("/").text)
    assert found
    return found.group(1)


def test_an_operator_records_a_holiday_and_removes_it(app, world, client):
    pages = _signed_in(app, world, client, "operator")
    token = _token(pages)
    added = pages.post(
        "/operator/calendar", data={"csrf_token": token, "day": "2026-10-01", "note": "国庆节"}
    )
    assert added.status_code == 303
    page = pages.get("/operator/calendar", params={"lang": "zh_CN"})
    assert "2026年10月1日 · 节假日" in page.text and "国庆节" in page.text
    assert not english_words(page.text), english_words(page.text)
    with app.uow.read() as c:
        assert [(d["day"].isoformat(), d["working"]) for d in listed(c)] == [("2026-10-01", False)]
    before = snapshot(app)
    bad = pages.post("/operator/calendar", data={"csrf_token": token, "day": "2026-13-01", "note": "错日"})
    assert bad.status_code == 422 and "<h1" in bad.text
    missing = pages.post("/operator/calendar/2026-10-02/remove", data={"csrf_token": token})
    assert missing.status_code == 404
    assert snapshot(app) == before
    gone = pages.post("/operator/calendar/2026-10-01/remove", data={"csrf_token": token})
    assert gone.status_code == 303
    with app.uow.read() as c:
        assert listed(c) == []


def test_only_operators_change_the_calendar(app, world, client):
    pages = _signed_in(app, world, client, "reviewer")
    token = _token(pages)
    before = snapshot(app)
    assert pages.get("/operator/calendar").status_code == 403
    refused = pages.post(
        "/operator/calendar", data={"csrf_token": token, "day": "2026-10-01", "note": "国庆节"}
    )
    assert refused.status_code == 403
    assert snapshot(app) == before
