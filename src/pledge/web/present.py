"""Presentation helpers shared by pages and the API: promise badges, money, rulebook view."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pledge.kernel.clock import MONTHS_EN
from pledge.kernel.money import format_rate, format_yuan
from pledge.rulebooks.loader import Rulebook

_BADGES = {
    "zh_CN": {
        "same-day": "当日发货",
        "next-day": "次日发货",
        "hours": "{h}小时内发货",
        "presale": "预售 · {d}前发货",
        "pledge": "晚发即赔",
    },
    "en": {
        "same-day": "Ships today",
        "next-day": "Ships next day",
        "hours": "Ships within {h} h",
        "presale": "Presale · ships by {d}",
        "pledge": "late shipping compensated",
    },
}


def promise_badge(row, lang: str = "zh_CN", with_pledge: bool = True) -> str:
    """'48小时内发货 · 晚发即赔' for a row with promise_kind / promise_hours / presale_date."""
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k, None)
    words = _BADGES.get(lang, _BADGES["zh_CN"])
    kind = str(get("promise_kind") or "")
    presale = get("presale_date") or get("promise_date")
    text = words.get(kind, kind).format(h=get("promise_hours"), d=presale)
    return f"{text} · {words['pledge']}" if with_pledge else text


def yuan(fen: int | None) -> str:
    """1990 -> '¥19.90'; a negative amount carries its sign before the currency: '-¥23.97'."""
    if fen is None:
        return ""
    return f"-¥{format_yuan(-fen)}" if fen < 0 else f"¥{format_yuan(fen)}"


_SPAN_UNITS = {"zh_CN": ("天", "小时", "分"), "en": (" d", " h", " min")}


def duration(span: timedelta | int | None, lang: str = "zh_CN") -> str:
    """A span in plain words to the minute: '1天2小时5分' / '1 d 2 h 5 min'; leading and trailing
    zero units dropped ('2小时', '1天'), inner ones kept ('1天0小时5分'); under a minute is '0分'."""
    if span is None:
        return ""
    seconds = int(span.total_seconds()) if isinstance(span, timedelta) else int(span)
    day, hour, minute = _SPAN_UNITS.get(lang, _SPAN_UNITS["zh_CN"])
    d, rest = divmod(abs(seconds), 86400)
    h, m = rest // 3600, rest % 3600 // 60
    parts = [(d, day), (h, hour), (m, minute)]
    while len(parts) > 1 and parts[0][0] == 0:
        parts.pop(0)
    while len(parts) > 1 and parts[-1][0] == 0:
        parts.pop()
    joined = ("" if lang == "zh_CN" else " ").join(f"{n}{unit}" for n, unit in parts)
    return ("-" if seconds < 0 else "") + joined


_NEAR_DAYS = {"zh_CN": {-1: "昨天", 0: "今天", 1: "明天"}, "en": {-1: "yesterday", 0: "today", 1: "tomorrow"}}


def local(
    at: datetime | None,
    tz: str = "Asia/Shanghai",
    *,
    lang: str = "zh_CN",
    now: datetime | None = None,
    time_only: bool = False,
) -> str:
    """A moment in the zone's time (Beijing by default) in plain words, to the minute: "今天 21:19"
    ("明天", "昨天"), "11月24日 21:19" in the current year, "2025年11月24日 21:19" otherwise; in
    English "today 21:19", "24 Nov 21:19", "24 Nov 2025 21:19". Without `now` (the reader's
    present) the year is always written. `time_only`: "21:19"."""
    if at is None:
        return ""
    zone = ZoneInfo(tz)
    moment = at.astimezone(zone)
    clock = moment.strftime("%H:%M")
    if time_only:
        return clock
    words = _NEAR_DAYS["en" if lang == "en" else "zh_CN"]
    today = now.astimezone(zone).date() if now is not None else None
    if today is not None and (moment.date() - today).days in words:
        return f"{words[(moment.date() - today).days]} {clock}"
    with_year = today is None or moment.year != today.year
    if lang == "en":
        day = f"{moment.day} {MONTHS_EN[moment.month - 1]}"
        return f"{day} {moment.year} {clock}" if with_year else f"{day} {clock}"
    day = f"{moment.month}月{moment.day}日"
    return f"{moment.year}年{day} {clock}" if with_year else f"{day} {clock}"


def rulebook_view(book: Rulebook) -> dict:
    clauses = []
    for c in sorted(book.clauses, key=lambda c: (c.kind, c.id)):
        params = dict(c.params)
        if "rate_bp" in params:
            params["rate"] = format_rate(params["rate_bp"])
        clauses.append(
            {
                "id": c.id,
                "kind": c.kind,
                "effective": c.effective.isoformat(),
                "source": c.source,
                "text": c.text,
                "text_en": c.text_en,
                "params": params,
            }
        )
    return {
        "name": book.name,
        "version": book.version,
        "title": book.title,
        "title_en": book.title_en,
        "timezone": book.timezone,
        "settings": book.settings,
        "clauses": clauses,
    }
