"""A blind box's disclosure (douyin:aHGYneqr4WDJ 4.5) as the product page and the API show it:
every item with its odds and value, the value range, the per-buyer limit and the two notices in
the rule's words. Shared by web.api and web.pages."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from pledge.blindboxes.model import BoxSeries
from pledge.blindboxes.policy import notices
from pledge.rulebooks.loader import Rulebook


def blind_box_disclosure(series: BoxSeries | None, book: Rulebook, at: datetime) -> dict | None:
    if series is None:
        return None
    low, high = series.value_range_fen
    zh, en = notices(book, at, "zh"), notices(book, at, "en")
    return {
        "box_type": series.box_type,
        "factory_sealed": series.factory_sealed,
        "draws_per_buyer": series.draws_per_buyer,
        "value_min_fen": low,
        "value_max_fen": high,
        "items": [asdict(item) for item in series.items],
        "notice": zh.minors,
        "notice_en": en.minors,
        "uncertainty": zh.uncertainty,
        "uncertainty_en": en.uncertainty,
    }
