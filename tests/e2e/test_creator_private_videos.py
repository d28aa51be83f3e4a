"""A creator's video made private by a penalty (视频自见, "visible to its author only",
douyin:aJoHtKQ6kLcq): the creator still finds it on their console with the label 仅自己可见 and the
penalty's reason, opens its page (nothing sells from it, no play or like is counted) and plays its
MP4 and poster, by page session or by token; anyone else — another user, another creator, a
visitor — gets 404 from the page, the JSON and both files, and the feed, search and the creator's
public showcase never show it. An upheld appeal publishes it again, searchable again."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pledge.creators import services as creators
from pledge.governance import creator_penalties as cp
from pledge.governance import creator_reversal
from pledge.reach.recording import BehaviourEvent, EventKind, Subject
from pledge.videos.tables import videos
from tests.e2e.conftest import api_token, bearer, email_of, page_login
from tests.e2e.test_creator_videos_pages import market  # noqa: F401 (the fixture)
from tests.e2e.test_feed_pages import trained
from tests.integration.test_videos import MP4, POSTER

TITLE = "向日葵插瓶教程"
REASON = "宣称向日葵可保鲜一个月，与商品详情不符"


@pytest.fixture
def private(app, world, client, market):  # noqa: F811
    """花花姐 publishes a video from the form; a reviewer's penalty makes it private (tier 1 of a
    video violation: warning, product off the cart, 视频自见). The client is her page session."""
    csrf = page_login(client, email_of(app, market["creator"].user_id), "/creator/videos/new")
    product_id = market["florist"]["product_id"]
    resp = client.post(
        "/creator/videos",
        data={"csrf_token": csrf, "title": TITLE, "product_ids": str(product_id)},
        files={"video": ("v.mp4", MP4, "video/mp4"), "poster": ("p.jpg", POSTER, "image/jpeg")},
        follow_redirects=False,
    )
    assert resp.status_code == 303, resp.text
    video_id = int(resp.headers["location"].rsplit("/", 1)[1])
    reviewer = world.user("审核员", platform_role="reviewer")
    violation = cp.Violation(
        creator_id=market["creator_id"],
        clause_id="creator.false-advertising",
        ref="V-1",
        scene="video",
        subject_id=video_id,
        product_id=product_id,
        reason=REASON,
    )
    return dict(market, video_id=video_id, reviewer=reviewer, violation=violation, csrf=csrf)


def make_private(app, s) -> int:
    with app.uow.begin() as c:
        decided = cp.record_violation(c, s["reviewer"], s["violation"], book=app.rulebook, at=app.clock.now())
        status = c.execute(select(videos.c.status).where(videos.c.id == s["video_id"])).scalar_one()
    assert status == "private"
    return decided.penalty_id


def main_of(html: str) -> str:
    return html.split("<main>")[-1].split("</main>")[0]


def words_of(main: str) -> str:
    """The page's own words: markup and the users' text (titles, names, reasons) left out."""
    return re.sub(r"<[^>]+>", "", re.sub(r"<(\w+)[^>]*data-user-text[^>]*>.*?</\1>", "", main, flags=re.S))


def urls(video_id: int) -> list[str]:
    return [
        f"/videos/{video_id}",
        f"/api/v1/videos/{video_id}",
        f"/api/v1/videos/{video_id}/file",
        f"/api/v1/videos/{video_id}/poster",
    ]


def test_the_creator_sees_her_private_video_on_the_console_with_the_label_and_reason(app, client, private):
    s = private
    make_private(app, s)
    home = client.get("/creator?lang=zh_CN")
    main = main_of(home.text)
    item = re.search(rf'<li data-testid="creator-video-{s["video_id"]}">.*?</li>', main, flags=re.S).group(0)
    assert TITLE in item and "仅自己可见" in item and f"原因：<span data-user-text>{REASON}</span>" in item
    assert f'action="/creator/videos/{s["video_id"]}/remove"' in item  # she may still take it down
    assert "creator.video" not in main and re.search(r"[A-Za-z]{3,}", words_of(main)) is None
    en = client.get("/creator?lang=en").text
    assert "Only you can see it" in en and f"Reason: <span data-user-text>{REASON}</span>" in en


def test_the_creator_opens_its_page_and_files_and_nothing_sells_or_counts(app, client, private):
    s = private
    make_private(app, s)
    page = client.get(f"/videos/{s['video_id']}?lang=zh_CN")
    assert page.status_code == 200 and page.headers["cache-control"] == "private, no-store"
    main = main_of(page.text)
    assert 'data-testid="video-private"' in main and "仅自己可见" in main and REASON in main
    assert "data-play-url" not in main and 'data-testid="like"' not in main
    assert "?source=" not in main and f'href="/products/{s["florist"]["product_id"]}"' in main
    assert "creator.video" not in main and re.search(r"[A-Za-z]{3,}", words_of(main)) is None
    assert "Only you can see it" in client.get(f"/videos/{s['video_id']}?lang=en").text
    data = client.get(f"/api/v1/videos/{s['video_id']}").json()
    assert (data["status"], data["source_token"]) == ("private", "")
    mp4 = client.get(f"/api/v1/videos/{s['video_id']}/file")
    assert (
        mp4.status_code == 200 and mp4.content == MP4 and mp4.headers["cache-control"] == "private, no-store"
    )
    ranged = client.get(f"/api/v1/videos/{s['video_id']}/file", headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 206 and ranged.content == MP4[:10]
    poster = client.get(f"/api/v1/videos/{s['video_id']}/poster")
    assert poster.status_code == 200 and poster.headers["cache-control"] == "private, no-store"
    token = bearer(api_token(client, email_of(app, s["creator"].user_id)))
    for url in urls(s["video_id"])[1:]:
        assert client.get(url, headers=token).status_code == 200, url
    assert client.post(f"/api/v1/videos/{s['video_id']}/plays").status_code == 404  # no play counted


def test_everyone_else_gets_404_for_the_page_the_json_and_the_files(app, world, client, private):
    s = private
    published = client.get(f"/api/v1/videos/{s['video_id']}/poster")
    assert published.headers["cache-control"] == "public, max-age=86400"  # as before while published
    make_private(app, s)
    visitor = type(client)(client.app)
    passer = type(client)(client.app)
    page_login(passer, email_of(app, world.user("路人").user_id), "/creator")
    other = world.user("别的达人")
    with app.uow.begin() as c:
        creators.register_creator(c, other, creators.NewCreator("other", "别人", 5_000), at=app.clock.now())
    rival = type(client)(client.app)
    page_login(rival, email_of(app, other.user_id), "/creator")
    rival_token = bearer(api_token(visitor, email_of(app, other.user_id)))
    for who, headers in ((visitor, {}), (passer, {}), (rival, {}), (visitor, rival_token)):
        for url in urls(s["video_id"]):
            assert who.get(url, headers=headers).status_code == 404, url
    reviewer = type(client)(client.app)  # trust & safety reads the record, not the private video
    page_login(
        reviewer, email_of(app, s["reviewer"].user_id), f"/operator/creators/{s['creator_id']}/penalties"
    )
    assert reviewer.get(f"/videos/{s['video_id']}").status_code == 404


def test_the_feed_search_and_showcase_never_show_it_and_an_upheld_appeal_brings_it_back(
    app, world, client, private
):
    s = private
    someone = world.user()
    for _ in range(3):
        app.events.add(
            BehaviourEvent(EventKind.VIEW, Subject.VIDEO, s["video_id"], world.now, someone.user_id)
        )
    trained(app, world)
    visitor = type(client)(client.app)
    assert f"/videos/{s['video_id']}" in visitor.get("/feed").text  # popular while published
    found = visitor.get("/api/v1/search", params={"q": "向日葵", "kind": "video"}).json()
    assert [r["id"] for r in found["items"]] == [s["video_id"]]
    penalty_id = make_private(app, s)
    for who in (visitor, client):  # the creator herself does not get it in the feed either
        assert f"/videos/{s['video_id']}" not in who.get("/feed").text
    found = visitor.get("/api/v1/search", params={"q": "向日葵", "kind": "video"}).json()
    assert found["items"] == []
    assert TITLE not in client.get("/search", params={"q": "向日葵", "kind": "video"}).text
    assert TITLE not in visitor.get(f"/creators/{s['creator_id']}").text
    with app.uow.begin() as c:
        creator_reversal.reverse(c, s["reviewer"], penalty_id, at=app.clock.now())
    found = visitor.get("/api/v1/search", params={"q": "向日葵", "kind": "video"}).json()
    assert [r["id"] for r in found["items"]] == [s["video_id"]]
    assert visitor.get(f"/videos/{s['video_id']}").status_code == 200
    assert "仅自己可见" not in client.get("/creator?lang=zh_CN").text
