"""The simulation's event loop: a queue of things people will do at given times, run in time
order through the services, with the worker's pass every few simulated hours. The clock is a
FixedClock moved to each step's time, so every service and sweep sees the simulated time."""

from __future__ import annotations

import heapq
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from pledge.aftersales import services as aftersales
from pledge.bootstrap import App
from pledge.chat import services as chat
from pledge.fulfilment.services import ship_order
from pledge.kernel.clock import FixedClock
from pledge.kernel.errors import DomainError
from pledge.orders import services as orders
from pledge.orders.model import OrderStatus
from pledge.orders.tables import order_lines
from pledge.payments.adapters import CallbackPayload
from pledge.payments.services import handle_callback
from pledge.reviews import services as reviews
from pledge.settlement import queries as settlement
from pledge.settlement.payouts import request_payout
from pledge.simulation.behaviour import CHATS_PER_SHOP_DAY, Behaviour
from pledge.simulation.config import SimConfig
from pledge.simulation.world import SimBuyer, SimShop, World
from pledge.worker import run_once

log = logging.getLogger("pledge.simulation")
WORKER_EVERY = timedelta(hours=3)
# After a delivery the buyer acts once the worker has applied the carrier's event.
AFTER_DELIVERY = (WORKER_EVERY.total_seconds() / 3600 + 0.1, 30.0)
# Each merchant withdraws what is payable once a week, at 10:00 Beijing (a simulation setting).
PAYOUT_EVERY_DAYS, PAYOUT_AT = 7, timedelta(hours=10)
DELIVER_AFTER = timedelta(hours=36)  # the sandbox carriers deliver 36 h after hand-over


@dataclass(order=True)
class Step:
    at: datetime
    seq: int
    kind: str = field(compare=False)
    args: tuple = field(compare=False, default=())


class Simulation:
    def __init__(self, app: App, clock: FixedClock, config: SimConfig, world: World) -> None:
        self.app, self.clock, self.config, self.world = app, clock, config, world
        self.act = Behaviour(config.seed, config.late_share)
        self.queue: list[Step] = []
        self.seq = 0
        self.refused = 0  # steps a service refused (a rating on a conversation already rated, …)
        self.handlers: dict[str, Callable[..., None]] = {
            "order": self.order,
            "ship": self.ship,
            "delivered": self.delivered,
            "decide": self.decide,
            "chat": self.chat,
            "reply": self.reply,
            "rate": self.rate,
            "worker": self.worker,
            "payout": self.payout,
        }

    def at(self, when: datetime, kind: str, *args: Any) -> None:
        self.seq += 1
        heapq.heappush(self.queue, Step(when, self.seq, kind, args))

    def run(self, progress: Callable[[int], None]) -> None:
        start = self.config.starts_at
        for day in range(self.config.days):
            day_start = start + timedelta(days=day)
            self._plan_day(day_start)
            if (day + 1) % PAYOUT_EVERY_DAYS == 0:
                for shop in self.world.shops:
                    self.at(day_start + PAYOUT_AT, "payout", shop)
            self._run_until(day_start + timedelta(days=1), progress)
        self.clock.set(start + timedelta(days=self.config.days))
        self.worker()

    def _plan_day(self, day_start: datetime) -> None:
        for shop in self.world.shops:
            for when in self.act.order_times(day_start, self.config.orders_per_day):
                self.at(when, "order", shop)
            for when in self.act.order_times(day_start, CHATS_PER_SHOP_DAY):
                self.at(when, "chat", shop)
        for tick in range(int(timedelta(days=1) / WORKER_EVERY)):
            self.at(day_start + WORKER_EVERY * (tick + 1) - timedelta(seconds=1), "worker")

    def _run_until(self, end: datetime, progress: Callable[[int], None]) -> None:
        while self.queue and self.queue[0].at < end:
            step = heapq.heappop(self.queue)
            self.clock.set(step.at)
            try:
                self.handlers[step.kind](*step.args)
            except DomainError as refused:  # as a person would be told no: the run goes on
                log.debug("simulate: %s refused: %s", step.kind, refused.detail)
                self.refused += 1
            finally:
                if step.kind == "order":
                    progress(1)

    # ------------------------------------------------------------------ what people do

    def order(self, shop: SimShop) -> None:
        buyer: SimBuyer = self.act.pick(self.world.buyers)
        at, line = self.clock.now(), orders.LineRequest(self.act.pick(shop.skus), self.act.quantity())
        with self.app.uow.begin() as conn:
            placed = orders.place_order(
                conn,
                buyer.actor,
                [line],
                at=at,
                pay_window=self.app.pay_window,
                guards=self.app.sale_guards,
                address_id=buyer.address_id,
            )
        if not self.act.pays():
            return  # the worker cancels it when the pay window closes
        paid_at = at + timedelta(minutes=1)
        with self.app.uow.begin() as conn:
            handle_callback(
                conn,
                CallbackPayload(placed.payment_ref, placed.total_fen, "captured"),
                book=self.app.rulebook,
                at=paid_at,
            )
            ship_by = conn.execute(
                select(orders.orders.c.ship_by).where(orders.orders.c.id == placed.order_ids[0])
            ).scalar_one()
        shipping = self.act.shipping(paid_at, ship_by)
        self.at(shipping.handed_over_at, "ship", shop, buyer, placed.order_ids[0], shipping.carrier)

    def ship(self, shop: SimShop, buyer: SimBuyer, order_id: int, carrier: str) -> None:
        at = self.clock.now()
        with self.app.uow.begin() as conn:
            ship_order(
                conn,
                shop.owner,
                order_id=order_id,
                carrier=carrier,
                tracking_no=f"SIM{self.config.seed:04d}{order_id:010d}",
                at=at,
            )
        self.at(at + DELIVER_AFTER + self.act.hours(*AFTER_DELIVERY), "delivered", shop, buyer, order_id)

    def delivered(self, shop: SimShop, buyer: SimBuyer, order_id: int) -> None:
        at = self.clock.now()
        with self.app.uow.read() as conn:
            status = conn.execute(
                select(orders.orders.c.status).where(orders.orders.c.id == order_id)
            ).scalar_one()
            line_id = conn.execute(
                select(order_lines.c.id).where(order_lines.c.order_id == order_id).order_by(order_lines.c.id)
            ).scalar()
        if status != OrderStatus.DELIVERED.value or line_id is None:
            return
        choice = self.act.after_delivery()
        if choice == "review":
            stars, body = self.act.review()
            with self.app.uow.begin() as conn:
                reviews.post_review(
                    conn, buyer.actor, line_id, reviews.ReviewIn(stars, body), book=self.app.rulebook, at=at
                )
        elif choice == "case":
            self._file_case(shop, buyer, order_id, line_id, at)

    def _file_case(self, shop: SimShop, buyer: SimBuyer, order_id: int, line_id: int, at: datetime) -> None:
        case = aftersales.NewCase(order_id, "refund_only", "quality", [(line_id, 1)], self.act.case_note())
        with self.app.uow.begin() as conn:
            case_id = aftersales.file_case(conn, buyer.actor, case, book=self.app.rulebook, at=at)
        decision = self.act.decision()
        if decision != "unanswered":  # left to the review deadline, which the worker's sweep acts on
            self.at(at + self.act.hours(1, 40), "decide", shop, case_id, decision == "approve")

    def decide(self, shop: SimShop, case_id: int, approve: bool) -> None:
        note = "" if approve else self.act.rejection()
        with self.app.uow.begin() as conn:
            aftersales.review_case(
                conn,
                shop.owner,
                case_id,
                approve=approve,
                note=note,
                book=self.app.rulebook,
                at=self.clock.now(),
            )

    def chat(self, shop: SimShop) -> None:
        buyer: SimBuyer = self.act.pick(self.world.buyers)
        question, answer, stars = self.act.conversation(shop.kind)
        at = self.clock.now()
        with self.app.uow.begin() as conn:
            opened = chat.open_conversation(conn, buyer.actor, shop_id=shop.shop_id, at=at)
            chat.post_message(conn, buyer.actor, opened.conversation_id, question, at=at)
        if answer is not None:
            self.at(
                at + self.act.hours(0.02, 1.5), "reply", shop, buyer, opened.conversation_id, answer, stars
            )

    def reply(
        self, shop: SimShop, buyer: SimBuyer, conversation_id: int, text: str, stars: int | None
    ) -> None:
        at = self.clock.now()
        with self.app.uow.begin() as conn:
            chat.post_message(conn, shop.owner, conversation_id, text, at=at)
        if stars is not None:
            self.at(at + self.act.hours(0.1, 2), "rate", buyer, conversation_id, stars)

    def rate(self, buyer: SimBuyer, conversation_id: int, stars: int) -> None:
        with self.app.uow.begin() as conn:
            chat.rate_conversation(conn, buyer.actor, conversation_id, stars, at=self.clock.now())

    def payout(self, shop: SimShop) -> None:
        at, book = self.clock.now(), self.app.rulebook
        with self.app.uow.begin() as conn:
            payable = settlement.balance(conn, shop.owner, book, shop.shop_id, now=at)["payable_fen"]
            if payable > 0:
                request_payout(
                    conn,
                    shop.owner,
                    book,
                    shop.shop_id,
                    amount_fen=payable,
                    at=at,
                    guards=self.app.payout_guards,
                )

    def worker(self) -> None:
        run_once(self.app)
