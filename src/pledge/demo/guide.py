"""The demo login page's guide: every demo account, its password, and which pledge each one
shows at work. Built from the seed's own lists (ACCOUNTS, SHOPS, BUYERS, STAFF) and written
beside the demo database when the demo is seeded; the web app reads it back only in demo mode
(web and demo are sibling layers, so the file is their hand-over)."""

from __future__ import annotations

import json
from pathlib import Path

from pledge.config import Settings

# What each account shows, in both languages; the accounts themselves come from the seed.
SHOWS: dict[str, tuple[str, str]] = {
    "buyer@pledge.demo": (
        "晚发即赔：超时订单自动得到优惠券（钱包里写明原因和订单），售后、客服、通知。",
        "Late-ship pledge: late orders earn coupons on their own (the wallet says why and for which "
        "order); after-sales, chat, notifications.",
    ),
    "grandma@pledge.demo": (
        "替父母下单的老人：坏果赔付无需拍照；订单、售后进度。",
        "An elderly parent's orders: rotten fruit is paid without a photo; orders and case progress.",
    ),
    "florist@pledge.demo": (
        "小阿阮鲜花：坏一枝赔一枝、晚发赔付记录、正在直播的直播间、仓库与秒杀、保证金不足。",
        "The florist: every damaged stem paid, late-ship compensations, a live room on air, "
        "warehouse and flash deal, a deposit short of what is owed.",
    ),
    "fruit@pledge.demo": (
        "大乐水果：坏果虫眼包赔、物流揽收超时赔付、营业额返佣。",
        "The fruit seller: rotten and insect-damaged fruit compensated, slow-tracking compensation, "
        "a turnover rebate.",
    ),
    "umbrella@pledge.demo": (
        "飞恋伞厂：运费险理赔、虚假发货赔付、免佣政策、定制商品不支持七天无理由。",
        "The umbrella factory: shipping insurance claims, fraudulent-shipping compensation, a "
        "commission waiver, custom-made goods outside 7-day returns.",
    ),
    "service@pledge.demo": (
        "小阿阮鲜花的客服（店铺子账号）：可以处理订单、发货、回复售后和消息；不能提现、申请收费政策、"
        "修改店铺承诺与运费险，也不能邀请店员。",
        "The florist's customer service (a shop sub-account): handles orders, shipping, after-sales "
        "cases and chats; cannot request payouts, apply to fee programmes, change the shop's pledges "
        "or shipping insurance, or invite staff.",
    ),
    "operator@pledge.demo": (
        "平台运营：争议处理、体验分排名、规则库、财务结算。",
        "Operator: the dispute queue, the experience-score ranking, the rulebook, finance.",
    ),
    "reviewer@pledge.demo": (
        "风控审核：争议队列（可查看，不可裁决的原因）。",
        "Reviewer: the dispute queue (and why it cannot decide).",
    ),
    "creator@pledge.demo": (
        "鲜花达人花花姐：达人中心、精选联盟选品、橱窗里的向日葵、专属佣金的芍药、等待审核的玫瑰样品，"
        "自己的直播间正在同时带鲜花店和水果店的商品。",
        "The flower creator: the creator centre, the affiliate marketplace, sunflowers in her showcase, "
        "an exclusive rate on peonies, a rose sample waiting for the florist, and her own live room "
        "selling the florist's and the fruit seller's products at once.",
    ),
    "fruitcreator@pledge.demo": (
        "水果测评达人果果哥：视频口播虚假宣传被处罚（商品移出购物车、视频仅自己可见、违规商品佣金停止结算），"
        "申诉正在等待审核。",
        "The fruit reviewer: penalised for a false health claim in his video (the product off his cart, "
        "the video visible to him only, his commissions on it not settling); his appeal waits for a "
        "reviewer.",
    ),
    "finance@pledge.demo": (
        "财务：收费政策、对账、结算与打款。",
        "Finance: fee programmes, reconciliation, settlement and payouts.",
    ),
}


def guide(
    accounts: list[tuple[str, str]],
    password: str,
    names: dict[str, str],
) -> dict:
    """The guide for the seed's accounts [(role, email)] and display names by email."""
    rows = [
        {
            "role": role,
            "email": email,
            "name": names.get(email, ""),
            "shows": SHOWS.get(email, ("", ""))[0],
            "shows_en": SHOWS.get(email, ("", ""))[1],
        }
        for role, email in accounts
    ]
    return {"password": password, "accounts": rows}


def write_guide(settings: Settings, content: dict) -> Path:
    path = settings.demo_guide_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, ensure_ascii=False, indent=1), encoding="utf-8")
    return path
