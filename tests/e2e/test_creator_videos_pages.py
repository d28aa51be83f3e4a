"""A creator's own short videos on the pages and the public video API: the creator publishes from
the form (MP4 and poster, products of two shops), the video page names the creator as its author
and each product's shop, the JSON video has no shop and no promise of its own; a product the
creator may not sell (douyin:aJoPPkXtaG25 "无佣金的达人不可带货") is refused with a translated
message and nothing written; only the creator takes the video down. Every string of the new
pages is translated in both languages, the Chinese without Latin letters."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from sqlalchemy import select

from pledge.creators import services as creators
from pledge.videos.tables import videos
from pledge.web.i18n import catalog
from tests.e2e.conftest import email_of, page_login, snapshot
from tests.integration.test_creator_rooms import FLORIST_RATE, FRUIT_RATE, _shop_with_rate
from tests.integration.test_videos import MP4, POSTER

TEMPLATES = ("creator_video_new.html", "creator_home.html", "video.html")


@pytest.fixture
def market(app, world):
    florist = _shop_with_rate(app, world, "小阿阮鲜花", "A级向日葵 12枝", 1990, FLORIST_RATE)
    fruit = _shop_with_rate(app, world, "果园直发", "海南贵妃芒 5斤", 5900, FRUIT_RATE)
    no_rate = _shop_with_rate(app, world, "杂货铺", "收纳盒", 990, None)
    actor = world.user("花花姐")
    with app.uow.begin() as c:
        creator_id = creators.register_creator(
            c, actor, creators.NewCreator("huahua", "花花姐", 5_000), at=app.clock.now()
        )
        for shop in (florist, fruit):
            creators.add_to_showcase(
                c, actor, app.rulebook, product_id=shop["product_id"], at=app.clock.now()
            )
    return {
        "florist": florist,
        "fruit": fruit,
        "no_rate": no_rate,
        "creator": actor,
        "creator_id": creator_id,
    }


def _publish(client, csrf: str, product_ids: list[int]):
    return client.post(
        "/creator/videos?lang=zh_CN",
        data={"csrf_token": csrf, "title": "花和果", "product_ids": ",".join(map(str, product_ids))},
        files={"video": ("v.mp4", MP4, "video/mp4"), "poster": ("p.jpg", POSTER, "image/jpeg")},
        follow_redirects=False,
    )


def test_every_creator_video_string_is_translated_in_both_languages():
    folder = resources.files("pledge.web") / "templates"
    msgids: set[str] = set()
    for name in TEMPLATES:
        text = (folder / name).read_text(encoding="utf-8")
        msgids |= {a or b for a, b in re.findall(r"""_\(\s*"([^"]+)"|_\(\s*'([^']+)'""", text)}
    msgids = {m for m in msgids if not m.endswith(".")}  # prefixes of msgids built from a value
    assert "creator.video.publish" in msgids
    zh, en = catalog("zh_CN"), catalog("en")
    assert not sorted(msgids - zh.keys()), "missing in zh_CN"
    keys = {m for m in msgids if re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", m)}  # English msgids read as written
    assert not sorted(keys - en.keys()), "missing in en"
    for m in (m for m in msgids if m.startswith("creator.video")):
        assert not re.search(r"[A-Za-z]", re.sub(r"{\w+}", "", zh[m])), f"{m}: {zh[m]}"


def test_a_creator_publishes_from_the_form_and_the_video_names_her_and_each_shop(app, client, market):
    csrf = page_login(client, email_of(app, market["creator"].user_id), "/creator/videos/new")
    form = client.get("/creator/videos/new?lang=zh_CN").text
    assert "发布短视频" in form and "A级向日葵 12枝" in form and "海南贵妃芒 5斤" in form
    resp = _publish(client, csrf, [market["florist"]["product_id"], market["fruit"]["product_id"]])
    assert resp.status_code == 303 and re.fullmatch(r"/videos/\d+", resp.headers["location"]), resp.text
    video_id = int(resp.headers["location"].rsplit("/", 1)[1])
    page = client.get(f"/videos/{video_id}?lang=zh_CN").text
    assert "花花姐 @huahua" in page and "达人视频" in page
    assert "小阿阮鲜花" in page and "果园直发" in page  # each card names its shop
    data = client.get(f"/api/v1/videos/{video_id}").json()
    assert (data["shop_id"], data["promise_code"], data["creator_id"]) == (None, None, market["creator_id"])
    assert [p["shop_id"] for p in data["products"]] == [
        market["florist"]["shop_id"],
        market["fruit"]["shop_id"],
    ]
    home = client.get("/creator?lang=zh_CN").text
    assert "我的视频" in home and f"/videos/{video_id}" in home


def test_a_product_the_creator_may_not_sell_is_refused_on_the_page_aJoPPkXtaG25(app, client, market):
    csrf = page_login(client, email_of(app, market["creator"].user_id), "/creator/videos/new")
    before = snapshot(app)
    refused = _publish(client, csrf, [market["florist"]["product_id"], market["no_rate"]["product_id"]])
    assert refused.status_code == 409 and refused.headers["content-type"].startswith("text/html")
    assert "没有为你设置佣金" in refused.text, refused.text
    assert snapshot(app) == before


def test_only_the_creator_takes_the_video_down_on_the_page(app, world, client, market):
    csrf = page_login(client, email_of(app, market["creator"].user_id), "/creator/videos/new")
    video_id = int(
        _publish(client, csrf, [market["florist"]["product_id"]]).headers["location"].rsplit("/", 1)[1]
    )
    other = world.user("别的达人")
    with app.uow.begin() as c:
        creators.register_creator(c, other, creators.NewCreator("other", "别人", 5_000), at=app.clock.now())
    other_client = type(client)(client.app)
    other_csrf = page_login(other_client, email_of(app, other.user_id), "/creator")
    refused = other_client.post(f"/creator/videos/{video_id}/remove", data={"csrf_token": other_csrf})
    assert refused.status_code == 404
    done = client.post(
        f"/creator/videos/{video_id}/remove", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert done.status_code == 303
    with app.uow.read() as c:
        assert c.execute(select(videos.c.status).where(videos.c.id == video_id)).scalar_one() == "removed"
    assert client.get(f"/videos/{video_id}").status_code == 404
