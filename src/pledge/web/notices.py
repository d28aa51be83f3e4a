"""A notice worded for a person, from its kind and parameters (pledge.notifications stores
no sentences): in Chinese or English, times in Beijing time in plain words ("11月29日 20:00")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pledge.kernel.clock import parse_iso, zone
from pledge.lateship.notices import TITLES
from pledge.notifications.model import Kind
from pledge.notifications.queries import Notice
from pledge.web import present

PLATFORM_ZONE = "Asia/Shanghai"


def plain_time(at: datetime, lang: str) -> str:
    local = at.astimezone(zone(PLATFORM_ZONE))
    if lang == "zh_CN":
        return f"{local.month}月{local.day}日 {local:%H:%M}"
    return f"{local:%d %b} at {local:%H:%M} Beijing time"


def _coupon_reason(rule: str, gettext: Callable[..., str], lang: str) -> str:
    """Why a coupon was paid, in words: the clause's title (发货超时赔付 / Late shipment)."""
    titles = TITLES.get(rule)
    if titles is None:
        return gettext("Compensation")
    return titles[0] if lang == "zh_CN" else titles[1]


def notice_text(notice: Notice, gettext: Callable[..., str], lang: str) -> str:
    p = notice.params
    if notice.kind == Kind.LIVE_SCHEDULED:
        when = plain_time(parse_iso(str(p["starts_at"])), lang)
        return gettext("{shop} goes live on {when}: {title}", shop=p["shop"], when=when, title=p["title"])
    if notice.kind == Kind.COUPON_ISSUED:
        return gettext(
            "{reason}: a {amount} coupon is in your wallet (order #{order})",
            reason=_coupon_reason(str(p["rule"]), gettext, lang),
            amount=present.yuan(int(str(p["amount_fen"]))),
            order=p["order_id"],
        )
    if notice.kind == Kind.CASE_UPDATED:
        return gettext(
            "After-sales case #{case} (order #{order}): {status}",
            case=p["case_id"],
            order=p["order_id"],
            status=gettext(f"case.{p['status']}"),
        )
    if notice.kind == Kind.CHAT_REPLY:
        return gettext("{shop} replied to your message", shop=p["shop"])
    if notice.kind == Kind.ORDER_SHIPPED:
        return gettext("Order #{order} has shipped", order=p["order_id"])
    if notice.kind == Kind.WISH_CAME_TRUE:
        return gettext("Your wish came true: {shop} now sells {title}", shop=p["shop"], title=p["title"])
    if notice.kind == Kind.CREATOR_PENALTY:
        return gettext("A violation was recorded against you (tier {tier}): see why", tier=p["tier"])
    if notice.kind == Kind.ORDER_DELIVERED:
        return gettext("Order #{order} has been delivered", order=p["order_id"])
    return gettext("{shop} is live now: {title}", shop=p["shop"], title=p["title"])
