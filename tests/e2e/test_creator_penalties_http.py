"""Creator penalties over HTTP (issue 14): a reviewer records a creator's live violation (the
session ends for its viewers), the creator reads it with the reason, the clause's text and each
action's end; a second decision of the same violation, an unknown creator or a made-up scene is a
problem document and writes nothing; a merchant may not record one."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from pledge.catalog.tables import skus
from pledge.creators import rooms
from pledge.creators import services as creators
from pledge.web import present
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, page_login, snapshot

HLS = "/media/live/sunflower/index.m3u8"


def _creator_live(app, world):
    shop_id, owner = world.shop("小阿阮鲜花")
    sku = world.product(owner, shop_id, title="A级向日葵 12枝", price_fen=1990)
    creator = world.user("花花")
    now = app.clock.now()
    with app.uow.begin() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
        creator_id = creators.register_creator(
            c, creator, creators.NewCreator("huahua", "花花", 5_000), at=now
        )
        room_id = rooms.open_room(c, creator, app.rulebook, title="花花直播间", at=now)
        session_id = rooms.go_live(c, creator, room_id=room_id, playback_url=HLS, at=now)
    return {"creator": creator, "creator_id": creator_id, "session_id": session_id, "product_id": product_id}


def test_a_reviewer_records_a_creators_violation_and_the_creator_reads_it(app, world, client):
    s = _creator_live(app, world)
    reviewer = bearer(
        api_token(client, email_of(app, world.user("审核员", platform_role="reviewer").user_id))
    )
    creator = bearer(api_token(client, email_of(app, s["creator"].user_id)))
    body = {
        "clause": "creator.false-advertising",
        "ref": "WG-20260810-1",
        "scene": "live",
        "subject_id": s["session_id"],
        "product_id": s["product_id"],
        "reason": "口播“插瓶可开一个月”与商品详情不符",
        "evidence": "直播回放 00:12:30",
    }
    url = f"/api/v1/governance/creators/{s['creator_id']}/penalties"
    assert_problem(client.post(url, json=body, headers=creator), 403)
    done = client.post(url, json=body, headers=reviewer)
    assert done.status_code == 201, done.text
    assert (done.json()["tier"], done.json()["cut_session"]) == (1, s["session_id"])
    before = snapshot(app)
    assert assert_problem(client.post(url, json=body, headers=reviewer), 409)["code"] == "conflict"
    assert_problem(client.post(url, json=body | {"scene": "radio", "ref": "x"}, headers=reviewer), 422)
    unknown = client.post(
        "/api/v1/governance/creators/999999/penalties", json=body | {"ref": "y"}, headers=reviewer
    )
    assert_problem(unknown, 404)
    assert snapshot(app) == before
    (mine,) = client.get("/api/v1/creators/me/penalties", headers=creator).json()
    assert (mine["reason"], mine["tier"], mine["source"]) == (body["reason"], 1, "douyin:aJoHtKQ6kLcq")
    assert "同一场景首次违规" in mine["clause_text"]
    kinds = {a["kind"]: a["state"] for a in mine["actions"]}
    assert kinds == {"warning": "applied", "off_cart": "applied", "stream_cut": "applied"}
    listed = client.get(url, headers=reviewer).json()
    assert [p["id"] for p in listed] == [mine["id"]]
    assert_problem(client.get(url, headers=creator), 403)


def test_the_reviewer_records_from_the_form_and_the_creator_reads_the_record_page(app, world, client):
    s = _creator_live(app, world)
    operator = world.user("运营", platform_role="operator")
    csrf = page_login(
        client, email_of(app, operator.user_id), f"/operator/creators/{s['creator_id']}/penalties"
    )
    form = {
        "csrf_token": csrf,
        "clause": "creator.false-advertising",
        "ref": "WG-1",
        "scene": "live",
        "subject_id": str(s["session_id"]),
        "product_id": str(s["product_id"]),
        "harm": "heavy",
        "reason": "口播“插瓶可开一个月”与商品详情不符",
        "evidence": "直播回放 00:12:30",
    }
    done = client.post(f"/operator/creators/{s['creator_id']}/penalties", data=form, follow_redirects=False)
    assert done.status_code == 303, done.text
    record = client.get(f"/operator/creators/{s['creator_id']}/penalties", params={"lang": "zh_CN"}).text
    assert "违规程度第3档" in record and 'data-testid="violation-form"' in record  # heavier harm: tier 3
    client.cookies.clear()
    page_login(client, email_of(app, s["creator"].user_id), "/creator/penalties")
    zh = client.get("/creator/penalties", params={"lang": "zh_CN"}).text
    assert "处罚记录" in zh and form["reason"] in zh and "同一场景首次违规" in zh
    assert "直播中断" in zh and "较重的损害" in zh and "关闭电商权限" in zh
    main = zh.split("<main>")[-1].split("</main>")[0]
    assert "creator_penalty." not in main and re.search(r"\d{4}-\d{2}-\d{2}T", main) is None
    now = app.clock.now()
    closed_until = present.local(now + timedelta(days=3), "Asia/Shanghai", lang="zh_CN", now=now)
    assert f"截至 {closed_until}" in main  # selling closed 3 days, its end in Beijing time
    held_until = present.local(now + timedelta(days=30), "Asia/Shanghai", lang="zh_CN", now=now)
    assert f"违规商品的订单停止结算佣金，截至 {held_until}" in main  # the hold's 30 days
    assert 'data-testid="appeal-form"' in zh
    penalty_id = re.search(r'action="/creator/penalties/(\d+)/appeal"', zh).group(1)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', zh).group(1)
    filed = client.post(
        f"/creator/penalties/{penalty_id}/appeal",
        data={"csrf_token": csrf, "reason": "有回放为证"},
        follow_redirects=False,
    )
    assert filed.status_code == 303, filed.text
    assert "已提交申诉" in client.get("/creator/penalties", params={"lang": "zh_CN"}).text
    en = client.get("/creator/penalties", params={"lang": "en"}).text
    assert "Penalty record" in en and "Live session interrupted" in en
    assert "Commissions on the violating product&#39;s orders do not settle until" in en


def test_the_creator_appeals_and_an_upheld_appeal_reverses_the_penalty(app, world, client):
    s = _creator_live(app, world)
    reviewer = bearer(
        api_token(client, email_of(app, world.user("审核员", platform_role="reviewer").user_id))
    )
    creator = bearer(api_token(client, email_of(app, s["creator"].user_id)))
    body = {
        "clause": "creator.false-advertising",
        "ref": "WG-2",
        "scene": "live",
        "subject_id": s["session_id"],
        "product_id": s["product_id"],
        "reason": "口播“插瓶可开一个月”与商品详情不符",
    }
    penalty = client.post(
        f"/api/v1/governance/creators/{s['creator_id']}/penalties", json=body, headers=reviewer
    )
    penalty_id = penalty.json()["id"]
    appealed = client.post(
        f"/api/v1/creators/me/penalties/{penalty_id}/appeal", json={"reason": "有回放为证"}, headers=creator
    )
    assert appealed.status_code == 201, appealed.text
    again = client.post(
        f"/api/v1/creators/me/penalties/{penalty_id}/appeal", json={"reason": "再次"}, headers=creator
    )
    assert "appealed already" in assert_problem(again, 409)["detail"]
    url = f"/api/v1/governance/creator-appeals/{appealed.json()['id']}/answer"
    assert_problem(client.post(url, json={"uphold": True, "note": "核实"}, headers=creator), 403)
    answered = client.post(url, json={"uphold": True, "note": "核实无误"}, headers=reviewer)
    assert answered.json() == {"id": appealed.json()["id"], "status": "upheld"}
    (mine,) = client.get("/api/v1/creators/me/penalties", headers=creator).json()
    assert mine["status"] == "reversed"


def test_the_reviewer_finds_the_waiting_appeal_and_upholds_it_from_the_page(app, world, client):
    s = _creator_live(app, world)
    reviewer = world.user("审核员", platform_role="reviewer")
    token = bearer(api_token(client, email_of(app, reviewer.user_id)))
    body = {
        "clause": "creator.false-advertising",
        "ref": "WG-3",
        "scene": "live",
        "subject_id": s["session_id"],
        "product_id": s["product_id"],
        "reason": "口播“插瓶可开一个月”与商品详情不符",
    }
    penalty_id = client.post(
        f"/api/v1/governance/creators/{s['creator_id']}/penalties", json=body, headers=token
    ).json()["id"]
    creator = bearer(api_token(client, email_of(app, s["creator"].user_id)))
    appeal_id = client.post(
        f"/api/v1/creators/me/penalties/{penalty_id}/appeal", json={"reason": "有回放为证"}, headers=creator
    ).json()["id"]

    csrf = page_login(client, email_of(app, reviewer.user_id), "/operator/creators")
    listed = client.get("/operator/creators", params={"lang": "zh_CN"}).text
    main = listed.split("<main>")[-1].split("</main>")[0]
    assert "花花" in main and "1 条申诉待答复" in main and "处罚 1 次" in main
    assert f'href="/operator/creators/{s["creator_id"]}/penalties"' in main
    words = re.sub(r"<[^>]+>", "", re.sub(r"<(\w+)[^>]*data-user-text[^>]*>.*?</\1>", "", main))
    assert "creator_penalty." not in main and re.search(r"[A-Za-z]{3,}", words) is None  # the handle aside
    record = client.get(f"/operator/creators/{s['creator_id']}/penalties", params={"lang": "zh_CN"}).text
    assert 'data-testid="answer-form"' in record and "有回放为证" in record
    empty = {"csrf_token": csrf, "uphold": "1", "note": ""}
    refused = client.post(f"/operator/creator-appeals/{appeal_id}/answer", data=empty, follow_redirects=False)
    assert refused.status_code == 422  # an answer needs its note; nothing is decided
    assert 'data-testid="answer-form"' in client.get(f"/operator/creators/{s['creator_id']}/penalties").text
    done = client.post(
        f"/operator/creator-appeals/{appeal_id}/answer",
        data={"csrf_token": csrf, "uphold": "1", "note": "回放核实无误"},
        follow_redirects=False,
    )
    assert (
        done.status_code == 303
        and done.headers["location"] == f"/operator/creators/{s['creator_id']}/penalties"
    )
    after = client.get(f"/operator/creators/{s['creator_id']}/penalties", params={"lang": "zh_CN"}).text
    assert 'data-testid="answer-form"' not in after and "申诉成功：处罚已撤销" in after
    (mine,) = client.get("/api/v1/creators/me/penalties", headers=creator).json()
    assert mine["status"] == "reversed"
    again = client.post(
        f"/operator/creator-appeals/{appeal_id}/answer",
        data={"csrf_token": csrf, "uphold": "0", "note": "再答"},
        follow_redirects=False,
    )
    assert again.status_code == 409  # answered once
