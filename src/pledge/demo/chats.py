"""Demo customer-service conversations at fixed Shanghai times: quick daytime answers, a
night-time question the response-time indicator leaves out (douyin:aJoPPkXuLRqc), a slow
answer, and ratings."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from pledge.accounts.services import Actor
from pledge.bootstrap import App
from pledge.chat import services as chat
from pledge.kernel.clock import UTC, FixedClock, local_time, zone

# (shop index, buyer index, days ago, local start time, [(minutes after start, who, text)], stars)
CONVERSATIONS = [
    (
        0,
        0,
        2,
        "14:05",
        [
            (0, "buyer", "向日葵到了有点蔫，怎么醒花？"),
            (2, "shop", "剪根斜口，深水浸泡4小时就精神啦～"),
            (6, "buyer", "好的谢谢！"),
        ],
        5,
    ),
    (
        0,
        2,
        1,
        "20:30",
        [(0, "buyer", "芍药多久能开？"), (15, "shop", "含苞发货，一般2-3天开放，放在阴凉处。")],
        4,
    ),
    (
        1,
        1,
        1,
        "09:12",
        [
            (0, "buyer", "帮我妈妈下的单，她不会拍照，橙子坏了怎么办？"),
            (4, "shop", "阿姨直接跟我们说坏了几个就行，不用拍照，我们按个数赔。"),
        ],
        5,
    ),
    (1, 3, 1, "23:40", [(0, "buyer", "草莓今天能发吗？")], None),
    (
        2,
        4,
        1,
        "11:00",
        [(0, "buyer", "镭射伞有没有粉色款？"), (40, "shop", "粉色款在打样，下周直播间首发！")],
        3,
    ),
]


def seed_chats(app: App, clock: FixedClock, shops: list[dict], buyers: list[Actor], now: datetime) -> int:
    for shop_index, buyer_index, days_ago, local_start, messages, stars in CONVERSATIONS:
        shop, buyer = shops[shop_index], buyers[buyer_index]
        day = local_time(now, "Asia/Shanghai").date() - timedelta(days=days_ago)
        start = datetime.combine(
            day, time.fromisoformat(local_start), tzinfo=zone("Asia/Shanghai")
        ).astimezone(UTC)
        clock.set(start)
        with app.uow.begin() as conn:
            opened = chat.open_conversation(conn, buyer, shop_id=shop["shop_id"], at=start)
        for minutes, who, text in messages:
            at = start + timedelta(minutes=minutes)
            with app.uow.begin() as conn:
                chat.post_message(
                    conn, buyer if who == "buyer" else shop["owner"], opened.conversation_id, text, at=at
                )
        if stars is not None:
            with app.uow.begin() as conn:
                chat.rate_conversation(
                    conn, buyer, opened.conversation_id, stars, at=start + timedelta(hours=1)
                )
    clock.set(now)
    return len(CONVERSATIONS)
