"""How the simulated people behave, drawn from one seeded random generator: when buyers order,
how late merchants ship (the lateness distribution), who files an after-sales case, who writes a
review, who asks the shop a question. Simulation settings, not platform figures."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from pledge.demo.chats import CONVERSATIONS
from pledge.demo.experience import REVIEWS

UNPAID_SHARE = 0.04  # checkouts abandoned before paying (the worker cancels them)
# How late a late order's parcel is picked up: (share of late orders, hours after ship-by).
LATENESS = ((0.5, (1, 12)), (0.3, (12, 48)), (0.2, (48, 96)))
CARRIERS = ("sf", "yto", "zto")
PICKUP_AFTER = {"sf": timedelta(hours=2), "yto": timedelta(hours=4), "zto": timedelta(hours=6)}
CASE_SHARE = 0.06  # delivered orders whose buyer asks for a refund
REVIEW_SHARE = 0.5  # delivered orders whose buyer writes a review
CASE_APPROVED = 0.75  # cases the shop approves; 10% are left to the review deadline
CASE_UNANSWERED = 0.10
CHATS_PER_SHOP_DAY = 2
CASE_NOTES = ("收到有损坏，申请退款", "和描述不一致", "质量有问题", "包装破损，东西压坏了")
REJECTIONS = ("已核对发货视频，商品完好", "照片看不出问题，可以联系客服补发", "属于正常现象，不影响使用")


@dataclass(frozen=True)
class Shipping:
    handed_over_at: datetime
    carrier: str


class Behaviour:
    def __init__(self, seed: int, late_share: float) -> None:
        self.rng = random.Random(seed)
        self.late_share = late_share  # orders picked up after their ship-by time

    def order_times(self, day_start: datetime, count: int) -> list[datetime]:
        """Orders through the day, busier in the evening (the live rooms)."""
        times = []
        for _ in range(count):
            hour = self.rng.choice((9, 10, 11, 12, 13, 14, 15, 16, 17, 19, 20, 20, 21, 21, 22))
            times.append(day_start + timedelta(hours=hour, seconds=self.rng.randrange(3600)))
        return sorted(times)

    def quantity(self) -> int:
        return self.rng.choice((1, 1, 1, 2, 2, 3))

    def pays(self) -> bool:
        return self.rng.random() >= UNPAID_SHARE

    def shipping(self, paid_at: datetime, ship_by: datetime) -> Shipping:
        """Most parcels are picked up in time; `late_share` of them late by LATENESS."""
        carrier = self.rng.choice(CARRIERS)
        pickup = PICKUP_AFTER[carrier]
        if self.rng.random() < self.late_share:
            low, high = self._lateness()
            late = timedelta(hours=low) + (timedelta(hours=high - low) * self.rng.random())
            return Shipping(ship_by + late - pickup, carrier)
        room = ship_by - paid_at - pickup - timedelta(minutes=30)
        if room <= timedelta(0):
            return Shipping(paid_at + timedelta(minutes=10), "sf")
        return Shipping(paid_at + room * self.rng.uniform(0.1, 0.9), carrier)

    def _lateness(self) -> tuple[int, int]:
        draw = self.rng.random()
        for share, hours in LATENESS:
            if draw < share:
                return hours
            draw -= share
        return LATENESS[-1][1]

    def after_delivery(self) -> str:
        """What the buyer does once the parcel is in: a case, a review or nothing."""
        draw = self.rng.random()
        if draw < CASE_SHARE:
            return "case"
        return "review" if draw < CASE_SHARE + REVIEW_SHARE else "nothing"

    def hours(self, low: float, high: float) -> timedelta:
        return timedelta(hours=self.rng.uniform(low, high))

    def review(self) -> tuple[int, str]:
        return self.rng.choice(REVIEWS)

    def case_note(self) -> str:
        return self.rng.choice(CASE_NOTES)

    def decision(self) -> str:
        draw = self.rng.random()
        if draw < CASE_UNANSWERED:
            return "unanswered"
        return "approve" if draw < CASE_UNANSWERED + CASE_APPROVED else "reject"

    def rejection(self) -> str:
        return self.rng.choice(REJECTIONS)

    def conversation(self, kind: int) -> tuple[str, str | None, int | None]:
        """(the buyer's question, the shop's answer or None, the buyer's stars or None), from the
        demo's conversations with a shop of this merchant type."""
        mine = [c for c in CONVERSATIONS if c[0] == kind] or list(CONVERSATIONS)
        _shop, _buyer, _days, _start, messages, stars = self.rng.choice(mine)
        question = next(text for _m, who, text in messages if who == "buyer")
        answer = next((text for _m, who, text in messages if who == "shop"), None)
        return question, answer, stars

    def pick(self, items: list):
        return self.rng.choice(items)
