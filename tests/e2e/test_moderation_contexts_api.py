"""Issue 14, checks where content enters (over HTTP, SQLite and PostgreSQL): reviews and chat
messages pass the `comment` check (blocked: refused with a 422 naming the clause, nothing
written; review: stored and held from everyone but the author), live room and session titles
pass the `live` check, and a shop checks transcript lines of its session (nothing stored)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from pledge.governance.tables import governance_items
from pledge.orders.tables import order_lines
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, snapshot
from tests.e2e.test_aftersales_api import delivered_order
from tests.e2e.test_live_api import HLS, go_live, open_room

INSULT = "黑鬼都该死"  # the offensive-comment classifier blocks it (moderation.offensive-comments)
POLITICAL = "五毛党5毛党又来了"  # a political term: review in every context (moderation.prohibited.political)
SEXUAL = "18禁好物"  # a sexual term: blocked in every context (moderation.prohibited.sexual)


def token(app, client, actor) -> dict:
    return bearer(api_token(client, email_of(app, actor.user_id)))


def reviewed_line(app, world, client):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, title="A级向日葵 12枝")
    buyer = world.user("小林")
    _order_id, line_id = delivered_order(app, buyer, owner, sku, hours_ago=1)
    with app.uow.read() as conn:
        product_id = conn.execute(
            select(order_lines.c.product_id).where(order_lines.c.id == line_id)
        ).scalar_one()
    return {"buyer": token(app, client, buyer), "line_id": line_id, "product_id": product_id}


def refusals(app) -> list[tuple[str, str, str]]:
    """The reviewer queue's records of refused texts: (subject, status, clause)."""
    g = governance_items.c
    with app.uow.read() as conn:
        return [tuple(r) for r in conn.execute(select(g.subject, g.status, g.clause).order_by(g.id))]


def without_refusals(rows: dict) -> dict:
    return {name: r for name, r in rows.items() if name != "governance_items"}


def test_a_review_that_insults_is_refused_writes_nothing_and_is_recorded_blocked_at_once(app, world, client):
    r = reviewed_line(app, world, client)
    before = snapshot(app)
    problem = assert_problem(
        client.post(
            "/api/v1/reviews",
            json={"order_line_id": r["line_id"], "stars": 1, "body": INSULT},
            headers=r["buyer"],
        ),
        422,
    )
    assert problem["clause"] == "moderation.offensive-comments"
    assert without_refusals(snapshot(app)) == without_refusals(before)
    # in the queue the moment the 422 is answered: nothing is left to a background writer
    assert refusals(app) == [("review", "blocked", "moderation.offensive-comments")]


def test_a_review_the_checks_send_to_review_is_kept_from_the_product_page(app, world, client):
    r = reviewed_line(app, world, client)
    product_id = r["product_id"]
    posted = client.post(
        "/api/v1/reviews",
        json={"order_line_id": r["line_id"], "stars": 2, "body": POLITICAL},
        headers=r["buyer"],
    )
    assert posted.status_code == 201, posted.text
    public = client.get(f"/api/v1/products/{product_id}/reviews").json()
    assert (public["count"], public["reviews"]) == (0, [])
    edited = client.put(
        f"/api/v1/reviews/{posted.json()['id']}",
        json={"stars": 4, "body": "花很新鲜，包装也好"},
        headers=r["buyer"],
    )
    assert edited.status_code == 200, edited.text
    public = client.get(f"/api/v1/products/{product_id}/reviews").json()
    assert [(x["stars"], x["body"]) for x in public["reviews"]] == [(4, "花很新鲜，包装也好")]


def chat_between(app, world, client):
    shop_id, owner = world.shop("小阿阮鲜花")
    buyer = world.user("小林")
    b, s = token(app, client, buyer), token(app, client, owner)
    opened = client.post(f"/api/v1/shops/{shop_id}/conversations", json={}, headers=b)
    assert opened.status_code in (200, 201), opened.text
    return opened.json()["id"], b, s


def test_a_chat_message_held_for_review_reaches_only_its_author(app, world, client):
    conversation_id, buyer, shop = chat_between(app, world, client)
    url = f"/api/v1/conversations/{conversation_id}/messages"
    held = client.post(url, json={"body": POLITICAL}, headers=buyer)
    assert held.status_code == 201, held.text
    assert held.json()["held"] is True
    fine = client.post(url, json={"body": "花今天能发货吗？"}, headers=buyer)
    assert fine.json()["held"] is False
    seen_by_shop = client.get(f"/api/v1/conversations/{conversation_id}", headers=shop).json()
    assert [m["body"] for m in seen_by_shop["messages"]] == ["花今天能发货吗？"]
    seen_by_buyer = client.get(f"/api/v1/conversations/{conversation_id}", headers=buyer).json()
    assert [(m["body"], m["held"]) for m in seen_by_buyer["messages"]] == [
        (POLITICAL, True),
        ("花今天能发货吗？", False),
    ]


def test_a_blocked_chat_message_is_refused_writes_nothing_and_is_recorded_blocked(app, world, client):
    conversation_id, buyer, shop = chat_between(app, world, client)
    before = snapshot(app)
    for who, text in ((buyer, INSULT), (shop, SEXUAL)):
        problem = assert_problem(
            client.post(
                f"/api/v1/conversations/{conversation_id}/messages", json={"body": text}, headers=who
            ),
            422,
        )
        assert problem["clause"].startswith("moderation.")
    assert without_refusals(snapshot(app)) == without_refusals(before)
    assert refusals(app) == [
        ("chat_message", "blocked", "moderation.offensive-comments"),
        ("chat_message", "blocked", "moderation.prohibited.sexual"),
    ]


def test_live_titles_pass_the_live_check(app, world, client):
    r = open_room(app, world, client)
    room_id = r["room"]["id"]
    before = snapshot(app)
    shop_url = f"/api/v1/shops/{r['shop_id']}/live/rooms"
    refused = client.post(shop_url, json={"title": SEXUAL, "promise": "48h"}, headers=r["host"])
    assert assert_problem(refused, 422)["clause"] == "moderation.prohibited.sexual"
    starts = (app.clock.now() + timedelta(days=1)).isoformat()
    announce = client.post(
        f"/api/v1/live/rooms/{room_id}/sessions",
        json={"title": SEXUAL, "starts_at": starts},
        headers=r["host"],
    )
    assert_problem(announce, 422)
    start = client.post(
        f"/api/v1/live/rooms/{room_id}/start", json={"playback_url": HLS, "title": SEXUAL}, headers=r["host"]
    )
    assert_problem(start, 422)
    assert snapshot(app) == before
    # an absolute claim is only sent to review in a live title: the room opens
    ok = client.post(shop_url, json={"title": "全网第一的花房", "promise": "48h"}, headers=r["host"])
    assert ok.status_code == 201, ok.text


def test_a_shop_checks_transcript_lines_of_its_session(app, world, client):
    r = open_room(app, world, client)
    session = go_live(client, r["room"]["id"], r["host"])
    url = f"/api/v1/live/sessions/{session['id']}/transcript"
    before = snapshot(app)
    answer = client.post(
        url, json={"lines": ["今天的向日葵开得好", "全网第一的向日葵", SEXUAL]}, headers=r["host"]
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["verdict"] == "block"
    assert [(x["line"], x["verdict"]) for x in body["lines"]] == [(1, "allow"), (2, "review"), (3, "block")]
    assert body["lines"][1]["clause"] == "moderation.absolute-terms"
    assert body["lines"][1]["hits"][0]["category"].find("absolute") >= 0
    assert snapshot(app) == before  # nothing stored
    for bad in ([], [""], ["好" * 501], "一行", [1]):
        assert_problem(client.post(url, json={"lines": bad}, headers=r["host"]), 422)
