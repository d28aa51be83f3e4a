"""Trust & safety over HTTP: a buyer reports a listing, a reviewer reads the queue and the item's
evidence and decides it once (a second decision is a 409 problem that changes nothing); a penalty
shows on the merchant's page in words with an appeal form; the merchant appeals (after the window:
a clear error); the transparency page and API count what happened; an operator cuts a live stream
from the page and every viewer's stream is told it ended."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from pledge.catalog.tables import skus
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, page_login, snapshot
from tests.e2e.test_live_api import go_live, open_room

LADDER = "governance.false-advertising"


def _staff(app, world, client, role="reviewer"):
    who = world.user("审核员", platform_role=role)
    return who, bearer(api_token(client, email_of(app, who.user_id)))


def _listing(app, world, client):
    shop_id, owner = world.shop("大乐水果")
    sku = world.product(owner, shop_id, title="赣南脐橙 5斤")
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    return shop_id, owner, product_id


def test_report_queue_decide_once_over_the_api(app, world, client):
    shop_id, _, product_id = _listing(app, world, client)
    buyer = bearer(api_token(client, email_of(app, world.user("买家").user_id)))
    reported = client.post(
        "/api/v1/governance/reports",
        json={"subject": "listing", "subject_id": product_id, "reason": "宣称“全网最甜”"},
        headers=buyer,
    )
    assert reported.status_code == 201, reported.text
    assert_problem(client.get("/api/v1/governance/queue", headers=buyer), 403)
    _, reviewer = _staff(app, world, client)
    (item,) = client.get("/api/v1/governance/queue", headers=reviewer).json()
    assert (item["subject"], item["subject_id"], item["shop_id"]) == ("listing", product_id, shop_id)
    assert "全网最甜" in client.get(f"/api/v1/governance/items/{item['id']}", headers=reviewer).json()["text"]
    body = {"decision": "remove", "note": "夸大宣传", "clause": "moderation.absolute-terms"}
    done = client.post(f"/api/v1/governance/items/{item['id']}/decision", json=body, headers=reviewer)
    assert done.status_code == 200 and done.json()["status"] == "removed"
    before = snapshot(app)
    again = client.post(f"/api/v1/governance/items/{item['id']}/decision", json=body, headers=reviewer)
    assert assert_problem(again, 409)["code"] == "conflict"
    assert snapshot(app) == before
    bad = client.post(
        f"/api/v1/governance/items/{item['id']}/decision",
        json={"decision": "maybe", "note": "x"},
        headers=reviewer,
    )
    assert_problem(bad, 422)


def test_a_penalty_reaches_the_merchant_page_and_is_appealed_within_the_window(app, world, client, clock):
    shop_id, owner, product_id = _listing(app, world, client)
    _, reviewer = _staff(app, world, client)
    order = {"shop_id": shop_id, "clause": LADDER, "reason": "宣称“全网最甜”无依据", "product_id": product_id}
    first = client.post("/api/v1/governance/penalties", json=order, headers=reviewer)
    second = client.post("/api/v1/governance/penalties", json=order, headers=reviewer)
    assert first.status_code == second.status_code == 201, first.text
    merchant = bearer(api_token(client, email_of(app, owner.user_id)))
    listed = client.get(f"/api/v1/governance/shops/{shop_id}/penalties", headers=merchant).json()
    assert [p["actions"][0]["kind"] for p in listed] == ["listing_removed", "listing_removed"]
    page_login(client, email_of(app, owner.user_id), f"/merchant/shops/{shop_id}/penalties")
    page = client.get(f"/merchant/shops/{shop_id}/penalties")
    assert page.status_code == 200 and "商品下架" in page.text and "宣称“全网最甜”无依据" in page.text
    assert 'data-testid="appeal-form"' in page.text
    appealed = client.post(
        f"/api/v1/governance/penalties/{first.json()['id']}/appeal",
        json={"reason": "已提供检测报告"},
        headers=merchant,
    )
    assert appealed.status_code == 201, appealed.text
    clock.advance(timedelta(days=8))
    late = client.post(
        f"/api/v1/governance/penalties/{second.json()['id']}/appeal",
        json={"reason": "晚了"},
        headers=merchant,
    )
    assert "appeal window closed" in assert_problem(late, 409)["detail"]
    report = client.get(
        "/api/v1/governance/transparency", params={"start": "2026-01-01", "end": "2026-12-31"}
    )
    assert report.status_code == 200, report.text
    assert report.json()["appeals_filed"] == 1


def test_an_operator_cuts_a_stream_from_the_page_and_viewers_are_told(app, world, client):
    r = open_room(app, world, client)
    room_id = r["room"]["id"]
    session = go_live(client, room_id, r["host"])
    operator, _ = _staff(app, world, client, role="operator")
    events = []
    app.hub.publish = lambda room, kind, data: events.append((room, kind, data))  # what viewers are sent
    csrf = page_login(client, email_of(app, operator.user_id), "/operator/live")
    page = client.get("/operator/live")
    assert (
        f'data-testid="live-session-{session["session_id"] if "session_id" in session else session["id"]}"'
        in page.text
    )
    session_id = session["session_id"] if "session_id" in session else session["id"]
    cut = client.post(
        f"/operator/live/{session_id}/cut",
        data={"csrf_token": csrf, "reason": "直播间售卖违禁品", "clause": "moderation.prohibited.weapons"},
        follow_redirects=False,
    )
    assert cut.status_code == 303, cut.text
    assert (room_id, "ended", {"session_id": session_id, "status": "cut"}) in events
    assert client.get("/transparency?start=2026-01-01&end=2026-12-31").status_code == 200
    assert 'data-testid="sessions_cut">1<' in client.get("/transparency?start=2026-01-01&end=2026-12-31").text


def test_a_reported_live_comment_a_reviewer_removes_leaves_every_viewer_at_once(app, world, client):
    r = open_room(app, world, client)
    room_id = r["room"]["id"]
    go_live(client, room_id, r["host"])
    author = bearer(api_token(client, email_of(app, world.user("小林").user_id)))
    said = client.post(
        f"/api/v1/live/rooms/{room_id}/comments", json={"text": "加我私聊买便宜的"}, headers=author
    )
    assert said.status_code == 201, said.text
    comment_id = said.json()["id"]
    assert [c["id"] for c in client.get(f"/api/v1/live/rooms/{room_id}/comments").json()] == [comment_id]
    viewer = bearer(api_token(client, email_of(app, world.user("小周").user_id)))
    reported = client.post(
        "/api/v1/governance/reports",
        json={"subject": "comment", "subject_id": comment_id, "reason": "引导私下交易"},
        headers=viewer,
    )
    assert reported.status_code == 201, reported.text
    _, reviewer = _staff(app, world, client)
    (item,) = client.get("/api/v1/governance/queue", headers=reviewer).json()
    assert (item["subject"], item["subject_id"]) == ("comment", comment_id)
    events = []
    app.hub.publish = lambda room, kind, data: events.append((room, kind, data))  # what viewers are sent
    body = {"decision": "remove", "note": "引导私下交易", "clause": "moderation.offensive-comments"}
    done = client.post(f"/api/v1/governance/items/{item['id']}/decision", json=body, headers=reviewer)
    assert done.status_code == 200, done.text
    assert (done.json()["hidden_comment"], done.json()["cut_session"]) == (comment_id, None)
    assert events == [(room_id, "hidden", {"id": comment_id})]
    assert client.get(f"/api/v1/live/rooms/{room_id}/comments").json() == []
