"""A notice worded for a person, from its kind and parameters (pledge.notifications stores
no sentences): in Chinese or English, times in Beijing time in plain words ("11月29日 20:00")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pledge.kernel.clock import parse_iso, zone
from pledge.notifications.model import Kind
from pledge.notifications.queries import Notice

PLATFORM_ZONE = "Asia/Shanghai"


def plain_time(at: datetime, lang: str) -> str:
    local = at.astimezone(zone(PLATFORM_ZONE))
    if lang == "zh_CN":
        return f"{local.month}月{local.day}日 {local:%H:%M}"
    return f"{local:%d %b} at {local:%H:%M} Beijing time"


def notice_text(notice: Notice, gettext: Callable[..., str], lang: str) -> str:
    p = notice.params
    if notice.kind == Kind.LIVE_SCHEDULED:
        when = plain_time(parse_iso(str(p["starts_at"])), lang)
        return gettext("{shop} goes live on {when}: {title}", shop=p["shop"], when=when, title=p["title"])
    return gettext("{shop} is live now: {title}", shop=p["shop"], title=p["title"])
