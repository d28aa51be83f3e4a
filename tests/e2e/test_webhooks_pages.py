"""The merchant's webhook pages (issue 20): add an endpoint (secret shown once), see it listed,
pause it, read the delivery log in Chinese and English, and replay a delivery; another shop's
endpoint is a 404."""

from __future__ import annotations

import re
from importlib import resources

from sqlalchemy import select

from pledge.integrations import webhooks
from pledge.integrations.events import EVENT_TYPES
from pledge.integrations.tables import webhook_deliveries
from pledge.integrations.webhooks import DeliveryStatus
from pledge.web.i18n import catalog
from tests.e2e.conftest import email_of, page_login

URL = "https://93.184.216.34/hook"


def test_an_owner_adds_an_endpoint_reads_its_log_and_replays_a_delivery(app, world, client):
    shop_id, owner = world.shop()
    _, stranger = world.shop("别家")
    sku = world.product(owner, shop_id)
    page = f"/merchant/shops/{shop_id}/webhooks"
    csrf = page_login(client, email_of(app, owner.user_id), page)
    assert "还没有推送地址" in client.get(page).text
    form = {"csrf_token": csrf, "url": URL, "event:order.paid": "1"}
    added = client.post(page, data=form)
    assert added.status_code == 200
    secret = re.search(r"<code>(whsec_[\w-]+)</code>", added.text)
    assert secret and "只显示这一次" in added.text
    listed = client.get(page).text
    assert URL in listed and "订单已付款" in listed and secret.group(1) not in listed
    world.paid_order(world.user("buyer"), sku)
    with app.uow.read() as c:
        (delivery,) = c.execute(select(webhook_deliveries)).all()
    log = client.get(f"/merchant/webhooks/{delivery.endpoint_id}")
    assert "等待推送" in log.text and "订单已付款" in log.text
    replayed = client.post(f"/merchant/webhook-deliveries/{delivery.id}/replay", data={"csrf_token": csrf})
    assert replayed.status_code == 200 and "第1次重发" in replayed.text
    paused = client.post(
        f"/merchant/webhooks/{delivery.endpoint_id}/enabled", data={"csrf_token": csrf, "enabled": "0"}
    )
    assert "已暂停" in paused.text
    english = client.get(f"/merchant/webhooks/{delivery.endpoint_id}?lang=en").text
    assert "Waiting to be sent" in english and "replay 1" in english
    other = world.shop("第三家")[0]
    assert client.get(f"/merchant/shops/{other}/webhooks").status_code == 403
    with app.uow.begin() as c:
        theirs = webhooks.register_endpoint(
            c,
            stranger,
            shop_id=min(stranger.shops),
            url=URL,
            events=["order.paid"],
            at=world.now,
            allow_private=False,
        )
    assert client.get(f"/merchant/webhooks/{theirs['id']}").status_code == 404


def test_every_webhook_string_is_translated_in_both_languages():
    folder = resources.files("pledge.web") / "templates"
    msgids = {f"webhook.event.{t}" for t in EVENT_TYPES} | {f"webhook.status.{s}" for s in DeliveryStatus}
    for name in ("merchant_webhooks.html", "merchant_webhook_log.html"):
        text = (folder / name).read_text(encoding="utf-8")
        msgids |= {m for m in re.findall(r'_\(\s*"([^"]+)"', text) if not m.endswith(".")}
    assert len(msgids) > 40
    zh, en = catalog("zh_CN"), catalog("en")
    assert not sorted(msgids - zh.keys()), "missing in zh_CN"
    assert not sorted(msgids - en.keys()), "missing in en"
    for m in msgids:  # no English word on a Chinese page ({n} is a placeholder)
        assert not re.search(r"[A-Za-z]", re.sub(r"{\w+}", "", zh[m])), f"{m}: {zh[m]}"
