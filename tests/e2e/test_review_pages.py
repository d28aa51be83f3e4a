"""The buyer's review form in the pages: stars, words and photos for a line in one post, then
back to the form with a translated confirmation; the photos show on the form (the buyer's own,
access-checked) and count on the product's review list, which shows no internal fields."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.e2e.conftest import email_of, page_login
from tests.e2e.test_aftersales_api import PNG
from tests.e2e.test_experience_api import _product_of, setup
from tests.e2e.test_experience_pages import english_words


def test_a_review_with_photos_is_saved_from_the_page_and_confirmed(app, world, client):
    shop_id, owner, sku, buyer, order_id, line_id = setup(app, world)
    pages = TestClient(client.app)
    csrf = page_login(pages, email_of(app, buyer.user_id), f"/orders/{order_id}/review")
    form = pages.get(f"/orders/{order_id}/review").text
    assert 'enctype="multipart/form-data"' in form and f'name="photos_{line_id}"' in form
    assert "晒图（最多6张）" in form and not english_words(form), english_words(form)
    saved = pages.post(
        f"/orders/{order_id}/review",
        data={"csrf_token": csrf, f"stars_{line_id}": "5", f"body_{line_id}": "花很新鲜"},
        files=[
            (f"photos_{line_id}", ("a.png", PNG, "image/png")),
            (f"photos_{line_id}", ("b.png", PNG, "image/png")),
        ],
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"/orders/{order_id}/review?saved=1"
    zh = pages.get(saved.headers["location"]).text
    assert re.search(r'data-testid="review-saved">感谢评价，已保存。<', zh)
    photos = re.findall(r'<img src="/api/v1/uploads/(\d+)"[^>]*data-testid="review-photo"', zh)
    assert len(photos) == 2 and all(pages.get(f"/api/v1/uploads/{p}").status_code == 200 for p in photos)
    en = pages.get(f"/orders/{order_id}/review?saved=1&lang=en").text
    assert "Thank you: your review is saved." in en
    edited = pages.post(
        f"/orders/{order_id}/review",
        data={"csrf_token": csrf, f"stars_{line_id}": "4", f"body_{line_id}": "醒花后更好"},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    after = pages.get(f"/orders/{order_id}/review").text
    assert len(re.findall(r'data-testid="review-photo"', after)) == 2  # an edit without photos keeps them
    assert 'data-testid="review-saved"' not in after
    listing = client.get(f"/products/{_product_of(app, sku)}/reviews").text
    assert "醒花后更好" in listing and "2 张图" in listing
    assert f"#{order_id}" not in listing and "buyer" not in listing and not english_words(listing)
    stranger = TestClient(client.app)
    page_login(stranger, email_of(app, world.user().user_id), "/orders")
    assert stranger.get(f"/api/v1/uploads/{photos[0]}").status_code in (403, 404)  # access-checked
