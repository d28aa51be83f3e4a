"""After the session, its replay (issue 13): the host gives an ended session the ingest server's
recording; anyone can open the replay page, which plays it with the comments in order (each a
link to its moment) and the products that were on the cards. Bad URLs, live or cut sessions and
another shop's session are refused and change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.conftest import assert_problem, email_of, page_login, snapshot
from tests.e2e.test_live_api import HLS, buyer_token, go_live, open_room

RECORDING = "https://ingest.example.cn/dvr/florist/2026-11-25/index.m3u8"


@pytest.fixture
def ended(app, world, client, clock):
    r = open_room(app, world, client)
    room_id = r["room"]["id"]
    session = go_live(client, room_id, r["host"])
    client.put(f"/api/v1/live/rooms/{room_id}/cards/{r['sku']}", json={"price_fen": 1990}, headers=r["host"])
    viewer = buyer_token(app, world, client)
    clock.advance(timedelta(minutes=12, seconds=5))
    said = client.post(
        f"/api/v1/live/rooms/{room_id}/comments", json={"text": "向日葵能放几天？"}, headers=viewer
    )
    assert said.status_code == 201
    clock.advance(timedelta(minutes=30))
    assert client.post(f"/api/v1/live/rooms/{room_id}/end", headers=r["host"]).status_code == 200
    return r | {"session_id": session["id"]}


def test_the_host_adds_the_recording_and_anyone_watches_the_replay(client, ended):
    url = f"/api/v1/live/sessions/{ended['session_id']}/replay"
    answer = client.put(url, json={"replay_url": RECORDING}, headers=ended["host"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["replay_url"] == RECORDING and answer.json()["status"] == "ended"
    client.cookies.clear()
    page = client.get(f"/live/sessions/{ended['session_id']}/replay")
    assert page.status_code == 200
    assert f'data-replay="{RECORDING}"' in page.text
    assert "A级向日葵 12枝" in page.text  # the product that was on the cards
    assert 'data-seek="725"' in page.text and "12:05" in page.text and "向日葵能放几天？" in page.text


def test_a_replay_without_a_recording_still_shows_products_and_comments(client, ended):
    page = client.get(f"/live/sessions/{ended['session_id']}/replay")
    assert page.status_code == 200 and 'data-testid="no-replay-video"' in page.text
    assert "向日葵能放几天？" in page.text


@pytest.mark.parametrize("bad", ["", "ftp://x/a.m3u8", "https://ingest.example.cn/a.mp4", "x" * 600])
def test_a_recording_that_is_not_an_hls_playlist_is_refused(app, client, ended, bad):
    before = snapshot(app)
    answer = client.put(
        f"/api/v1/live/sessions/{ended['session_id']}/replay", json={"replay_url": bad}, headers=ended["host"]
    )
    assert_problem(answer, 422)
    assert snapshot(app) == before


def test_a_live_session_has_no_replay_yet(app, world, client):
    r = open_room(app, world, client)
    session = go_live(client, r["room"]["id"], r["host"])
    before = snapshot(app)
    answer = client.put(
        f"/api/v1/live/sessions/{session['id']}/replay", json={"replay_url": HLS}, headers=r["host"]
    )
    assert_problem(answer, 409)
    assert snapshot(app) == before
    assert client.get(f"/live/sessions/{session['id']}/replay").status_code == 404


def test_the_report_page_form_saves_the_recording(app, client, ended):
    csrf = page_login(
        client, email_of(app, ended["owner"].user_id), f"/merchant/live/sessions/{ended['session_id']}"
    )
    form = client.get(f"/merchant/live/sessions/{ended['session_id']}")
    assert 'data-testid="replay-form"' in form.text
    saved = client.post(
        f"/merchant/live/sessions/{ended['session_id']}/replay",
        data={"csrf_token": csrf, "replay_url": RECORDING},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("?replay_saved=1")
    assert "回放已保存" in client.get(saved.headers["location"]).text
    refused = client.post(
        f"/merchant/live/sessions/{ended['session_id']}/replay",
        data={"csrf_token": csrf, "replay_url": "https://x/a.mp4"},
    )
    assert refused.status_code == 422 and "回放地址必须是推流服务器录制生成的播放列表" in refused.text
