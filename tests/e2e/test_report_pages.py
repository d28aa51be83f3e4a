"""Reporting from the pages (issue 14): every listing, review, live session and chat message has a
"举报" link to a form; sending it puts the text before a reviewer naming the reporter; a second
report of the same thing is refused in words and changes nothing; a form cannot send the reporter
off the site afterwards."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from pledge.catalog.tables import skus
from pledge.governance.tables import governance_items
from pledge.reviews.tables import reviews
from pledge.web.forms import local_path
from tests.e2e.conftest import email_of, page_login, snapshot
from tests.e2e.test_experience_pages import english_words
from tests.integration.test_governance_words import _review, delivered  # noqa: F401 (fixture)

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _reports(app) -> list[tuple]:
    g = governance_items.c
    with app.uow.read() as c:
        return [tuple(r) for r in c.execute(select(g.subject, g.subject_id, g.reporter_id, g.text)).all()]


def _send(pages: TestClient, path: str, reason: str, back: str):
    form = pages.get(path, params={"back": back, "lang": "zh_CN"})
    assert form.status_code == 200, form.text
    token = CSRF.search(form.text)
    assert token, form.text
    return form, pages.post(path, data={"csrf_token": token.group(1), "reason": reason, "back": back})


def test_a_buyer_reports_a_review_from_the_product_page_once(app, world, client, delivered):  # noqa: F811
    review_id = _review(app, delivered["buyer"], delivered["line_id"], "花很新鲜，包装好")
    product_id = _product_id(app, review_id)
    reader = world.user("小周")
    pages = TestClient(client.app)
    page_login(pages, email_of(app, reader.user_id), "/")
    listing = pages.get(f"/products/{product_id}/reviews")
    assert f"/report/review/{review_id}?back=/products/{product_id}" in listing.text
    form, sent = _send(pages, f"/report/review/{review_id}", "评论里有广告引流", f"/products/{product_id}")
    assert "举报" in form.text and not english_words(form.text), english_words(form.text)
    assert sent.status_code == 200 and 'data-testid="report-sent"' in sent.text
    assert "感谢举报" in sent.text and not english_words(sent.text)
    ((subject, subject_id, reporter, text),) = _reports(app)
    assert (subject, subject_id, reporter) == ("review", review_id, reader.user_id)
    assert "花很新鲜" in text and "评论里有广告引流" in text
    before = snapshot(app)
    _, again = _send(pages, f"/report/review/{review_id}", "再报一次", "/")
    assert again.status_code == 409 and "你已举报过" in again.text
    assert snapshot(app) == before


def _product_id(app, review_id: int) -> int:
    with app.uow.read() as c:
        return c.execute(select(reviews.c.product_id).where(reviews.c.id == review_id)).scalar_one()


def test_a_listing_report_link_leads_to_the_form_and_an_unknown_subject_is_a_readable_error(
    app, world, client
):
    shop_id, owner = world.shop("大乐水果")
    sku = world.product(owner, shop_id, title="赣南脐橙 5斤")
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    buyer = world.user("买家")
    pages = TestClient(client.app)
    page_login(pages, email_of(app, buyer.user_id), "/")
    product = pages.get(f"/products/{product_id}", params={"lang": "zh_CN"})
    assert f"/report/listing/{product_id}?back=/products/{product_id}" in product.text
    _, sent = _send(pages, f"/report/listing/{product_id}", "宣称“全网最甜”", f"/products/{product_id}")
    assert sent.status_code == 200 and f'href="/products/{product_id}"' in sent.text
    assert [r[:3] for r in _reports(app)] == [("listing", product_id, buyer.user_id)]
    before = snapshot(app)
    unknown = pages.get("/report/shop/1", params={"lang": "zh_CN"})
    assert unknown.status_code == 422 and "<h1" in unknown.text
    missing = pages.get(f"/report/listing/{product_id + 1000}", params={"lang": "zh_CN"})
    _, nothing = _send(pages, f"/report/listing/{product_id + 1000}", "不存在", "/")
    assert missing.status_code == 200 and nothing.status_code == 404
    assert snapshot(app) == before


@pytest.mark.parametrize(
    "target",
    ["//evil.example/x", "/\\evil.example", "https://evil.example", "/\\/evil", "/ok\r\nSet-Cookie: x", ""],
)
def test_a_form_cannot_send_anyone_off_the_site(target):
    assert local_path(target, "/") == "/"


def test_a_path_on_the_site_is_kept():
    assert local_path("/products/7?lang=zh_CN", "/") == "/products/7?lang=zh_CN"
