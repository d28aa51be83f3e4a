"""Plain words for times and money on buyer-facing texts: platform time (the rulebook's zone)
written out, never a UTC ISO string; amounts in yuan."""

from __future__ import annotations

from datetime import datetime

from pledge.kernel.clock import MONTHS_EN, local_time
from pledge.kernel.money import format_yuan

ZONE_NAMES = {"Asia/Shanghai": ("北京时间", "Beijing time")}


def when_zh(at: datetime, tz: str = "Asia/Shanghai") -> str:
    """'2026年9月4日 10:00（北京时间）'."""
    local = local_time(at, tz)
    zone_name = ZONE_NAMES.get(tz, (tz, tz))[0]
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}（{zone_name}）"


def when_en(at: datetime, tz: str = "Asia/Shanghai") -> str:
    """'4 Sep 2026 10:00 (Beijing time)'."""
    local = local_time(at, tz)
    zone_name = ZONE_NAMES.get(tz, (tz, tz))[1]
    return f"{local.day} {MONTHS_EN[local.month - 1]} {local.year} {local:%H:%M} ({zone_name})"


def when(at: datetime, tz: str, lang: str) -> str:
    return when_zh(at, tz) if lang == "zh_CN" else when_en(at, tz)


def money(fen: int) -> str:
    """'¥19.90'; a negative amount '-¥23.97' (the sign before the currency, as pages write it)."""
    return f"-¥{format_yuan(-fen)}" if fen < 0 else f"¥{format_yuan(fen)}"
